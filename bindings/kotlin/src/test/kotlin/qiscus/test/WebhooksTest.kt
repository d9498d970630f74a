package qiscus.test

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.core.CreateRoomParams
import qiscus.core.CustomPayload
import qiscus.core.LoginOrRegisterParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.newUniqueTempId
import qiscus.parseWebhookEvent
import qiscus.receiveWebhook
import qiscus.signWebhookBody
import qiscus.timestampToUnixMillis
import qiscus.verifyWebhookSignature

/** Webhook helpers (sign, verify, parse, receive), against bodies the emulator really sends. */
class WebhooksTest {
    private val token = "webhook-token".toByteArray()

    private val body = """
        {"type":"post_comment_rest","payload":{
          "from":{"id":1,"email":"user1@example.com","name":"User1"},
          "room":{"id":7,"topic_id":7,"type":"group","name":"ini grup","participants":[
            {"id":1,"email":"user1@example.com","username":"User1","avatar_url":"http://avatar1.jpg"},
            {"id":2,"email":"user2@example.com","username":"User2","avatar_url":"http://avatar2.jpg"}]},
          "message":{"type":"text","text":"ini pesan","payload":{}}}}
    """.trimIndent().toByteArray()

    private fun hmac(key: ByteArray, data: ByteArray): String {
        val mac = Mac.getInstance("HmacSHA256")
        mac.init(SecretKeySpec(key, "HmacSHA256"))
        return mac.doFinal(data).joinToString("") { "%02x".format(it) }
    }

    @Test
    fun `sign is the hex HMAC-SHA256 of the body`() {
        val sig = signWebhookBody(token, body)
        assertEquals(64, sig.length)
        assertEquals(hmac(token, body), sig)
        assertNotEquals(sig, signWebhookBody("other".toByteArray(), body))
    }

    @Test
    fun `verify accepts the signature and refuses anything else`() {
        val sig = signWebhookBody(token, body)
        verifyWebhookSignature(token, body, sig)
        verifyWebhookSignature(token, body, sig.uppercase())
        val wrong = catching<QiscusException.InvalidSignature> { verifyWebhookSignature(token, body + ' '.code.toByte(), sig) }
        assertTrue(wrong.reason.contains("does not match"), wrong.reason)
        val missing = catching<QiscusException.InvalidSignature> { verifyWebhookSignature(token, body, null) }
        assertTrue(missing.reason.contains("no QISCUS-SDK-SIGNATURE"), missing.reason)
        catching<QiscusException.InvalidSignature> { verifyWebhookSignature(token, body, "zz") }
    }

    @Test
    fun `parse returns the typed event`() {
        val e = parseWebhookEvent(body)
        assertEquals("post_comment_rest", e.eventType)
        assertEquals("user1@example.com", e.payload.from.email)
        assertEquals("User1", e.payload.from.name)
        assertEquals(7L, e.payload.room.id)
        assertEquals("group", e.payload.room.roomType)
        assertEquals("ini grup", e.payload.room.name)
        assertEquals(listOf("user1@example.com", "user2@example.com"), e.payload.room.participants.map { it.email })
        assertEquals("ini pesan", e.payload.message.text)
        assertEquals(Payload.Text, e.payload.message.payload)

        val bad = catching<QiscusException.Decode> { parseWebhookEvent("{not json".toByteArray()) }
        assertEquals("webhook", bad.call)
        assertTrue(bad.bodyExcerpt.contains("not json"), bad.bodyExcerpt)
    }

    @Test
    fun `receive finds the header in any case`() {
        val sig = signWebhookBody(token, body)
        val e = receiveWebhook(token, mapOf("Content-Type" to "application/json", "qiscus-sdk-signature" to sig), body)
        assertEquals("ini pesan", e.payload.message.text)
        catching<QiscusException.InvalidSignature> { receiveWebhook(token, mapOf("Content-Type" to "application/json"), body) }
        catching<QiscusException.InvalidSignature> { receiveWebhook("nope".toByteArray(), mapOf("QISCUS-SDK-SIGNATURE" to sig), body) }
    }

    @Test
    fun `a webhook the emulator delivers is received`() {
        val received = LinkedBlockingQueue<Pair<Map<String, String>, ByteArray>>()
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/hook") { ex ->
            val headers = ex.requestHeaders.entries.associate { (k, v) -> k to v.first() }
            received.add(headers to ex.requestBody.readBytes())
            ex.sendResponseHeaders(200, -1)
            ex.close()
        }
        server.start()
        try {
            Emulator.start("emulator", "emulator-secret", "--webhook-url", "http://127.0.0.1:${server.address.port}/hook", "--webhook-token", "webhook-token").use { emu ->
                emu.client().use { c ->
                    val a = c.loginOrRegisterBlocking(LoginOrRegisterParams(Emulator.email("hook"), "Hooked"))
                    val b = c.loginOrRegisterBlocking(LoginOrRegisterParams(Emulator.email("hook"), "Other"))
                    val room = c.createRoomBlocking(CreateRoomParams("Hooks", listOf(b.email), a.email)).roomId
                    val posted = c.postCommentBlocking(
                        PostCommentParams(room, a.email, "with a hook", Payload.Custom(CustomPayload("promo", """{"discount":10}"""))),
                    )
                    val (headers, bytes) = received.poll(10, TimeUnit.SECONDS) ?: throw AssertionError("no webhook arrived")
                    val event = receiveWebhook(token, headers, bytes)
                    assertEquals("post_comment_rest", event.eventType)
                    assertEquals(a.email, event.payload.from.email)
                    assertEquals(room, event.payload.room.id)
                    assertEquals("Hooks", event.payload.room.name)
                    assertEquals(posted.id, event.payload.message.id)
                    assertEquals("with a hook", event.payload.message.text)
                    val custom = (event.payload.message.payload as Payload.Custom).v1
                    assertEquals("promo", custom.customType)
                    assertJsonEquals("""{"discount":10}""", custom.content)
                }
            }
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun `unique temp ids and timestamps`() {
        val ids = (1..100).map { newUniqueTempId() }.toSet()
        assertEquals(100, ids.size)
        assertEquals(1494530064000L, timestampToUnixMillis("2017-05-11T19:14:24Z"))
        assertEquals(1494530064000L, timestampToUnixMillis("2017-05-11T19:14:24.000000Z"))
        assertNull(timestampToUnixMillis("yesterday"))
    }

    @Test
    fun `buffers crossing the FFI have their own zeroed native memory`() {
        // The generated RustBuffer struct takes its memory from UniffiStructMemory (a patch of
        // uniffi-bindgen), not from JNA's Memory: each struct its own block, zeroed.
        val structs = List(3) { qiscus.RustBuffer.ByValue() }
        for (s in structs) {
            assertTrue(s.pointer is qiscus.UniffiStructMemory)
            assertEquals(0L, s.pointer.getLong(0))
            assertEquals(0L, s.pointer.getLong(8))
            assertEquals(0L, s.pointer.getLong(16))
        }
        assertEquals(3, structs.map { com.sun.jna.Pointer.nativeValue(it.pointer) }.toSet().size)
    }

    @Test
    fun `calls with several buffer arguments keep them apart, call after call`() {
        // Two byte arrays per call, each lowered into a buffer passed by value: if two argument
        // structs shared memory, the signature would be of the wrong token or body. The GC runs
        // meanwhile, so struct memory freed by the cleaner is reused by later calls.
        repeat(20_000) { i ->
            val key = "token-$i".toByteArray()
            val data = "{\"n\":$i}".toByteArray()
            val signature = signWebhookBody(key, data)
            assertEquals(hmac(key, data), signature)
            if (i % 1000 == 0) {
                verifyWebhookSignature(key, data, signature)
                System.gc()
            }
        }
    }
}
