package qiscus.test

import java.time.LocalDate
import kotlinx.coroutines.delay
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import qiscus.core.BackupResource
import qiscus.core.CreateExportParams
import qiscus.core.CreateImportParams
import qiscus.core.CreateRoomParams
import qiscus.core.Export
import qiscus.core.GetRoomsInfoParams
import qiscus.core.GetUserRoomsParams
import qiscus.core.Import
import qiscus.core.LoadCommentsParams
import qiscus.core.LoginOrRegisterParams
import qiscus.core.Payload
import qiscus.core.PostCommentParams
import qiscus.core.QiscusException
import qiscus.core.RoomType
import qiscus.core.SearchMessagesParams
import qiscus.core.SystemEvent
import qiscus.core.SystemEventParams
import qiscus.core.UpdateRoomParams

/** Every call of the client, in its suspend form and its blocking twin, against the emulator. */
class CallsTest : EmulatorTest() {

    private fun text(roomId: Long, sender: String, message: String) =
        PostCommentParams(roomId = roomId, senderEmail = sender, message = message, payload = Payload.Text)

    @Test
    fun `the runtime's worker count is settable only before it starts`() = suspendTest {
        client.userProfileBlocking(user("Workers").email) // the runtime runs from here on
        assertFalse(qiscus.setRuntimeWorkerThreads(2u))
        val e = catching<QiscusException.InvalidInput> { qiscus.setRuntimeWorkerThreads(0u) }
        assertEquals("count", e.field)
    }

    @Test
    fun `app id and with timeout`() = suspendTest {
        assertEquals("emulator", client.appId())
        client.withTimeout(5_000uL).use { short ->
            assertEquals("emulator", short.appId())
            val u = user("Short")
            assertEquals(u.id, short.userProfile(u.email).id)
        }
    }

    @Test
    fun `login or register creates, then updates with a password`() = suspendTest {
        val email = Emulator.email("alice")
        val created = client.loginOrRegister(
            LoginOrRegisterParams(email = email, username = "Alice", avatarUrl = "https://img.example/a.png"),
        )
        assertTrue(created.id > 0)
        assertEquals(email, created.email)
        assertEquals("Alice", created.username)
        assertEquals("https://img.example/a.png", created.avatarUrl)
        assertFalse(created.token.isNullOrEmpty())

        val updated = client.loginOrRegisterBlocking(
            LoginOrRegisterParams(email = email, username = "Alicia", password = "s3cret-pw"),
        )
        assertEquals(created.id, updated.id)
        assertEquals("Alicia", updated.username)
        assertEquals("Alicia", client.userProfile(email).username)
    }

    @Test
    fun `user profile`() = suspendTest {
        val u = user("Profile")
        val p = client.userProfile(u.email)
        assertEquals(u.id, p.id)
        assertEquals(u.email, p.email)
        assertEquals("Profile", p.username)
        assertEquals(u.token, p.token)
        assertEquals(p, client.userProfileBlocking(u.email))
    }

    @Test
    fun `suspend calls resume their coroutines without a new JVM thread per call`() = suspendTest {
        // A Rust future wakes its coroutine from a runtime worker thread. The worker must stay
        // attached to the JVM: attached and detached per call, it was a new Thread every time.
        val u = user("Waker")
        repeat(20) { client.userProfile(u.email) }
        val threads = java.lang.management.ManagementFactory.getThreadMXBean()
        val before = threads.totalStartedThreadCount
        repeat(200) { assertEquals(u.id, client.userProfile(u.email).id) }
        val started = threads.totalStartedThreadCount - before
        assertTrue(started < 20, "$started JVM threads started during 200 suspend calls")
        val workers = Thread.getAllStackTraces().keys.filter { it.name == "qiscus-rt" }
        assertTrue(workers.isNotEmpty(), "no runtime worker is attached to the JVM")
        assertTrue(workers.all { it.isDaemon }, "attached runtime workers must not keep the JVM alive")
    }

    @Test
    fun `reset user token`() = suspendTest {
        val u = user("Reset")
        val first = client.resetUserToken(u.email)
        assertEquals(u.id, first.id)
        assertNotEquals(u.token, first.token)
        assertFalse(first.token.isNullOrEmpty())
        val second = client.resetUserTokenBlocking(u.email)
        assertNotEquals(first.token, second.token)
        assertEquals(second.token, client.userProfile(u.email).token)
    }

    @Test
    fun `create room`() = suspendTest {
        val (a, b, c) = listOf(user("A"), user("B"), user("C"))
        val room = client.createRoom(CreateRoomParams(name = "Team", participants = listOf(b.email, c.email), creator = a.email))
        assertTrue(room.roomId > 0)
        assertEquals("Team", room.roomName)
        assertEquals("group", room.roomType)
        assertEquals(a.email, room.creator)
        assertEquals(setOf(a.email, b.email, c.email), room.participants.map { it.email }.toSet())

        val other = client.createRoomBlocking(
            CreateRoomParams(name = "Avatars", participants = listOf(b.email), creator = a.email, avatarUrl = "https://img.example/r.png"),
        )
        assertNotEquals(room.roomId, other.roomId)
        assertEquals("Avatars", other.roomName)
        assertEquals(setOf(a.email, b.email), other.participants.map { it.email }.toSet())
    }

    @Test
    fun `get user rooms`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val group = client.createRoom(CreateRoomParams(name = "Rooms", participants = listOf(b.email), creator = a.email))
        val single = client.getOrCreateRoomWithTarget(listOf(a.email, b.email)).room
        val all = client.getUserRooms(GetUserRoomsParams(userEmail = a.email, showParticipants = true))
        assertEquals(setOf(group.roomId, single.id), all.roomsInfo.map { it.roomId }.toSet())
        assertTrue(all.roomsInfo.all { it.participants?.size == 2 })
        assertEquals(2L, all.meta?.totalRoom)

        val singles = client.getUserRoomsBlocking(GetUserRoomsParams(userEmail = a.email, roomType = RoomType.SINGLE, page = 1u))
        assertEquals(listOf(single.id), singles.roomsInfo.map { it.roomId })
        assertEquals("single", singles.roomsInfo[0].roomType)
        assertNull(singles.roomsInfo[0].participants)
    }

    @Test
    fun `update room`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val room = client.createRoom(CreateRoomParams(name = "Before", participants = listOf(b.email), creator = a.email))
        val renamed = client.updateRoom(UpdateRoomParams(userEmail = a.email, roomId = room.roomId, roomName = "After"))
        assertTrue(renamed.changed)
        assertEquals(room.roomId, renamed.room.id)
        assertEquals("After", renamed.room.roomName)

        val withOptions = client.updateRoomBlocking(
            UpdateRoomParams(userEmail = a.email, roomId = room.roomId, options = """{"color":"red","pinned":true}"""),
        )
        assertEquals("After", withOptions.room.roomName)
        assertJsonEquals("""{"color":"red","pinned":true}""", withOptions.room.options)
    }

    @Test
    fun `get or create room with target`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val created = client.getOrCreateRoomWithTarget(listOf(a.email, b.email))
        assertEquals("single", created.room.chatType)
        assertEquals(setOf(a.email, b.email), created.room.participants.map { it.email }.toSet())
        assertTrue(created.comments.isEmpty())
        client.postComment(text(created.room.id, b.email, "hello"))
        val again = client.getOrCreateRoomWithTargetBlocking(listOf(b.email, a.email))
        assertEquals(created.room.id, again.room.id)
        assertEquals(listOf("hello"), again.comments.map { it.message })
    }

    @Test
    fun `get rooms info`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val r1 = client.createRoom(CreateRoomParams(name = "Info one", participants = listOf(b.email), creator = a.email)).roomId
        val r2 = client.getOrCreateRoomWithTarget(listOf(a.email, b.email)).room.id
        val last = client.postComment(text(r1, b.email, "last words"))
        val infos = client.getRoomsInfo(GetRoomsInfoParams(userEmail = a.email, roomIds = listOf(r1, r2)))
        assertEquals(setOf(r1, r2), infos.map { it.roomId }.toSet())
        val one = infos.first { it.roomId == r1 }
        assertEquals("Info one", one.roomName)
        assertEquals(last.id, one.lastCommentId)
        assertEquals("last words", one.lastCommentMessage)
        assertNull(one.participants)

        val withParticipants = client.getRoomsInfoBlocking(GetRoomsInfoParams(userEmail = a.email, roomIds = listOf(r1), showParticipants = true))
        assertEquals(1, withParticipants.size)
        assertEquals(setOf(a.email, b.email), withParticipants[0].participants!!.map { it.email }.toSet())
    }

    @Test
    fun `add and remove room participants`() = suspendTest {
        val (a, b, c, d) = listOf(user("A"), user("B"), user("C"), user("D"))
        val room = client.createRoom(CreateRoomParams(name = "Members", participants = listOf(b.email), creator = a.email)).roomId
        val added = client.addRoomParticipants(room, listOf(c.email))
        assertEquals(setOf(a.email, b.email, c.email), added.participants.map { it.email }.toSet())
        val addedBlocking = client.addRoomParticipantsBlocking(room, listOf(d.email))
        assertEquals(setOf(a.email, b.email, c.email, d.email), addedBlocking.participants.map { it.email }.toSet())

        val removed = client.removeRoomParticipants(room, listOf(c.email))
        assertEquals(setOf(a.email, b.email, d.email), removed.participants.map { it.email }.toSet())
        val removedBlocking = client.removeRoomParticipantsBlocking(room, listOf(d.email))
        assertEquals(setOf(a.email, b.email), removedBlocking.participants.map { it.email }.toSet())
        assertEquals(room, removedBlocking.roomId)
    }

    @Test
    fun `post comment, idempotent by unique temp id`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val room = client.getOrCreateRoomWithTarget(listOf(a.email, b.email)).room.id
        val c = client.postComment(text(room, a.email, "hi there"))
        assertTrue(c.id > 0)
        assertEquals("hi there", c.message)
        assertEquals(a.email, c.email)
        assertEquals(Payload.Text, c.payload)

        val temp = qiscus.newUniqueTempId()
        val params = text(room, b.email, "only once").copy(uniqueTempId = temp)
        val first = client.postCommentBlocking(params)
        val second = client.postCommentBlocking(params)
        assertEquals(first.id, second.id)
        assertEquals(temp, first.uniqueTempId)
        assertEquals(2, emu.roomComments(room).size)
    }

    @Test
    fun `load comments, newest first`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val room = client.getOrCreateRoomWithTarget(listOf(a.email, b.email)).room.id
        val posted = (1..3).map { client.postComment(text(room, a.email, "message $it")) }
        val loaded = client.loadComments(LoadCommentsParams(roomId = room))
        assertEquals(posted.reversed().map { it.id }, loaded.map { it.id })
        assertEquals(listOf("message 3", "message 2", "message 1"), loaded.map { it.message })
        assertEquals(room, loaded[0].roomId)

        val page = client.loadCommentsBlocking(LoadCommentsParams(roomId = room, limit = 2u))
        assertEquals(listOf(posted[2].id, posted[1].id), page.map { it.id })
    }

    @Test
    fun `post system event message`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val room = client.createRoom(CreateRoomParams(name = "Events", participants = listOf(b.email), creator = a.email)).roomId
        val created = client.postSystemEventMessage(
            SystemEventParams(roomId = room, subjectEmail = a.email, event = SystemEvent.CreateRoom(roomName = "Events")),
        )
        val p = (created.payload as Payload.SystemEvent).v1
        assertEquals("create_room", p.eventType)
        assertEquals(a.email, p.subjectEmail)
        assertEquals("Events", p.roomName)

        val renamed = client.postSystemEventMessageBlocking(
            SystemEventParams(roomId = room, subjectEmail = a.email, event = SystemEvent.ChangeRoomName(roomName = "Renamed")),
        )
        assertEquals("change_room_name", (renamed.payload as Payload.SystemEvent).v1.eventType)
        assertEquals(listOf(renamed.id, created.id), client.loadComments(LoadCommentsParams(roomId = room)).map { it.id })
    }

    @Test
    fun `search messages`() = suspendTest {
        val (a, b) = listOf(user("A"), user("B"))
        val word = "needle" + System.nanoTime()
        val r1 = client.createRoom(CreateRoomParams(name = "Search", participants = listOf(b.email), creator = a.email)).roomId
        val r2 = client.getOrCreateRoomWithTarget(listOf(a.email, b.email)).room.id
        val x = client.postComment(text(r1, b.email, "find the ${word.uppercase()} here"))
        client.postComment(text(r1, a.email, "nothing to see"))
        val y = client.postComment(text(r2, b.email, "another $word"))

        val all = client.searchMessages(SearchMessagesParams(userEmail = a.email, query = word))
        assertEquals(listOf(y.id, x.id), all.map { it.id })
        assertEquals("Search", all[1].roomName)

        val one = client.searchMessagesBlocking(SearchMessagesParams(userEmail = a.email, query = word, roomId = r1))
        assertEquals(listOf(x.id), one.map { it.id })
        assertTrue(client.searchMessages(SearchMessagesParams(userEmail = a.email, query = "haystack$word")).isEmpty())
    }

    private fun dates(): Pair<String, String> {
        val today = LocalDate.now(java.time.ZoneOffset.UTC)
        return today.minusDays(1).toString() to today.plusDays(1).toString()
    }

    private suspend fun finished(uniqueId: String): Export {
        repeat(200) {
            val e = client.getExport(uniqueId)
            if (e.status == "finished") return e
            assertNotEquals("failed", e.status, e.errorMessage)
            delay(25)
        }
        throw AssertionError("export $uniqueId did not finish")
    }

    @Test
    fun `exports - create, get, list, download, delete`() = suspendTest {
        val users = listOf(user("Exp1"), user("Exp2"))
        val (start, end) = dates()
        val created = client.createExport(CreateExportParams(resource = BackupResource.USERS, startDate = start, endDate = end))
        assertFalse(created.uniqueId.isEmpty())
        assertEquals("users", created.resourceName)
        assertEquals("started", created.status)
        assertTrue(created.downloadUrl.isEmpty())
        // Downloading an unfinished export is refused before anything is sent.
        val early = catching<QiscusException.InvalidInput> { client.downloadExport(created) }
        assertEquals("download_url", early.field)

        val done = finished(created.uniqueId)
        assertEquals(100.0, done.percentage)
        assertTrue(done.size > 0)
        assertTrue(done.totalRows >= 2)
        assertTrue(client.listExports(null).any { it.uniqueId == created.uniqueId && it.status == "finished" })

        val rows = client.downloadExport(done)
        assertEquals(done.totalRows, rows.size.toLong())
        val emails = rows.map { Json.obj(it)["Email"] }
        assertTrue(emails.containsAll(users.map { it.email }), "$emails")

        // The blocking twins.
        val second = client.createExportBlocking(CreateExportParams(resource = BackupResource.ROOMS, startDate = start, endDate = end))
        assertEquals("rooms", second.resourceName)
        var got = client.getExportBlocking(second.uniqueId)
        repeat(200) {
            if (got.status != "finished") {
                Thread.sleep(25)
                got = client.getExportBlocking(second.uniqueId)
            }
        }
        assertEquals("finished", got.status)
        val roomRows = client.downloadExportBlocking(got)
        assertEquals(got.totalRows, roomRows.size.toLong())
        val listed = client.listExportsBlocking(1u).map { it.uniqueId }
        assertTrue(listed.containsAll(listOf(created.uniqueId, second.uniqueId)))

        assertEquals(created.uniqueId, client.deleteExport(created.uniqueId).uniqueId)
        assertEquals(second.uniqueId, client.deleteExportBlocking(second.uniqueId).uniqueId)
        val gone = catching<QiscusException.NotFound> { client.getExport(created.uniqueId) }
        assertEquals("get_export", gone.call)
        assertTrue(client.listExports(null).none { it.uniqueId == created.uniqueId || it.uniqueId == second.uniqueId })
    }

    private fun finishedImport(uniqueId: String, list: () -> List<Import>): Import {
        repeat(200) {
            list().firstOrNull { it.uniqueId == uniqueId && it.status != "started" }?.let { return it }
            Thread.sleep(25)
        }
        throw AssertionError("import $uniqueId did not finish")
    }

    @Test
    fun `imports - create and list`() = suspendTest {
        val e1 = Emulator.email("imp")
        val e2 = Emulator.email("imp")
        val users = Json.write(
            listOf(
                mapOf("Email" to e1, "Name" to "Imported One", "AvatarUrl" to "https://img.example/1.png",
                    "AuthenticationToken" to "tok-imp-1", "Password" to "pw1", "CreateAt" to "2017-05-10T11:46:30Z"),
                mapOf("Email" to e2, "Name" to "Imported Two", "AvatarUrl" to "",
                    "AuthenticationToken" to "tok-imp-2", "Password" to "pw2", "CreateAt" to "2017-05-10T11:46:30Z"),
            ),
        )
        val started = client.createImport(CreateImportParams(resource = BackupResource.USERS, fileName = "users.json", contents = users.toByteArray()))
        assertEquals("users", started.resourceName)
        assertEquals("users.json", started.originalFilename)
        assertTrue(started.size > 0)
        val done = finishedImport(started.uniqueId) { kotlinx.coroutines.runBlocking { client.listImports(null) } }
        assertEquals("finished", done.status)
        assertEquals(2L, done.totalRows)
        assertTrue(done.errors.summary.isEmpty(), done.errors.toString())
        assertEquals("Imported One", client.userProfile(e1).username)
        assertEquals("tok-imp-2", client.userProfile(e2).token)

        // A bad row is reported, not fatal.
        val bad = """[{"Email":"not-an-email","Name":"X"}]"""
        val second = client.createImportBlocking(CreateImportParams(resource = BackupResource.USERS, fileName = "bad.json", contents = bad.toByteArray()))
        val reported = finishedImport(second.uniqueId) { client.listImportsBlocking(1u) }
        assertNotNull(reported.errors)
        assertEquals(listOf(second.uniqueId, started.uniqueId), client.listImportsBlocking(null).map { it.uniqueId }.take(2))
    }
}
