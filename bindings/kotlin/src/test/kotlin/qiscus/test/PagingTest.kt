package qiscus.test

import java.time.LocalDate
import java.time.ZoneOffset
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import qiscus.commentPages
import qiscus.commentPagesSequence
import qiscus.comments
import qiscus.commentsSequence
import qiscus.core.BackupResource
import qiscus.core.CommentRow
import qiscus.core.CommentsPagerParams
import qiscus.core.CreateExportParams
import qiscus.core.CreateRoomParams
import qiscus.core.ImportBatch
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.core.RoomRow
import qiscus.core.UserRow
import qiscus.debugRuntimeAliveTasks
import qiscus.exportPages
import qiscus.exports
import qiscus.exportsSequence
import qiscus.importPagesSequence
import qiscus.imports
import qiscus.importsSequence
import qiscus.roomPages
import qiscus.roomPagesSequence
import qiscus.rooms
import qiscus.roomsSequence

/**
 * The Kotlin idioms over the pagers (qiscus/Paging.kt): Flow and Sequence, items and pages, across
 * many pages, lazily, empty, cancelled. One emulator holds 250 rooms of one user and a room with
 * 1,000 comments, made once for the class.
 */
class PagingTest : EmulatorTest() {
    private lateinit var owner: String
    private lateinit var roomIds: List<Long>
    private var busyRoom = 0L
    private lateinit var commentIds: List<Long>

    @BeforeAll
    fun seed() {
        val a = user("Owner")
        val b = user("Member")
        owner = a.email
        roomIds = (1..250).map { client.createRoomBlocking(CreateRoomParams("Paged $it", listOf(b.email), a.email)).roomId }
        busyRoom = roomIds.first()
        commentIds = (1..1000).map {
            client.postCommentBlocking(PostCommentParams(busyRoom, a.email, "comment $it", Payload.Text)).id
        }
    }

    @Test
    fun `250 rooms through a Flow and a Sequence, in order, no duplicates`() = suspendTest {
        val fromFlow = client.rooms(owner).map { it.roomId }.toList()
        assertEquals(250, fromFlow.size)
        assertEquals(250, fromFlow.toSet().size, "no duplicates")
        assertEquals(roomIds.toSet(), fromFlow.toSet())

        val fromSequence = client.roomsSequence(owner).map { it.roomId }.toList()
        assertEquals(fromFlow, fromSequence, "both forms give the same rooms in the same order")

        // What the raw pager gives, page after page, is the order both forms keep.
        val raw = client.roomsPager(owner).use { p -> generateSequence { p.nextPageBlocking() }.toList() }
        assertEquals(raw.flatten().map { it.roomId }, fromFlow)
        assertEquals(raw.map { it.size }, client.roomPages(owner).map { it.size }.toList())
        assertEquals(raw.map { it.size }, client.roomPagesSequence(owner).map { it.size }.toList())
        assertEquals(13, raw.size, "20 a page: 12 full pages and 10 rooms")
    }

    @Test
    fun `1,000 comments through a Flow and a Sequence, newest first, no duplicates`() = suspendTest {
        val newestFirst = commentIds.reversed()
        assertEquals(newestFirst, client.comments(busyRoom, limit = 100u).map { it.id }.toList())
        assertEquals(newestFirst, client.commentsSequence(busyRoom, limit = 100u).map { it.id }.toList())
        // The default page size (20): 50 pages.
        val pages = client.commentPages(CommentsPagerParams(roomId = busyRoom)).toList()
        assertEquals(50, pages.size)
        assertTrue(pages.all { it.size == 20 }, "${pages.map { it.size }}")
        assertEquals(newestFirst, pages.flatten().map { it.id })
        assertEquals(newestFirst, client.commentsSequence(busyRoom).map { it.id }.toList())
        // The messages are the emulator's own.
        val stored = emu.roomComments(busyRoom).map { (it["id"] as Double).toLong() }
        assertEquals(commentIds.toSet(), stored.toSet())
    }

    @Test
    fun `stop at an id and a maximum count, in both forms`() = suspendTest {
        val known = commentIds[989] // the 990th comment: 10 are newer
        val newer = commentIds.drop(990).reversed()
        assertEquals(newer, client.comments(busyRoom, limit = 3u, stopAtId = known).map { it.id }.toList())
        assertEquals(newer, client.commentsSequence(busyRoom, limit = 3u, stopAtId = known).map { it.id }.toList())
        val last7 = commentIds.takeLast(7).reversed()
        assertEquals(last7, client.comments(busyRoom, maxCount = 7uL).map { it.id }.toList())
        assertEquals(last7, client.commentsSequence(CommentsPagerParams(busyRoom, limit = 5u, maxCount = 7uL)).map { it.id }.toList())
        assertEquals(listOf(5, 2), client.commentPagesSequence(CommentsPagerParams(busyRoom, limit = 5u, maxCount = 7uL)).map { it.size }.toList())
    }

    @Test
    fun `take(5) fetches one page, in both forms`() = suspendTest {
        var before = emu.requests()
        val five = client.rooms(owner).take(5).toList()
        assertEquals(5, five.size)
        assertEquals(1L, emu.requests() - before, "a Flow fetches only the first page for 5 rooms")

        before = emu.requests()
        assertEquals(five.map { it.roomId }, client.roomsSequence(owner).take(5).map { it.roomId }.toList())
        assertEquals(1L, emu.requests() - before, "a Sequence fetches only the first page for 5 rooms")

        before = emu.requests()
        assertEquals(25, client.comments(busyRoom).take(25).count())
        assertEquals(2L, emu.requests() - before, "25 comments are 2 pages of 20")

        before = emu.requests()
        val sequence = client.commentsSequence(busyRoom)
        assertEquals(0L, emu.requests() - before, "making a Sequence fetches nothing")
        val flow = client.comments(busyRoom)
        assertEquals(0L, emu.requests() - before, "making a Flow fetches nothing")
        assertEquals(commentIds.last(), sequence.first().id)
        assertEquals(commentIds.last(), flow.first().id)
        assertEquals(2L, emu.requests() - before, "first() fetched one page each")

        // A Flow is cold: every collection starts again from the first page.
        before = emu.requests()
        assertEquals(flow.take(3).toList(), flow.take(3).toList())
        assertEquals(2L, emu.requests() - before)
    }

    @Test
    fun `empty results`() = suspendTest {
        val loner = user("Loner").email
        val before = emu.requests()
        assertEquals(emptyList<Any>(), client.rooms(loner).toList())
        assertEquals(emptyList<Any>(), client.roomsSequence(loner).toList())
        assertEquals(emptyList<Any>(), client.roomPages(loner).toList(), "no empty page is emitted")
        assertEquals(3L, emu.requests() - before, "one request each")

        val a = user("Quiet")
        val quiet = client.createRoom(CreateRoomParams("Quiet", listOf(user("Quiet2").email), a.email)).roomId
        assertEquals(emptyList<Any>(), client.comments(quiet).toList())
        assertEquals(emptyList<Any>(), client.commentsSequence(quiet).toList())
        // Stopping at the newest comment: nothing is newer.
        assertEquals(emptyList<Any>(), client.comments(busyRoom, stopAtId = commentIds.last()).toList())

        // A fresh emulator has no export or import records.
        Emulator.start().use { fresh ->
            fresh.client().use { c ->
                assertEquals(emptyList<Any>(), c.exports().toList())
                assertEquals(emptyList<Any>(), c.exportsSequence().toList())
                assertEquals(emptyList<Any>(), c.imports().toList())
                assertEquals(emptyList<Any>(), c.importsSequence().toList())
                assertEquals(emptyList<Any>(), c.importPagesSequence().toList())
            }
        }
    }

    @Test
    fun `exports and imports in both forms`() = suspendTest {
        val today = LocalDate.now(ZoneOffset.UTC)
        val made = (1..23).map {
            client.createExport(CreateExportParams(BackupResource.USERS, today.minusDays(1).toString(), today.plusDays(1).toString())).uniqueId
        }
        val flowIds = client.exports().map { it.uniqueId }.toList()
        assertTrue(flowIds.containsAll(made), "$flowIds")
        assertEquals(flowIds.size, flowIds.toSet().size, "no duplicates")
        assertEquals(flowIds, client.exportsSequence().map { it.uniqueId }.toList())
        assertTrue(client.exportPages().toList().size >= 2, "23 exports are more than one page")

        val imported = client.createImport(
            qiscus.core.CreateImportParams(BackupResource.USERS, "u.json", """[{"Email":"${Emulator.email("pg")}","Name":"P"}]""".toByteArray()),
        ).uniqueId
        assertTrue(imported in client.imports().map { it.uniqueId }.toList())
        assertTrue(imported in client.importsSequence().map { it.uniqueId })
    }

    @Test
    fun `errors are thrown from the collection`() = suspendTest {
        val e = catching<QiscusException.InvalidInput> { client.comments(busyRoom, limit = 0u).toList() }
        assertEquals("limit", e.field)
        catching<QiscusException.InvalidInput> { client.commentsSequence(busyRoom, limit = 1000u).toList() }
        emu.faults("error_500" to 1.0)
        try {
            catching<QiscusException> { client.roomsSequence(owner).first() }
        } finally {
            emu.noFaults()
        }
    }

    @Test
    fun `cancelling a Flow collection aborts the page in flight`() = suspendTest {
        val baseline = debugRuntimeAliveTasks().toLong()
        val seen = mutableListOf<Long>()
        var completed = false
        val job = launch(Dispatchers.Default) {
            client.rooms(owner).collect { room ->
                seen.add(room.roomId)
                // After the first page, every request takes 5 s.
                if (seen.size == 20) emu.faults("latency" to 1.0, "latency_ms" to 5_000)
            }
            completed = true
        }
        try {
            val deadline = System.nanoTime() + 5_000_000_000L
            while (emu.stats()["delayed"] != 1.0) {
                check(System.nanoTime() < deadline) { "the second page never reached the emulator" }
                delay(20)
            }
            assertEquals(20, seen.size, "the first page was collected, the second is in flight")
            val t0 = System.nanoTime()
            job.cancelAndJoin()
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "cancellation took too long")
            assertTrue(job.isCancelled)
            assertFalse(completed)
            assertEquals(20, seen.size)
        } finally {
            emu.noFaults()
        }
        // The aborted request is gone from the runtime.
        val deadline = System.nanoTime() + 2_000_000_000L
        while (debugRuntimeAliveTasks().toLong() > baseline && System.nanoTime() < deadline) delay(10)
        val alive = debugRuntimeAliveTasks().toLong()
        assertTrue(alive <= baseline, "tasks left behind on the runtime: $alive alive, $baseline before")

        // A CancellationException inside the collector ends the collection cleanly, too.
        var count = 0
        try {
            client.rooms(owner).collect {
                if (++count == 3) throw CancellationException("enough")
            }
        } catch (_: CancellationException) {
        }
        assertEquals(3, count)
    }

    @Test
    fun `row records need only their required fields`() = suspendTest {
        val run = System.nanoTime().toString()
        val (e1, e2) = listOf(Emulator.email("rowdef"), Emulator.email("rowdef"))
        val users = listOf(UserRow(email = e1, name = "Defaulted One"), UserRow(email = e2))
        assertEquals("", users[1].name)
        assertEquals("", users[0].avatarUrl)
        val room = RoomRow(name = "Defaulted $run", roomType = "group", creatorEmail = e1, uniqueId = "room-$run", participantEmails = listOf(e1, e2))
        assertEquals("", room.options)
        val first = CommentRow(message = "first", creatorEmail = e1, roomUniqueId = "room-$run", uniqueId = "c1-$run")
        assertEquals(false, first.disableLinkPreview)
        assertEquals("", first.commentType)
        val report = client.importRows(ImportBatch(users = users, rooms = listOf(room), comments = listOf(first)), pollIntervalMs = 20uL)
        assertEquals(2uL, report.usersImported)
        assertEquals(1uL, report.roomsImported)
        assertEquals(1uL, report.commentsImported)
        assertTrue(report.rowErrors.isEmpty(), "${report.rowErrors}")
        assertEquals("Defaulted One", client.userProfile(e1).username)
        val roomId = client.rooms(e1).first().roomId
        assertEquals(listOf("first"), client.comments(roomId).map { it.message }.toList())
    }
}
