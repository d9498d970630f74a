// Paging with Kotlin idioms: every room of a user and every comment of a room as a cold Flow (in a
// coroutine) or a lazy Sequence (on a plain thread), fetched a page at a time, only when needed.
//
// Run it from the repository root (the first run builds the Rust library and the emulator):
//
//     mvn -f bindings/kotlin/pom.xml -q test-compile exec:java -Dexec.mainClass=qiscus.examples.paging.PagingKt
//
// With QISCUS_APP_ID and QISCUS_SECRET set it uses that app (it creates a user, 45 rooms and 60
// comments there); without them it starts the local emulator and stops it afterwards.
package qiscus.examples.paging

import java.util.UUID
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import qiscus.Client
import qiscus.clientFromEnvironment
import qiscus.comments
import qiscus.commentsSequence
import qiscus.core.CreateRoomParams
import qiscus.core.LoginOrRegisterParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.examples.LocalEmulator
import qiscus.roomPages
import qiscus.rooms
import qiscus.roomsSequence

/** What the paging tour saw, for the test that runs it. */
data class PagingSummary(
    /** Rooms of the user, counted through a Flow. */
    val rooms: Int,
    /** The size of each page of rooms. */
    val roomPageSizes: List<Int>,
    /** Comments of the busy room, counted through a Sequence. */
    val comments: Int,
    /** The messages of the 5 newest comments, newest first. */
    val newest: List<String>,
    /** The messages posted after the last one seen, found by an incremental read. */
    val sinceLastSeen: List<String>,
)

fun main(args: Array<String>) {
    try {
        println("done: ${paging(forceEmulator = "--emulator" in args)}")
    } catch (e: QiscusException) {
        System.err.println("paging failed: ${e::class.simpleName}: ${e.message}")
        kotlin.system.exitProcess(1)
    }
}

/** Runs the tour against the app in the environment, or against a local emulator. */
fun paging(forceEmulator: Boolean = false, say: (String) -> Unit = ::println): PagingSummary {
    // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set throws
    // QiscusException.Config naming the other.
    val configured = if (forceEmulator) null else clientFromEnvironment()
    if (configured != null) {
        return configured.use {
            runBlocking { pagingTour(it, say) }
        }
    }
    LocalEmulator.start().use { emulator ->
        say("using the emulator at ${emulator.baseUrl}")
        return Client(appId = "emulator", secret = "emulator-secret", baseUrl = emulator.baseUrl)
            .use { runBlocking { pagingTour(it, say) } }
    }
}

/** The tour: some data to page through, then the Flow and Sequence forms. */
suspend fun pagingTour(client: Client, say: (String) -> Unit): PagingSummary {
    val run = UUID.randomUUID().toString().take(8)
    val alice = client.loginOrRegister(LoginOrRegisterParams(email = "pager-$run@example.com", username = "Pager")).email
    val bob = client.loginOrRegister(LoginOrRegisterParams(email = "pager-bob-$run@example.com", username = "Bob")).email
    val roomIds = (1..45).map { client.createRoom(CreateRoomParams(name = "Room $it", participants = listOf(bob), creator = alice)).roomId }
    val busy = roomIds.first()
    repeat(60) { client.postComment(PostCommentParams(roomId = busy, senderEmail = alice, message = "message $it", payload = Payload.Text)) }
    say("made 45 rooms and 60 comments")

    // Every room, as a Flow: pages of 20 are fetched as the collector gets to them.
    val rooms = client.rooms(alice).count()
    say("rooms of $alice: $rooms")
    // The same rooms page by page (a page is a List<RoomInfo>).
    val pageSizes = client.roomPages(alice).map { it.size }.toList()
    say("pages of rooms: $pageSizes")
    // Only what is needed: the 3 first rooms are one request.
    say("first rooms: ${client.rooms(alice).take(3).map { it.roomName }.toList()}")

    // The newest comments of a room (newest first): one page of 20 for 5 comments.
    val newest = client.comments(busy).take(5).map { it.message }.toList()
    say("newest comments: $newest")

    // An incremental read: remember the newest id, and later read only what came after it.
    val lastSeen = client.comments(busy).take(1).toList().single().id
    repeat(3) { client.postComment(PostCommentParams(roomId = busy, senderEmail = bob, message = "new $it", payload = Payload.Text)) }
    val since = client.comments(busy, stopAtId = lastSeen).map { it.message }.toList()
    say("since comment $lastSeen: $since")

    // The blocking twin, a Sequence, for code outside coroutines (a script, a plain thread).
    val comments = client.commentsSequence(busy, limit = 50u).count()
    val names = client.roomsSequence(alice).filter { it.roomName.endsWith("5") }.map { it.roomName }.toList()
    say("comments in room $busy: $comments; rooms ending in 5: $names")

    return PagingSummary(rooms = rooms, roomPageSizes = pageSizes, comments = comments, newest = newest, sinceLastSeen = since)
}
