package qiscus.test

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.core.AccountLinkingPayload
import qiscus.core.Button
import qiscus.core.ButtonAction
import qiscus.core.ButtonPostbackResponsePayload
import qiscus.core.ButtonsPayload
import qiscus.core.CardPayload
import qiscus.core.CarouselCard
import qiscus.core.CarouselPayload
import qiscus.core.Comment
import qiscus.core.ContactPersonPayload
import qiscus.core.CreateRoomParams
import qiscus.core.CustomPayload
import qiscus.core.FileAttachmentPayload
import qiscus.core.LoadCommentsParams
import qiscus.core.LocationPayload
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.core.ReplyPayload
import qiscus.core.SystemEvent
import qiscus.core.SystemEventParams

/**
 * Every payload type: posted, answered, loaded back, and as the emulator stored it on the wire.
 * Suspend and blocking forms alternate.
 */
class PayloadsTest : EmulatorTest() {
    private val alice = user("Alice")
    private val bob = user("Bob")
    private val room = client.createRoomBlocking(CreateRoomParams(name = "Payloads", participants = listOf(bob.email), creator = alice.email)).roomId

    /** Posts, then returns (answer, loaded back, the emulator's stored JSON comment). */
    private fun roundTrip(payload: Payload, message: String = "", blocking: Boolean = false): Triple<Comment, Comment, Map<String, Any?>> {
        val params = PostCommentParams(roomId = room, senderEmail = alice.email, message = message, payload = payload)
        val posted = if (blocking) client.postCommentBlocking(params) else suspendResult { client.postComment(params) }
        val loaded = client.loadCommentsBlocking(LoadCommentsParams(roomId = room, limit = 1u)).single()
        assertEquals(posted.id, loaded.id)
        assertEquals(posted.message, loaded.message)
        assertEquals(posted.payload, loaded.payload)
        assertEquals(posted.uniqueTempId, loaded.uniqueTempId)
        val stored = emu.roomComments(room).last()
        assertEquals(posted.id.toDouble(), stored["id"])
        return Triple(posted, loaded, stored)
    }

    private fun <T> suspendResult(block: suspend () -> T): T = kotlinx.coroutines.runBlocking { block() }

    @Suppress("UNCHECKED_CAST")
    private fun Map<String, Any?>.payload(): Map<String, Any?> = this["payload"] as Map<String, Any?>

    @Test
    fun text() {
        val (posted, _, stored) = roundTrip(Payload.Text, "plain text")
        assertEquals(Payload.Text, posted.payload)
        assertEquals("plain text", posted.message)
        assertEquals("text", stored["type"])
    }

    @Test
    fun reply() {
        val first = client.postCommentBlocking(PostCommentParams(room, bob.email, "the question", Payload.Text))
        val (posted, _, stored) = roundTrip(Payload.Reply(ReplyPayload(text = "the answer", repliedCommentId = first.id)), "the answer", blocking = true)
        val r = (posted.payload as Payload.Reply).v1
        assertEquals(first.id, r.repliedCommentId)
        assertEquals("the answer", r.text)
        assertEquals("reply", stored["type"])
        assertEquals(first.id.toDouble(), stored.payload()["replied_comment_id"])
    }

    @Test
    fun `account linking`() {
        val sent = AccountLinkingPayload(
            text = "Please log in",
            url = "https://login.example/",
            redirectUrl = "https://app.example/done",
            params = """{"button_text":"Log in","user_id":"u-1","view_title":"Login"}""",
        )
        val (posted, _, stored) = roundTrip(Payload.AccountLinking(sent))
        val got = (posted.payload as Payload.AccountLinking).v1
        assertEquals(sent.text, got.text)
        assertEquals(sent.url, got.url)
        assertEquals(sent.redirectUrl, got.redirectUrl)
        assertJsonEquals(sent.params!!, got.params)
        assertEquals("Please log in", posted.message)
        assertEquals("account_linking", stored["type"])
        assertEquals("https://app.example/done", stored.payload()["redirect_url"])
    }

    private val buttons = listOf(
        Button(label = "Yes", buttonType = "postback", payload = ButtonAction(url = "https://bot.example/postback", method = "post", payload = """{"answer":"yes"}""")),
        Button(label = "Docs", buttonType = "link", payload = ButtonAction(url = "https://docs.example/", method = "get", payload = null)),
    )

    @Test
    fun buttons() {
        val (posted, _, stored) = roundTrip(Payload.Buttons(ButtonsPayload(text = "Agree?", buttons = buttons)), blocking = true)
        val got = (posted.payload as Payload.Buttons).v1
        assertEquals("Agree?", got.text)
        assertEquals(listOf("Yes", "Docs"), got.buttons.map { it.label })
        assertEquals(listOf("postback", "link"), got.buttons.map { it.buttonType })
        assertJsonEquals("""{"answer":"yes"}""", got.buttons[0].payload.payload)
        assertEquals("https://docs.example/", got.buttons[1].payload.url)
        assertEquals("get", got.buttons[1].payload.method)
        assertEquals("buttons", stored["type"])
    }

    @Test
    fun `card, whose image comes back`() {
        val sent = CardPayload(
            text = "A card",
            image = "https://img.example/card.png",
            title = "Title",
            description = "Description",
            url = "https://shop.example/item",
            buttons = buttons.take(1),
        )
        val (posted, _, stored) = roundTrip(Payload.Card(sent))
        val got = (posted.payload as Payload.Card).v1
        assertEquals(sent, got)
        assertEquals("https://img.example/card.png", got.image)
        assertEquals("https://img.example/card.png", stored.payload()["image"])
        assertEquals("card", stored["type"])
    }

    @Test
    fun carousel() {
        val cards = listOf(
            CarouselCard(image = "https://img.example/1.png", title = "One", description = "First", defaultAction = """{"type":"postback","payload":{"id":1}}""", buttons = buttons),
            CarouselCard(image = "https://img.example/2.png", title = "Two", description = "Second", defaultAction = null, buttons = buttons.take(1)),
        )
        val (posted, loaded, stored) = roundTrip(Payload.Carousel(CarouselPayload(cards)), "two cards", blocking = true)
        val got = (loaded.payload as Payload.Carousel).v1.cards
        assertEquals(listOf("One", "Two"), got.map { it.title })
        assertEquals(listOf("https://img.example/1.png", "https://img.example/2.png"), got.map { it.image })
        assertJsonEquals("""{"type":"postback","payload":{"id":1}}""", got[0].defaultAction)
        assertEquals(listOf(2, 1), got.map { it.buttons.size })
        assertEquals("two cards", posted.message)
        assertEquals("carousel", stored["type"])
    }

    @Test
    fun custom() {
        val content = """{"date":"2017-09-09","items":[1,2.5,"three"],"nested":{"ok":true,"none":null}}"""
        val (posted, _, stored) = roundTrip(Payload.Custom(CustomPayload(customType = "promo", content = content)), "a promo")
        val got = (posted.payload as Payload.Custom).v1
        assertEquals("promo", got.customType)
        assertJsonEquals(content, got.content)
        assertEquals("custom", stored["type"])
        assertEquals("promo", stored.payload()["type"])
        assertEquals(Json.parse(content), stored.payload()["content"])
    }

    @Test
    fun location() {
        val sent = LocationPayload(name = "Monas", address = "Jakarta", latitude = -6.175392, longitude = 106.827153, mapUrl = "https://maps.example/?q=monas")
        val (posted, _, stored) = roundTrip(Payload.Location(sent), blocking = true)
        assertEquals(sent, (posted.payload as Payload.Location).v1)
        assertEquals("location", stored["type"])
        assertEquals(-6.175392, stored.payload()["latitude"])
    }

    @Test
    fun `contact person`() {
        val sent = ContactPersonPayload(name = "Support", value = "support@example.com", contactType = "email")
        val (posted, _, stored) = roundTrip(Payload.ContactPerson(sent))
        assertEquals(sent, (posted.payload as Payload.ContactPerson).v1)
        assertEquals("Support - support@example.com", posted.message)
        assertEquals("contact_person", stored["type"])
    }

    @Test
    fun `file attachment`() {
        val sent = FileAttachmentPayload(url = "https://files.example/report.pdf", caption = "The report", fileName = "report.pdf", size = 123456, pages = 7)
        val (posted, _, stored) = roundTrip(Payload.FileAttachment(sent), blocking = true)
        assertEquals(sent, (posted.payload as Payload.FileAttachment).v1)
        assertEquals("file_attachment", stored["type"])
        assertEquals(7.0, stored.payload()["pages"])
    }

    @Test
    fun `button postback response`() {
        val sent = ButtonPostbackResponsePayload(url = "https://bot.example/hook", method = "post", payload = """{"answer":"yes","n":2}""")
        val (posted, _, stored) = roundTrip(Payload.ButtonPostbackResponse(sent), "yes")
        val got = (posted.payload as Payload.ButtonPostbackResponse).v1
        assertEquals(sent.url, got.url)
        assertEquals(sent.method, got.method)
        assertJsonEquals(sent.payload!!, got.payload)
        assertEquals("button_postback_response", stored["type"])
    }

    @Test
    fun `unknown type, its JSON round-tripping`() {
        // Compact, keys in order: the text comes back exactly as sent.
        val json = """{"nested":{"n":1.5,"none":null,"ok":true},"options":["rice","noodles"],"question":"Lunch? \"today\" ✓"}"""
        val (posted, loaded, stored) = roundTrip(Payload.Unknown(typeName = "poll", payload = json), "a poll", blocking = true)
        val got = posted.payload as Payload.Unknown
        assertEquals("poll", got.typeName)
        assertEquals(json, got.payload)
        assertEquals(posted.payload, loaded.payload)
        assertEquals("poll", stored["type"])
        assertEquals(Json.parse(json), stored["payload"])
    }

    @Test
    fun `invalid JSON text is refused`() {
        val before = emu.requests()
        val e = catching<Exception> {
            client.postCommentBlocking(PostCommentParams(room, alice.email, "x", Payload.Custom(CustomPayload("promo", "{not json"))))
        }
        // The text is parsed while the arguments cross into Rust. Today that failure is UniFFI's
        // own InternalException ("Failed to convert arg 'params': <serde error>"); should the
        // core's JsonValue lift return its Error, it becomes a QiscusException.InvalidInput.
        when (e) {
            is qiscus.InternalException -> assertTrue(e.message.orEmpty().contains("Failed to convert arg 'params'"), e.message)
            is QiscusException.InvalidInput -> {}
            else -> throw AssertionError("unexpected $e", e)
        }
        assertEquals(before, emu.requests(), "nothing was sent")
    }

    @Test
    fun `system events, every kind`() {
        val carol = user("Carol")
        client.addRoomParticipantsBlocking(room, listOf(carol.email))
        val events = listOf(
            SystemEvent.CreateRoom(roomName = "Payloads") to "create_room",
            SystemEvent.AddMember(objectEmails = listOf(carol.email)) to "add_member",
            SystemEvent.JoinRoom to "join_room",
            SystemEvent.RemoveMember(objectEmails = listOf(carol.email)) to "remove_member",
            SystemEvent.LeftRoom to "left_room",
            SystemEvent.ChangeRoomName(roomName = "New name") to "change_room_name",
            SystemEvent.ChangeRoomAvatar to "change_room_avatar",
            SystemEvent.Custom(payload = """{"type":"maintenance","minutes":5}""", message = "Back in 5 minutes") to "maintenance",
        )
        for ((event, type) in events) {
            val c = client.postSystemEventMessageBlocking(SystemEventParams(roomId = room, subjectEmail = alice.email, event = event))
            val p = (c.payload as Payload.SystemEvent).v1
            assertEquals(type, p.eventType, "$event")
            if (event !is SystemEvent.Custom) assertEquals(alice.email, p.subjectEmail)
            when (event) {
                is SystemEvent.AddMember, is SystemEvent.RemoveMember -> assertEquals(carol.email, p.objectEmail)
                is SystemEvent.ChangeRoomName -> assertEquals("New name", p.roomName)
                is SystemEvent.Custom -> {
                    assertEquals("Back in 5 minutes", c.message)
                    assertJsonEquals("""{"minutes":5}""", p.extra) // its own keys are kept
                }
                else -> {}
            }
            assertEquals("system_event", emu.roomComments(room).last()["type"])
        }
    }
}
