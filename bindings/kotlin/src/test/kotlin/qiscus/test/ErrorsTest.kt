package qiscus.test

import java.time.Duration
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.Client
import qiscus.core.CreateRoomParams
import qiscus.core.LoginOrRegisterParams
import qiscus.core.QiscusException

/** Every kind of error, as the Kotlin exception it becomes, with its fields. */
class ErrorsTest : EmulatorTest() {

    @AfterEach
    fun clearFaults() = emu.noFaults()

    @Test
    fun `api error 400 with detailed messages`() = suspendTest {
        val u = user("Existing")
        val e = catching<QiscusException.Api> {
            client.loginOrRegister(LoginOrRegisterParams(email = u.email, username = "Renamed"))
        }
        assertEquals("login_or_register", e.call)
        assertEquals(400, e.status.toInt())
        assertTrue(e.reason.contains("password is required"), e.reason)
        assertTrue(e.detailedMessages.any { it.contains("password is required") && it.contains(u.email) }, "${e.detailedMessages}")
        assertNull(e.bodyExcerpt)
        assertEquals(1u, e.attempts)
        assertTrue(e.message!!.contains("status=400"), e.message)
        // Nothing changed.
        assertEquals("Existing", client.userProfile(u.email).username)

        val blocking = catching<QiscusException.Api> {
            client.createRoomBlocking(CreateRoomParams(name = "R", participants = listOf(Emulator.email("ghost")), creator = u.email))
        }
        assertEquals(400, blocking.status.toInt())
        assertEquals("create_room", blocking.call)
        assertFalse(blocking.detailedMessages.isEmpty())
    }

    @Test
    fun `unauthorized with a wrong secret`() = suspendTest {
        emu.client(secret = "wrong-secret").use { bad ->
            val e = catching<QiscusException.Unauthorized> { bad.userProfile(Emulator.email()) }
            assertEquals("user_profile", e.call)
            assertFalse(e.reason.isEmpty())
            assertFalse(e.message!!.contains("wrong-secret"), "the secret never appears in errors")
            val b = catching<QiscusException.Unauthorized> { bad.listExportsBlocking(null) }
            assertEquals("list_exports", b.call)
        }
    }

    @Test
    fun `not found`() = suspendTest {
        val nobody = Emulator.email("nobody")
        val e = catching<QiscusException.NotFound> { client.userProfile(nobody) }
        assertEquals("user_profile", e.call)
        assertTrue(e.reason.contains(nobody), e.reason)
        val b = catching<QiscusException.NotFound> { client.getExportBlocking("no-such-export") }
        assertEquals("get_export", b.call)
    }

    @Test
    fun `rate limited, with retry after`() = suspendTest {
        val u = user("Limited")
        emu.faults("rate_limit_429" to 1.0, "retry_after_secs" to 3)
        emu.client(maxRetries = 0u).use { c ->
            val e = catching<QiscusException.RateLimited> { c.userProfile(u.email) }
            assertEquals("user_profile", e.call)
            assertEquals(Duration.ofSeconds(3), e.retryAfter)
            assertEquals(1u, e.attempts)
            val b = catching<QiscusException.RateLimited> { c.userProfileBlocking(u.email) }
            assertEquals(Duration.ofSeconds(3), b.retryAfter)
        }
        assertEquals(2.0, emu.stats()["rate_limited"])
    }

    @Test
    fun `timeout`() = suspendTest {
        val u = user("Slow")
        emu.faults("latency" to 1.0, "latency_ms" to 2000)
        emu.client(timeoutMs = 100uL, maxRetries = 0u).use { c ->
            val t0 = System.nanoTime()
            val e = catching<QiscusException.Timeout> { c.userProfile(u.email) }
            assertTrue(System.nanoTime() - t0 < 1_500_000_000L, "the timeout fired late")
            assertEquals("user_profile", e.call)
            assertEquals(1u, e.attempts)
            val b = catching<QiscusException.Timeout> { c.userProfileBlocking(u.email) }
            assertEquals("user_profile", b.call)
        }
    }

    @Test
    fun `connection refused`() = suspendTest {
        val port = Emulator.closedPort()
        Client(appId = "emulator", secret = "emulator-secret", baseUrl = "http://127.0.0.1:$port", maxRetries = 0u).use { c ->
            val e = catching<QiscusException.Connection> { c.userProfile(Emulator.email()) }
            assertEquals("user_profile", e.call)
            assertEquals(1u, e.attempts)
            assertFalse(e.reason.isEmpty())
            val b = catching<QiscusException.Connection> { c.resetUserTokenBlocking(Emulator.email()) }
            assertEquals("reset_user_token", b.call)
        }
    }

    @Test
    fun `invalid input names the field, nothing is sent`() = suspendTest {
        val before = emu.requests()
        val e = catching<QiscusException.InvalidInput> {
            client.loginOrRegister(LoginOrRegisterParams(email = "not-an-email", username = "X"))
        }
        assertEquals("email", e.field)
        assertFalse(e.reason.isEmpty())
        val b = catching<QiscusException.InvalidInput> {
            client.createRoomBlocking(CreateRoomParams(name = "", participants = listOf(Emulator.email()), creator = Emulator.email()))
        }
        assertEquals("name", b.field)
        val u = catching<QiscusException.InvalidInput> { client.userProfile("") }
        assertEquals("user_email", u.field)
        assertEquals(before, emu.requests())
    }

    @Test
    fun `response too large`() = suspendTest {
        val u = user("Large")
        Client(appId = emu.appId, secret = emu.secret, baseUrl = emu.baseUrl, maxResponseBytes = 64uL).use { c ->
            val e = catching<QiscusException.ResponseTooLarge> { c.userProfile(u.email) }
            assertEquals("user_profile", e.call)
            assertEquals(64uL, e.limitBytes)
        }
    }

    @Test
    fun `config errors`() {
        val e = catching<QiscusException.Config> {
            Client(appId = "app", secret = "s", baseUrl = "http://qiscus.example.com")
        }
        assertEquals("base_url", e.field)
        // Plain http to a non-loopback host is allowed only when asked for.
        Client(appId = "app", secret = "s", baseUrl = "http://qiscus.example.com", allowInsecureHttp = true).close()

        val closed = emu.client()
        closed.shutdown()
        closed.shutdown() // twice is harmless
        val c = catching<QiscusException.Config> { closed.userProfileBlocking(Emulator.email()) }
        assertEquals("client", c.field)
        closed.close()
    }

    @Test
    fun `internal errors from panics`() = suspendTest {
        // A panic on the calling thread is caught by the UniFFI scaffolding: the binding's own
        // InternalException (not a QiscusException), carrying the panic message.
        val onThread = catching<qiscus.InternalException> { qiscus.debugPanic(false) }
        assertTrue(onThread.message!!.contains("debug_panic was called"), onThread.message)

        // A panic inside a spawned call is the library's Internal error.
        val inTask = catching<QiscusException.Internal> { qiscus.debugPanic(true) }
        assertTrue(inTask.reason.contains("debug_panic was called"), inTask.reason)
        val async = catching<QiscusException.Internal> { qiscus.debugPanicAsync() }
        assertTrue(async.reason.contains("debug_panic_async was called"), async.reason)

        // The library still works afterwards.
        assertEquals("emulator", client.appId())
        user("AfterPanic")
    }

    @Test
    fun `every error is a QiscusException and an Exception`() {
        val e: Exception = catching<QiscusException> { client.userProfileBlocking(Emulator.email("none")) }
        assertTrue(e is QiscusException.NotFound)
        val described = when (val q = e as QiscusException) {
            is QiscusException.Api -> "api ${q.status}"
            is QiscusException.Unauthorized -> "unauthorized"
            is QiscusException.NotFound -> "not found: ${q.call}"
            is QiscusException.RateLimited -> "rate limited ${q.retryAfter}"
            is QiscusException.Timeout -> "timeout"
            is QiscusException.Connection -> "connection"
            is QiscusException.Decode -> "decode"
            is QiscusException.ResponseTooLarge -> "too large"
            is QiscusException.InvalidInput -> "invalid ${q.field}"
            is QiscusException.InvalidSignature -> "signature"
            is QiscusException.Internal -> "internal"
            is QiscusException.Config -> "config"
        }
        assertEquals("not found: user_profile", described)
    }
}
