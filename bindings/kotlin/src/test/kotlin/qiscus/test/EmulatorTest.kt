package qiscus.test

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.TestInstance
import qiscus.Client
import qiscus.core.LoginOrRegisterParams
import qiscus.core.User

/** A test class with its own emulator and client, started once and stopped after all its tests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EmulatorTest {
    protected val emu: Emulator = Emulator.start()
    protected val client: Client = emu.client()

    @AfterAll
    fun stopEmulator() {
        client.close()
        emu.close()
    }

    /** Registers a user with a unique e-mail. */
    protected fun user(name: String = "User"): User =
        client.loginOrRegisterBlocking(LoginOrRegisterParams(email = Emulator.email(name.lowercase()), username = name))
}

/** `runBlocking` for a test body (JUnit wants test methods returning Unit). */
fun suspendTest(block: suspend CoroutineScope.() -> Unit) {
    runBlocking { block() }
}

/** Asserts that two JSON texts hold the same value (key order aside). */
fun assertJsonEquals(expected: String, actual: String?) {
    assertEquals(Json.parse(expected), actual?.let { Json.parse(it) }, "JSON $actual")
}

/** Catches the exception a block throws, typed. */
inline fun <reified T : Throwable> catching(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}
