package qiscus.test

import java.util.concurrent.Executors
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.Client
import qiscus.core.CreateRoomParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.debugRuntimeAliveTasks
import qiscus.debugSleep

/** Cancellation, concurrency through one client, and the client's lifetime. */
class ConcurrencyTest : EmulatorTest() {

    @AfterEach
    fun clearFaults() = emu.noFaults()

    /**
     * Waits until the shared runtime has no more tasks alive than `baseline` (connection tasks of
     * the pool may end meanwhile, so fewer is fine).
     */
    private suspend fun awaitAliveTasks(baseline: Long) {
        val until = System.nanoTime() + 3_000_000_000L
        while (debugRuntimeAliveTasks().toLong() > baseline && System.nanoTime() < until) delay(10)
        val alive = debugRuntimeAliveTasks().toLong()
        assertTrue(alive <= baseline, "tasks left behind on the runtime: $alive alive, $baseline before")
    }

    @Test
    fun `cancelling a sleeping call aborts it`() = suspendTest {
        val baseline = debugRuntimeAliveTasks().toLong()
        val job = launch(Dispatchers.Default) { debugSleep(5_000uL) }
        delay(100)
        assertTrue(job.isActive)
        assertEquals(baseline + 1, debugRuntimeAliveTasks().toLong(), "the sleep runs on the runtime")
        val t0 = System.nanoTime()
        job.cancelAndJoin()
        assertTrue(System.nanoTime() - t0 < 500_000_000L, "cancellation took too long")
        assertTrue(job.isCancelled)
        awaitAliveTasks(baseline)
    }

    @Test
    fun `cancelling an in-flight request aborts it`() = suspendTest {
        val u = user("Cancel")
        emu.faults("latency" to 1.0, "latency_ms" to 5_000)
        val baseline = debugRuntimeAliveTasks().toLong()
        var finished = false
        val job = launch(Dispatchers.Default) {
            client.userProfile(u.email)
            finished = true
        }
        delay(100)
        assertTrue(job.isActive)
        assertEquals(1.0, emu.stats()["delayed"], "the request reached the emulator")
        val t0 = System.nanoTime()
        job.cancelAndJoin()
        assertTrue(System.nanoTime() - t0 < 500_000_000L, "cancellation took too long")
        assertFalse(finished)
        awaitAliveTasks(baseline)
    }

    @Test
    fun `suspend calls do not hold the caller's thread`() = suspendTest {
        Executors.newSingleThreadExecutor().asCoroutineDispatcher().use { one ->
            val t0 = System.nanoTime()
            withContext(one) {
                (1..20).map { async { debugSleep(300uL) } }.awaitAll()
            }
            val ms = (System.nanoTime() - t0) / 1_000_000
            assertTrue(ms < 2_000, "20 sleeps of 300 ms on one thread took $ms ms")
        }
    }

    @Test
    fun `200 concurrent calls through one client`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val room = client.createRoom(CreateRoomParams(name = "Busy", participants = listOf(b.email), creator = a.email)).roomId
        val before = emu.requests()
        val comments = (1..200).map { i ->
            async(Dispatchers.Default) {
                client.postComment(PostCommentParams(room, if (i % 2 == 0) a.email else b.email, "message $i", Payload.Text))
            }
        }.awaitAll()
        assertEquals(200, comments.map { it.id }.toSet().size)
        assertEquals((1..200).map { "message $it" }.toSet(), comments.map { it.message }.toSet())
        // The emulator's own count.
        assertEquals(200, emu.roomComments(room).size)
        assertEquals(before + 200, emu.requests())
    }

    @Test
    fun `blocking twins from many threads`() {
        val u = user("Threads")
        val pool = Executors.newFixedThreadPool(16)
        try {
            val results = (1..64).map { pool.submit<Long> { client.userProfileBlocking(u.email).id } }.map { it.get() }
            assertEquals(List(64) { u.id }, results)
        } finally {
            pool.shutdown()
        }
    }

    @Test
    fun `the client is AutoCloseable`() = suspendTest {
        val u = user("Closeable")
        val used: Client
        emu.client().use { c ->
            used = c
            val closeable: AutoCloseable = c // what `use {}` needs
            assertEquals(c, closeable)
            assertEquals(u.id, c.userProfile(u.email).id)
        }
        // Closed: the object is destroyed, and calls on it fail.
        val e = catching<IllegalStateException> { used.appId() }
        assertTrue(e.message.orEmpty().contains("destroyed"), e.message)

        // shutdown() keeps the object but releases the connections: calls fail with Config.
        val c = emu.client()
        c.shutdown()
        assertEquals("client", catching<QiscusException.Config> { c.userProfile(u.email) }.field)
        c.close()
    }
}
