// The quickstart tour of the Kotlin package: users, a single and a group room, every payload
// type, loading and searching, system events, and an export polled, downloaded and counted.
//
// Run it from the repository root (the first run builds the Rust library and the emulator):
//
//     mvn -f bindings/kotlin/pom.xml -q test-compile exec:java
//
// With QISCUS_APP_ID and QISCUS_SECRET set it talks to that app (QISCUS_BASE_URL optionally
// overrides https://{app id}.qiscus.com); without them it starts the local emulator
// (target/debug/qiscus-emulator, or QISCUS_EMULATOR_BIN) and stops it afterwards.
package qiscus.examples

import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.UUID
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import qiscus.Client
import qiscus.clientFromEnvironment
import qiscus.core.AccountLinkingPayload
import qiscus.core.BackupResource
import qiscus.core.Button
import qiscus.core.ButtonAction
import qiscus.core.ButtonPostbackResponsePayload
import qiscus.core.ButtonsPayload
import qiscus.core.CardPayload
import qiscus.core.CarouselCard
import qiscus.core.CarouselPayload
import qiscus.core.ContactPersonPayload
import qiscus.core.CreateExportParams
import qiscus.core.CreateRoomParams
import qiscus.core.CustomPayload
import qiscus.core.FileAttachmentPayload
import qiscus.core.LoadCommentsParams
import qiscus.core.LocationPayload
import qiscus.core.LoginOrRegisterParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.core.ReplyPayload
import qiscus.core.SearchMessagesParams
import qiscus.core.SystemEvent
import qiscus.core.SystemEventParams

/** What the tour did, for the tests that run it. */
data class TourSummary(val users: Int, val rooms: Int, val comments: Int, val found: Int, val exportRows: Int)

fun main(args: Array<String>) {
    try {
        val summary = quickstart(forceEmulator = "--emulator" in args)
        println("done: $summary")
    } catch (e: QiscusException) {
        System.err.println("the tour failed: ${e::class.simpleName}: ${e.message}")
        kotlin.system.exitProcess(1)
    }
}

/** Runs the tour against the app in the environment, or against a local emulator. */
fun quickstart(forceEmulator: Boolean = false, say: (String) -> Unit = ::println): TourSummary {
    // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set throws
    // QiscusException.Config naming the other.
    val configured = if (forceEmulator) null else clientFromEnvironment()
    if (configured != null) {
        return configured.use {
            say("using app ${it.appId()}")
            runBlocking { tour(it, say) }
        }
    }
    LocalEmulator.start().use { emulator ->
        say("QISCUS_APP_ID/QISCUS_SECRET unset: using the emulator at ${emulator.baseUrl}")
        // `use` releases the client's connections at the end (Client is AutoCloseable).
        return Client(appId = "emulator", secret = "emulator-secret", baseUrl = emulator.baseUrl)
            .use { runBlocking { tour(it, say) } }
    }
}

/** The tour itself: every call is a `suspend fun` (each also has a `...Blocking` twin). */
suspend fun tour(client: Client, say: (String) -> Unit): TourSummary {
    val run = UUID.randomUUID().toString().take(8)

    // Users: created on first use, updated (with a password) afterwards.
    val alice = client.loginOrRegister(LoginOrRegisterParams(email = "alice-$run@example.com", username = "Alice"))
    val bob = client.loginOrRegister(LoginOrRegisterParams(email = "bob-$run@example.com", username = "Bob"))
    val carol = client.loginOrRegister(LoginOrRegisterParams(email = "carol-$run@example.com", username = "Carol"))
    say("users: ${alice.email} (id ${alice.id}), ${bob.email}, ${carol.email}")

    // A single room (one per pair of users) and a group room.
    val single = client.getOrCreateRoomWithTarget(listOf(alice.email, bob.email)).room
    val group = client.createRoom(CreateRoomParams(name = "Kotlin tour $run", participants = listOf(bob.email, carol.email), creator = alice.email))
    say("rooms: single ${single.id}, group ${group.roomId} with ${group.participants.size} participants")

    // Every payload type. JSON values (JsonValue) are JSON text.
    val hello = client.postComment(PostCommentParams(roomId = single.id, senderEmail = alice.email, message = "Hello Bob, the tour starts", payload = Payload.Text))
    val postback = Button(label = "Yes", buttonType = "postback", payload = ButtonAction(url = "https://bot.example/postback", method = "post", payload = """{"answer":"yes"}"""))
    val link = Button(label = "Docs", buttonType = "link", payload = ButtonAction(url = "https://www.qiscus.com/", method = "get", payload = null))
    val payloads: List<Pair<String, Payload>> = listOf(
        "a reply" to Payload.Reply(ReplyPayload(text = "a reply", repliedCommentId = hello.id)),
        "" to Payload.AccountLinking(AccountLinkingPayload(text = "Log in", url = "https://login.example/", redirectUrl = "https://app.example/", params = """{"button_text":"Log in"}""")),
        "" to Payload.Buttons(ButtonsPayload(text = "Join the tour?", buttons = listOf(postback, link))),
        "" to Payload.Card(CardPayload(text = "A card", image = "https://img.example/card.png", title = "Card", description = "A card with a button", url = "https://shop.example/", buttons = listOf(link))),
        "two cards" to Payload.Carousel(CarouselPayload(cards = listOf(
            CarouselCard(image = "https://img.example/1.png", title = "One", description = "First", defaultAction = null, buttons = listOf(postback)),
            CarouselCard(image = "https://img.example/2.png", title = "Two", description = "Second", defaultAction = null, buttons = listOf(link)),
        ))),
        "a promo" to Payload.Custom(CustomPayload(customType = "promo", content = """{"discount":10}""")),
        "" to Payload.Location(LocationPayload(name = "Monas", address = "Jakarta", latitude = -6.175392, longitude = 106.827153, mapUrl = "https://maps.example/?q=monas")),
        "" to Payload.ContactPerson(ContactPersonPayload(name = "Support", value = "support@example.com", contactType = "email")),
        "" to Payload.FileAttachment(FileAttachmentPayload(url = "https://files.example/tour.pdf", caption = "The tour", fileName = "tour.pdf", size = 1024, pages = 2)),
        "yes" to Payload.ButtonPostbackResponse(ButtonPostbackResponsePayload(url = null, method = null, payload = """{"answer":"yes"}""")),
        "a poll" to Payload.Unknown(typeName = "poll", payload = """{"question":"Lunch?"}"""),
    )
    var comments = 1
    for ((message, payload) in payloads) {
        val c = client.postComment(PostCommentParams(roomId = group.roomId, senderEmail = bob.email, message = message, payload = payload))
        comments++
        say("  posted ${payload::class.simpleName}: id ${c.id}, message \"${c.message}\"")
    }

    // Load (newest first) and search.
    val page = client.loadComments(LoadCommentsParams(roomId = group.roomId, limit = 20u))
    say("loaded ${page.size} comments of the group; newest: ${page.first().payload::class.simpleName}")
    val found = client.searchMessages(SearchMessagesParams(userEmail = bob.email, query = "tour"))
    say("search 'tour' in Bob's rooms: ${found.size} comments")

    // System events.
    for (event in listOf(SystemEvent.CreateRoom(roomName = group.roomName), SystemEvent.AddMember(objectEmails = listOf(carol.email)), SystemEvent.ChangeRoomName(roomName = "Kotlin tour (renamed)"))) {
        val c = client.postSystemEventMessage(SystemEventParams(roomId = group.roomId, subjectEmail = alice.email, event = event))
        comments++
        say("  system event: ${c.message}")
    }

    // An export of the comments: requested, polled until finished, downloaded, counted.
    val today = LocalDate.now(ZoneOffset.UTC)
    var export = client.createExport(CreateExportParams(resource = BackupResource.COMMENTS, startDate = today.minusDays(1).toString(), endDate = today.plusDays(1).toString()))
    say("export ${export.uniqueId}: ${export.status}")
    val deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5)
    while (export.status != "finished") {
        check(export.status != "failed") { "the export failed: ${export.errorMessage}" }
        check(System.nanoTime() < deadline) { "the export did not finish in 5 minutes" }
        delay(200)
        export = client.getExport(export.uniqueId)
    }
    val rows = client.downloadExport(export)
    say("export finished: ${rows.size} rows (${export.size} bytes)")

    return TourSummary(users = 3, rooms = 2, comments = comments, found = found.size, exportRows = rows.size)
}

/** The `qiscus-emulator` binary on a free loopback port, until closed. */
class LocalEmulator private constructor(private val process: Process, val baseUrl: String) : AutoCloseable {
    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        private fun binary(): File {
            System.getenv("QISCUS_EMULATOR_BIN")?.ifEmpty { null }?.let { return File(it) }
            System.getProperty("qiscus.emulatorBin")?.ifEmpty { null }?.let { return File(it) }
            var dir: File? = File("").absoluteFile
            while (dir != null) {
                File(dir, "target/debug/qiscus-emulator").takeIf { it.canExecute() }?.let { return it }
                dir = dir.parentFile
            }
            error("qiscus-emulator not found: run `cargo build -p qiscus-emulator` or set QISCUS_EMULATOR_BIN")
        }

        fun start(): LocalEmulator {
            val process = ProcessBuilder(binary().path, "--addr", "127.0.0.1:0").redirectErrorStream(true).start()
            val out = process.inputStream.bufferedReader()
            // The first line is `listening on http://HOST:PORT`.
            val first = out.readLine()
            if (first == null || !first.startsWith("listening on ")) {
                process.destroyForcibly()
                error("the emulator did not start: $first")
            }
            Thread { out.useLines { lines -> lines.forEach { _ -> } } }.apply { isDaemon = true }.start()
            return LocalEmulator(process, first.removePrefix("listening on ").trim())
        }
    }
}
