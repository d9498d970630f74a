import Foundation
import XCTest
import Qiscus

/// Every call of the client, in its async form and its blocking twin, against the emulator.
final class CallsTests: EmulatorTestCase {

    private func text(_ roomId: Int64, _ sender: String, _ message: String) -> PostCommentParams {
        PostCommentParams(roomId: roomId, senderEmail: sender, message: message, payload: .text)
    }

    private func emails(_ participants: [Participant]) -> Set<String> { Set(participants.map(\.email)) }

    func testTheRuntimesWorkerCountIsSettableOnlyBeforeItStarts() async throws {
        _ = try client.userProfileBlocking(userEmail: try user("Workers").email)  // the runtime runs from here on
        XCTAssertFalse(try setRuntimeWorkerThreads(count: 2))
        let refused = await qiscusError { _ = try setRuntimeWorkerThreads(count: 0) }
        guard case .InvalidInput? = refused else { return XCTFail("\(String(describing: refused))") }
        XCTAssertEqual(refused?.field, "count")
    }

    func testAppIdAndWithTimeout() async throws {
        XCTAssertEqual(try client.appId(), "emulator")
        let short = try client.withTimeout(timeoutMs: 5_000)
        defer { short.shutdown() }
        XCTAssertEqual(try short.appId(), "emulator")
        let u = try user("Short")
        let p = try await short.userProfile(userEmail: u.email)
        XCTAssertEqual(p.id, u.id)
    }

    func testLoginOrRegisterCreatesThenUpdatesWithAPassword() async throws {
        let email = Emails.make("alice")
        let created = try await client.loginOrRegister(
            params: LoginOrRegisterParams(email: email, username: "Alice", avatarUrl: "https://img.example/a.png"))
        XCTAssertGreaterThan(created.id, 0)
        XCTAssertEqual(created.email, email)
        XCTAssertEqual(created.username, "Alice")
        XCTAssertEqual(created.avatarUrl, "https://img.example/a.png")
        XCTAssertFalse((created.token ?? "").isEmpty)

        let updated = try client.loginOrRegisterBlocking(
            params: LoginOrRegisterParams(email: email, username: "Alicia", password: "s3cret-pw"))
        XCTAssertEqual(updated.id, created.id)
        XCTAssertEqual(updated.username, "Alicia")
        let profile = try await client.userProfile(userEmail: email)
        XCTAssertEqual(profile.username, "Alicia")
    }

    func testUserProfile() async throws {
        let u = try user("Profile")
        let p = try await client.userProfile(userEmail: u.email)
        XCTAssertEqual(p.id, u.id)
        XCTAssertEqual(p.email, u.email)
        XCTAssertEqual(p.username, "Profile")
        XCTAssertEqual(p.token, u.token)
        XCTAssertEqual(try client.userProfileBlocking(userEmail: u.email), p)
    }

    func testResetUserToken() async throws {
        let u = try user("Reset")
        let first = try await client.resetUserToken(userEmail: u.email)
        XCTAssertEqual(first.id, u.id)
        XCTAssertNotEqual(first.token, u.token)
        XCTAssertFalse((first.token ?? "").isEmpty)
        let second = try client.resetUserTokenBlocking(userEmail: u.email)
        XCTAssertNotEqual(second.token, first.token)
        let profile = try await client.userProfile(userEmail: u.email)
        XCTAssertEqual(profile.token, second.token)
    }

    func testCreateRoom() async throws {
        let (a, b, c) = (try user("A"), try user("B"), try user("C"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "Team", participants: [b.email, c.email], creator: a.email))
        XCTAssertGreaterThan(room.roomId, 0)
        XCTAssertEqual(room.roomName, "Team")
        XCTAssertEqual(room.roomType, "group")
        XCTAssertEqual(room.creator, a.email)
        XCTAssertEqual(emails(room.participants), [a.email, b.email, c.email])

        let other = try client.createRoomBlocking(params: CreateRoomParams(
            name: "Avatars", participants: [b.email], creator: a.email, avatarUrl: "https://img.example/r.png"))
        XCTAssertNotEqual(other.roomId, room.roomId)
        XCTAssertEqual(other.roomName, "Avatars")
        XCTAssertEqual(emails(other.participants), [a.email, b.email])
    }

    func testGetUserRooms() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let group = try await client.createRoom(params: CreateRoomParams(name: "Rooms", participants: [b.email], creator: a.email))
        let single = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email]).room
        let all = try await client.getUserRooms(params: GetUserRoomsParams(userEmail: a.email, showParticipants: true))
        XCTAssertEqual(Set(all.roomsInfo.map(\.roomId)), [group.roomId, single.id])
        XCTAssertTrue(all.roomsInfo.allSatisfy { $0.participants?.count == 2 })
        XCTAssertEqual(all.meta?.totalRoom, 2)

        let singles = try client.getUserRoomsBlocking(params: GetUserRoomsParams(userEmail: a.email, page: 1, roomType: .single))
        XCTAssertEqual(singles.roomsInfo.map(\.roomId), [single.id])
        XCTAssertEqual(singles.roomsInfo.first?.roomType, "single")
        XCTAssertNil(singles.roomsInfo.first?.participants)
    }

    func testUpdateRoom() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "Before", participants: [b.email], creator: a.email))
        let renamed = try await client.updateRoom(params: UpdateRoomParams(userEmail: a.email, roomId: room.roomId, roomName: "After"))
        XCTAssertTrue(renamed.changed)
        XCTAssertEqual(renamed.room.id, room.roomId)
        XCTAssertEqual(renamed.room.roomName, "After")

        let withOptions = try client.updateRoomBlocking(params: UpdateRoomParams(
            userEmail: a.email, roomId: room.roomId, options: #"{"color":"red","pinned":true}"#))
        XCTAssertEqual(withOptions.room.roomName, "After")
        assertJsonEqual(#"{"color":"red","pinned":true}"#, withOptions.room.options)
    }

    func testGetOrCreateRoomWithTarget() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let created = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email])
        XCTAssertEqual(created.room.chatType, "single")
        XCTAssertEqual(emails(created.room.participants), [a.email, b.email])
        XCTAssertTrue(created.comments.isEmpty)
        _ = try await client.postComment(params: text(created.room.id, b.email, "hello"))
        let again = try client.getOrCreateRoomWithTargetBlocking(emails: [b.email, a.email])
        XCTAssertEqual(again.room.id, created.room.id)
        XCTAssertEqual(again.comments.map(\.message), ["hello"])
    }

    func testGetRoomsInfo() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let r1 = try await client.createRoom(params: CreateRoomParams(name: "Info one", participants: [b.email], creator: a.email)).roomId
        let r2 = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email]).room.id
        let last = try await client.postComment(params: text(r1, b.email, "last words"))
        let infos = try await client.getRoomsInfo(params: GetRoomsInfoParams(userEmail: a.email, roomIds: [r1, r2]))
        XCTAssertEqual(Set(infos.map(\.roomId)), [r1, r2])
        let one = try XCTUnwrap(infos.first { $0.roomId == r1 })
        XCTAssertEqual(one.roomName, "Info one")
        XCTAssertEqual(one.lastCommentId, last.id)
        XCTAssertEqual(one.lastCommentMessage, "last words")
        XCTAssertNil(one.participants)

        let withParticipants = try client.getRoomsInfoBlocking(params: GetRoomsInfoParams(userEmail: a.email, roomIds: [r1], showParticipants: true))
        XCTAssertEqual(withParticipants.count, 1)
        XCTAssertEqual(emails(try XCTUnwrap(withParticipants.first?.participants)), [a.email, b.email])
    }

    func testAddAndRemoveRoomParticipants() async throws {
        let (a, b, c, d) = (try user("A"), try user("B"), try user("C"), try user("D"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "Members", participants: [b.email], creator: a.email)).roomId
        let added = try await client.addRoomParticipants(roomId: room, emails: [c.email])
        XCTAssertEqual(emails(added.participants), [a.email, b.email, c.email])
        let addedBlocking = try client.addRoomParticipantsBlocking(roomId: room, emails: [d.email])
        XCTAssertEqual(emails(addedBlocking.participants), [a.email, b.email, c.email, d.email])

        let removed = try await client.removeRoomParticipants(roomId: room, emails: [c.email])
        XCTAssertEqual(emails(removed.participants), [a.email, b.email, d.email])
        let removedBlocking = try client.removeRoomParticipantsBlocking(roomId: room, emails: [d.email])
        XCTAssertEqual(emails(removedBlocking.participants), [a.email, b.email])
        XCTAssertEqual(removedBlocking.roomId, room)
    }

    func testPostCommentIdempotentByUniqueTempId() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email]).room.id
        let c = try await client.postComment(params: text(room, a.email, "hi there"))
        XCTAssertGreaterThan(c.id, 0)
        XCTAssertEqual(c.message, "hi there")
        XCTAssertEqual(c.email, a.email)
        XCTAssertEqual(c.payload, .text)

        let temp = newUniqueTempId()
        var params = text(room, b.email, "only once")
        params.uniqueTempId = temp
        let first = try client.postCommentBlocking(params: params)
        let second = try client.postCommentBlocking(params: params)
        XCTAssertEqual(second.id, first.id)
        XCTAssertEqual(first.uniqueTempId, temp)
        XCTAssertEqual(try emu.roomComments(room).count, 2)
    }

    func testLoadCommentsNewestFirst() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email]).room.id
        var posted: [Comment] = []
        for i in 1...3 { posted.append(try await client.postComment(params: text(room, a.email, "message \(i)"))) }
        let loaded = try await client.loadComments(params: LoadCommentsParams(roomId: room))
        XCTAssertEqual(loaded.map(\.id), posted.reversed().map(\.id))
        XCTAssertEqual(loaded.map(\.message), ["message 3", "message 2", "message 1"])
        XCTAssertEqual(loaded.first?.roomId, room)

        let page = try client.loadCommentsBlocking(params: LoadCommentsParams(roomId: room, limit: 2))
        XCTAssertEqual(page.map(\.id), [posted[2].id, posted[1].id])
    }

    func testPostSystemEventMessage() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "Events", participants: [b.email], creator: a.email)).roomId
        let created = try await client.postSystemEventMessage(params: SystemEventParams(
            roomId: room, subjectEmail: a.email, event: .createRoom(roomName: "Events")))
        guard case let .systemEvent(p) = created.payload else { return XCTFail("payload \(created.payload)") }
        XCTAssertEqual(p.eventType, "create_room")
        XCTAssertEqual(p.subjectEmail, a.email)
        XCTAssertEqual(p.roomName, "Events")

        let renamed = try client.postSystemEventMessageBlocking(params: SystemEventParams(
            roomId: room, subjectEmail: a.email, event: .changeRoomName(roomName: "Renamed")))
        guard case let .systemEvent(r) = renamed.payload else { return XCTFail("payload \(renamed.payload)") }
        XCTAssertEqual(r.eventType, "change_room_name")
        let loaded = try await client.loadComments(params: LoadCommentsParams(roomId: room))
        XCTAssertEqual(loaded.map(\.id), [renamed.id, created.id])
    }

    func testSearchMessages() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let word = "needle\(DispatchTime.now().uptimeNanoseconds)"
        let r1 = try await client.createRoom(params: CreateRoomParams(name: "Search", participants: [b.email], creator: a.email)).roomId
        let r2 = try await client.getOrCreateRoomWithTarget(emails: [a.email, b.email]).room.id
        let x = try await client.postComment(params: text(r1, b.email, "find the \(word.uppercased()) here"))
        _ = try await client.postComment(params: text(r1, a.email, "nothing to see"))
        let y = try await client.postComment(params: text(r2, b.email, "another \(word)"))

        let all = try await client.searchMessages(params: SearchMessagesParams(userEmail: a.email, query: word))
        XCTAssertEqual(all.map(\.id), [y.id, x.id])
        XCTAssertEqual(all.last?.roomName, "Search")

        let one = try client.searchMessagesBlocking(params: SearchMessagesParams(userEmail: a.email, query: word, roomId: r1))
        XCTAssertEqual(one.map(\.id), [x.id])
        let none = try await client.searchMessages(params: SearchMessagesParams(userEmail: a.email, query: "haystack\(word)"))
        XCTAssertTrue(none.isEmpty)
    }

    private func finished(_ uniqueId: String) async throws -> Export {
        for _ in 0..<400 {
            let e = try await client.getExport(uniqueId: uniqueId)
            if e.status == "finished" { return e }
            XCTAssertNotEqual(e.status, "failed", e.errorMessage)
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        throw XCTSkip("export \(uniqueId) did not finish")
    }

    func testExportsCreateGetListDownloadDelete() async throws {
        let users = [try user("Exp1"), try user("Exp2")]
        let created = try await client.createExport(params: CreateExportParams(resource: .users, startDate: utcDay(-1), endDate: utcDay(1)))
        XCTAssertFalse(created.uniqueId.isEmpty)
        XCTAssertEqual(created.resourceName, "users")
        XCTAssertEqual(created.status, "started")
        XCTAssertTrue(created.downloadUrl.isEmpty)
        // Downloading an unfinished export is refused before anything is sent.
        let early = await qiscusError { _ = try await self.client.downloadExport(export: created) }
        guard case .InvalidInput? = early else { return XCTFail("\(String(describing: early))") }
        XCTAssertEqual(early?.field, "download_url")

        let done = try await finished(created.uniqueId)
        XCTAssertEqual(done.percentage, 100.0)
        XCTAssertGreaterThan(done.size, 0)
        XCTAssertGreaterThanOrEqual(done.totalRows, 2)
        let listed = try await client.listExports(page: nil)
        XCTAssertTrue(listed.contains { $0.uniqueId == created.uniqueId && $0.status == "finished" })

        let rows = try await client.downloadExport(export: done)
        XCTAssertEqual(Int64(rows.count), done.totalRows)
        let rowEmails = Set(rows.compactMap { (parseJson($0) as? [String: Any])?["Email"] as? String })
        XCTAssertTrue(rowEmails.isSuperset(of: users.map(\.email)), "\(rowEmails)")

        // The blocking twins.
        let second = try client.createExportBlocking(params: CreateExportParams(resource: .rooms, startDate: utcDay(-1), endDate: utcDay(1)))
        XCTAssertEqual(second.resourceName, "rooms")
        var got = try client.getExportBlocking(uniqueId: second.uniqueId)
        for _ in 0..<400 where got.status != "finished" {
            try await Task.sleep(nanoseconds: 25_000_000)
            got = try client.getExportBlocking(uniqueId: second.uniqueId)
        }
        XCTAssertEqual(got.status, "finished")
        let roomRows = try client.downloadExportBlocking(export: got)
        XCTAssertEqual(Int64(roomRows.count), got.totalRows)
        let ids = Set(try client.listExportsBlocking(page: 1).map(\.uniqueId))
        XCTAssertTrue(ids.isSuperset(of: [created.uniqueId, second.uniqueId]))

        let deleted = try await client.deleteExport(uniqueId: created.uniqueId)
        XCTAssertEqual(deleted.uniqueId, created.uniqueId)
        XCTAssertEqual(try client.deleteExportBlocking(uniqueId: second.uniqueId).uniqueId, second.uniqueId)
        let gone = await qiscusError { _ = try await self.client.getExport(uniqueId: created.uniqueId) }
        guard case .NotFound? = gone else { return XCTFail("\(String(describing: gone))") }
        XCTAssertEqual(gone?.call, "get_export")
        let after = try await client.listExports(page: nil)
        XCTAssertFalse(after.contains { $0.uniqueId == created.uniqueId || $0.uniqueId == second.uniqueId })
    }

    private func finishedImport(_ uniqueId: String, _ list: () async throws -> [Import]) async throws -> Import {
        for _ in 0..<400 {
            if let i = try await list().first(where: { $0.uniqueId == uniqueId && $0.status != "started" }) { return i }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        throw XCTSkip("import \(uniqueId) did not finish")
    }

    func testImportsCreateAndList() async throws {
        let e1 = Emails.make("imp"), e2 = Emails.make("imp")
        let rows: [[String: Any]] = [
            ["Email": e1, "Name": "Imported One", "AvatarUrl": "https://img.example/1.png",
             "AuthenticationToken": "tok-imp-1", "Password": "pw1", "CreateAt": "2017-05-10T11:46:30Z"],
            ["Email": e2, "Name": "Imported Two", "AvatarUrl": "",
             "AuthenticationToken": "tok-imp-2", "Password": "pw2", "CreateAt": "2017-05-10T11:46:30Z"],
        ]
        let contents = try JSONSerialization.data(withJSONObject: rows)
        let started = try await client.createImport(params: CreateImportParams(resource: .users, fileName: "users.json", contents: contents))
        XCTAssertEqual(started.resourceName, "users")
        XCTAssertEqual(started.originalFilename, "users.json")
        XCTAssertGreaterThan(started.size, 0)
        let done = try await finishedImport(started.uniqueId) { try await self.client.listImports(page: nil) }
        XCTAssertEqual(done.status, "finished")
        XCTAssertEqual(done.totalRows, 2)
        XCTAssertTrue(done.errors.summary.isEmpty, "\(done.errors)")
        let (p1, p2) = (try await client.userProfile(userEmail: e1), try await client.userProfile(userEmail: e2))
        XCTAssertEqual(p1.username, "Imported One")
        XCTAssertEqual(p2.token, "tok-imp-2")

        // A bad row is reported, not fatal.
        let bad = Data(#"[{"Email":"not-an-email","Name":"X"}]"#.utf8)
        let second = try client.createImportBlocking(params: CreateImportParams(resource: .users, fileName: "bad.json", contents: bad))
        let reported = try await finishedImport(second.uniqueId) { try self.client.listImportsBlocking(page: 1) }
        XCTAssertEqual(reported.status, "finished")
        XCTAssertEqual(reported.totalRows, 0)
        XCTAssertEqual(reported.errors.summary, "1 rows failed")
        let details = parseJson(reported.errors.data) as? [[String: Any]]
        XCTAssertEqual(details?.first?["row"] as? Int, 0, "\(String(describing: reported.errors.data))")
        XCTAssertEqual(Array(try client.listImportsBlocking(page: nil).map(\.uniqueId).prefix(2)), [second.uniqueId, started.uniqueId])
    }
}
