package qiscus.test

import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.concurrent.ConcurrentLinkedQueue
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.BackupProgressListener
import qiscus.core.BackupProgress
import qiscus.core.BackupResource
import qiscus.core.BackupRows
import qiscus.core.CommentRow
import qiscus.core.CommentsPagerParams
import qiscus.core.CreateRoomParams
import qiscus.core.Export
import qiscus.core.ImportBatch
import qiscus.core.LoadCommentsParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.core.BackupStage
import qiscus.core.RoomRow
import qiscus.core.UserRow

/** The workflows (export and download, export to a file, import rows) and the pagers. */
class WorkflowsTest : EmulatorTest() {
    private val today: LocalDate = LocalDate.now(ZoneOffset.UTC)
    private val start = today.minusDays(1).toString()
    private val end = today.plusDays(1).toString()

    /** A Kotlin implementation of the callback interface, called from the library's threads. */
    private class Collector : BackupProgressListener {
        val events = ConcurrentLinkedQueue<BackupProgress>()
        val threads = ConcurrentLinkedQueue<String>()
        override fun onProgress(progress: BackupProgress) {
            events.add(progress)
            threads.add(Thread.currentThread().name)
        }
    }

    @Test
    fun `export and download, with a progress listener`() = suspendTest {
        val users = listOf(user("Wf1"), user("Wf2"))
        val listener = Collector()
        val rows = client.exportAndDownload(BackupResource.USERS, start, end, pollIntervalMs = 20uL, listener = listener)
        val emails = (rows as BackupRows.Users).rows.map { it.email }
        assertTrue(emails.containsAll(users.map { it.email }), "$emails")
        assertEquals("Wf1", rows.rows.first { it.email == users[0].email }.name)
        val stages = listener.events.map { it.stage }
        assertEquals(BackupStage.REQUESTED, stages.first())
        assertEquals(BackupStage.FINISHED, stages.last())
        assertTrue(BackupStage.DOWNLOADING in stages, "$stages")
        assertTrue(listener.events.all { it.resource == BackupResource.USERS && it.jobId.isNotEmpty() })

        val rooms = client.exportAndDownloadBlocking(BackupResource.ROOMS, start, end, 20uL, 60_000uL, null)
        assertTrue(rooms is BackupRows.Rooms)
    }

    @Test
    fun `export to a file`() = suspendTest {
        val (a, b) = listOf(user("File1"), user("File2"))
        val room = client.createRoom(CreateRoomParams("Exported", listOf(b.email), a.email)).roomId
        repeat(3) { client.postComment(PostCommentParams(room, a.email, "exported $it", Payload.Text)) }
        val file = File.createTempFile("qiscus-export", ".json").apply { deleteOnExit() }
        val written = client.exportToFile(BackupResource.COMMENTS, start, end, file.path, pollIntervalMs = 20uL)
        assertEquals(file.path, written.path)
        assertEquals(file.length().toULong(), written.bytes)
        val rows = Json.arr(file.readText())
        assertEquals(written.rows, rows.size.toULong())
        @Suppress("UNCHECKED_CAST")
        val messages = rows.map { (it as Map<String, Any?>)["Message"] }
        assertTrue(messages.containsAll(listOf("exported 0", "exported 1", "exported 2")), "$messages")
        assertEquals("finished", written.export.status)

        val blocking = client.exportToFileBlocking(BackupResource.USERS, start, end, file.path, 20uL, 60_000uL, null)
        assertEquals(file.length().toULong(), blocking.bytes)
        val bad = catching<QiscusException.InvalidInput> {
            client.exportToFile(BackupResource.USERS, start, end, "/nonexistent-dir/x/out.json", pollIntervalMs = 20uL)
        }
        assertEquals("path", bad.field)
    }

    @Test
    fun `import rows - users, a room and comments with a reply`() = suspendTest {
        val run = System.nanoTime().toString()
        val (e1, e2) = listOf(Emulator.email("row"), Emulator.email("row"))
        val batch = ImportBatch(
            users = listOf(
                UserRow(email = e1, name = "Row One", avatarUrl = "", authenticationToken = "", password = "", createdAt = ""),
                UserRow(email = e2, name = "Row Two", avatarUrl = "", authenticationToken = "", password = "", createdAt = ""),
            ),
            rooms = listOf(
                RoomRow(name = "Imported $run", roomType = "group", options = "", creatorEmail = e1, createdAt = "", avatarUrl = "", uniqueId = "room-$run", participantEmails = listOf(e1, e2)),
            ),
            comments = listOf(
                CommentRow(message = "first", disableLinkPreview = false, commentType = "text", uniqueId = "c1-$run", creatorEmail = e1, roomUniqueId = "room-$run", createdAt = "", payload = null, parentCommentUniqueId = ""),
                CommentRow(message = "a reply", disableLinkPreview = false, commentType = "reply", uniqueId = "c2-$run", creatorEmail = e2, roomUniqueId = "room-$run", createdAt = "",
                    payload = """{"text":"a reply","replied_comment_id":1}""", parentCommentUniqueId = "c1-$run"),
            ),
        )
        val listener = Collector()
        val report = client.importRows(batch, pollIntervalMs = 20uL, listener = listener)
        assertEquals(2uL, report.usersImported)
        assertEquals(1uL, report.roomsImported)
        assertEquals(2uL, report.commentsImported)
        assertTrue(report.rowErrors.isEmpty(), "${report.rowErrors}")
        assertEquals(report.filesUploaded.toInt(), report.files.size)
        assertTrue(listener.events.any { it.stage == BackupStage.UPLOADING })
        assertEquals(BackupStage.FINISHED, listener.events.last().stage)

        assertEquals("Row Two", client.userProfile(e2).username)
        val roomId = client.getUserRooms(qiscus.core.GetUserRoomsParams(userEmail = e1)).roomsInfo.single().roomId
        val comments = client.loadComments(LoadCommentsParams(roomId = roomId))
        assertEquals(listOf("a reply", "first"), comments.map { it.message })
        assertEquals(comments[1].id, (comments[0].payload as Payload.Reply).v1.repliedCommentId)

        // A bad row: nothing is sent, one InvalidInput names the rows.
        val before = emu.requests()
        val bad = catching<QiscusException.InvalidInput> {
            client.importRowsBlocking(
                ImportBatch(users = listOf(UserRow("not-an-email", "X", "", "", "", ""))),
                4_194_304uL, 20uL, 60_000uL, listOf(), listOf(), listOf(), false, null,
            )
        }
        assertEquals("rows", bad.field)
        assertEquals(before, emu.requests())
    }

    @Test
    fun `each call reports its own outcome, also calls nested in a listener on the same thread`() {
        // The generated Kotlin reuses per-thread call statuses (uniffi-bindgen's Kotlin patch): an
        // outcome must never leak into the next call, and a call made while another call's status
        // is in use (a listener calling Rust on the thread of a blocking workflow) needs its own.
        val address = user("Reuse").email
        repeat(3) {
            assertEquals(address, client.userProfileBlocking(address).email)
            catching<QiscusException.NotFound> { client.userProfileBlocking(Emulator.email("none")) }
            catching<qiscus.InternalException> { qiscus.debugPanic(false) }
            catching<QiscusException.InvalidSignature> { qiscus.verifyWebhookSignature("t".toByteArray(), "b".toByteArray(), "zz") }
            assertEquals("emulator", client.appId())
        }
        val caller = Thread.currentThread().name
        val nested = ConcurrentLinkedQueue<String>()
        val listener = object : BackupProgressListener {
            override fun onProgress(progress: BackupProgress) {
                // Synchronous calls into Rust (a blocking call here would nest runtimes): one that
                // succeeds, one that fails, then the first again.
                val app = client.appId()
                val failed = runCatching { qiscus.verifyWebhookSignature("t".toByteArray(), "b".toByteArray(), null) }
                nested.add("${Thread.currentThread().name} $app ${failed.exceptionOrNull()?.javaClass?.simpleName} ${client.appId()}")
            }
        }
        val rows = client.exportAndDownloadBlocking(BackupResource.USERS, start, end, 20uL, 60_000uL, listener)
        assertTrue((rows as BackupRows.Users).rows.any { it.email == address })
        assertTrue(nested.isNotEmpty())
        assertTrue(nested.all { it == "$caller emulator InvalidSignature emulator" }, "$nested")
        assertEquals(address, client.userProfileBlocking(address).email)
    }

    @Test
    fun `a listener that throws does not end the export it watches`() = suspendTest {
        user("Throwing")
        var calls = 0
        val throwing = object : BackupProgressListener {
            override fun onProgress(progress: BackupProgress) {
                calls++
                throw IllegalStateException("listener failure")
            }
        }
        // The library catches the listener's failure: the export completes and the JVM is fine.
        val rows = client.exportAndDownload(BackupResource.USERS, start, end, pollIntervalMs = 20uL, listener = throwing)
        assertTrue(rows is BackupRows.Users)
        assertTrue(calls > 0, "the listener was called")
        assertEquals("emulator", client.appId())
    }

    @Test
    fun `pagers over rooms, comments, exports and imports`() = suspendTest {
        val (a, b) = listOf(user("Pager"), user("PagerB"))
        val rooms = (1..23).map { client.createRoom(CreateRoomParams("Paged $it", listOf(b.email), a.email)).roomId }

        client.roomsPager(a.email).use { pager ->
            val pages = generateSequence { kotlinx.coroutines.runBlocking { pager.nextPage() } }.toList()
            assertEquals(listOf(20, 3), pages.map { it.size })
            assertEquals(rooms.toSet(), pages.flatten().map { it.roomId }.toSet())
            assertNull(pager.nextPageBlocking(), "stays exhausted")
        }

        val room = rooms.first()
        val posted = (1..25).map { client.postComment(PostCommentParams(room, a.email, "paged $it", Payload.Text)).id }
        client.commentsPager(CommentsPagerParams(roomId = room, limit = 10u)).use { pager ->
            val pages = mutableListOf<List<Long>>()
            while (true) pages.add(pager.nextPageBlocking()?.map { it.id } ?: break)
            assertEquals(listOf(10, 10, 5), pages.map { it.size })
            assertEquals(posted.reversed(), pages.flatten(), "newest first")
        }
        client.commentsPager(CommentsPagerParams(roomId = room, limit = 10u, stopAtId = posted[19])).use { pager ->
            assertEquals(posted.drop(20).reversed(), pager.nextPage()!!.map { it.id })
            assertNull(pager.nextPage())
        }
        client.commentsPager(CommentsPagerParams(roomId = room, maxCount = 7uL)).use { pager ->
            assertEquals(posted.takeLast(7).reversed(), pager.nextPage()!!.map { it.id })
            assertNull(pager.nextPage())
        }

        val export: Export = client.createExport(qiscus.core.CreateExportParams(BackupResource.USERS, start, end))
        client.exportsPager().use { pager ->
            val all = generateSequence { pager.nextPageBlocking() }.flatten().map { it.uniqueId }.toList()
            assertTrue(export.uniqueId in all)
        }
        val imported = client.createImport(qiscus.core.CreateImportParams(BackupResource.USERS, "u.json", """[{"Email":"${Emulator.email("pg")}","Name":"P"}]""".toByteArray()))
        client.importsPager().use { pager ->
            val all = mutableListOf<String>()
            while (true) all.addAll(pager.nextPage()?.map { it.uniqueId } ?: break)
            assertTrue(imported.uniqueId in all)
        }
    }
}
