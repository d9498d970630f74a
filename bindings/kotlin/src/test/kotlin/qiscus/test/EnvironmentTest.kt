package qiscus.test

import java.io.File
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.clientFromEnvironment
import qiscus.core.LoginOrRegisterParams
import qiscus.core.QiscusException

/**
 * `clientFromEnvironment()`. A running JVM cannot change its own environment, so each case runs
 * [EnvironmentProbe] in a child JVM (the same classpath, with the library) with the variables set.
 */
class EnvironmentTest {
    private fun probe(vararg vars: Pair<String, String>): String {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val builder = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EnvironmentProbe::class.java.name)
            .redirectErrorStream(true)
        builder.environment().apply {
            listOf("QISCUS_APP_ID", "QISCUS_SECRET", "QISCUS_BASE_URL").forEach { remove(it) }
            putAll(vars)
        }
        val child = builder.start()
        val out = child.inputStream.bufferedReader().readText().trim()
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit: $out")
        assertEquals(0, child.exitValue(), out)
        return out
    }

    @Test
    fun `a client from the environment, none, or an error naming the missing variable`() {
        Emulator.start().use { emu ->
            assertEquals("none", probe())
            assertEquals("Config QISCUS_SECRET", probe("QISCUS_APP_ID" to emu.appId))
            assertEquals("Config QISCUS_APP_ID", probe("QISCUS_APP_ID" to " ", "QISCUS_SECRET" to emu.secret))
            val email = Emulator.email("env")
            val vars = arrayOf(
                "QISCUS_APP_ID" to emu.appId,
                "QISCUS_SECRET" to emu.secret,
                "QISCUS_BASE_URL" to emu.baseUrl,
                "PROBE_EMAIL" to email,
            )
            assertEquals("$email of ${emu.appId}", probe(*vars))
        }
    }
}

/** The child of [EnvironmentTest]: prints what `clientFromEnvironment()` gave. */
object EnvironmentProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        val out = try {
            clientFromEnvironment()?.use { client ->
                val params = LoginOrRegisterParams(email = System.getenv("PROBE_EMAIL"), username = "Env")
                "${client.loginOrRegisterBlocking(params).email} of ${client.appId()}"
            } ?: "none"
        } catch (e: QiscusException.Config) {
            "Config ${e.field}"
        }
        println(out)
    }
}
