import Foundation
import XCTest
import Qiscus

/// A Swift implementation of the Rust trait `BackupProgressListener`: records every update
/// (called from the library's threads).
final class Recorder: BackupProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var _updates: [BackupProgress] = []
    private var _threads: Set<String> = []

    func onProgress(progress: BackupProgress) {
        lock.lock()
        defer { lock.unlock() }
        _updates.append(progress)
        _threads.insert(Thread.current.description)
    }

    var updates: [BackupProgress] { lock.lock(); defer { lock.unlock() }; return _updates }
    var stages: [BackupStage] { updates.map(\.stage) }
}

/// The workflows (exportAndDownload, exportToFile, importRows) with a Swift progress listener,
/// and the pagers, in both forms.
final class WorkflowsTests: EmulatorTestCase {

    override func tearDownWithError() throws {
        try emu.noFaults()
        try super.tearDownWithError()
    }

    private func userRow(_ email: String, _ name: String) -> UserRow {
        UserRow(email: email, name: name, avatarUrl: "", authenticationToken: "", password: "", createdAt: "")
    }

    private func batch() -> (ImportBatch, alice: String, bob: String) {
        let alice = Emails.make("alice"), bob = Emails.make("bob")
        let roomUid = "room-\(alice.split(separator: "@")[0])"
        var comments = (0..<3).map { i in
            CommentRow(message: "message \(i)", disableLinkPreview: false, commentType: "text", uniqueId: "\(roomUid)-c\(i)",
                       creatorEmail: alice, roomUniqueId: roomUid, createdAt: "", payload: nil, parentCommentUniqueId: "")
        }
        comments.append(CommentRow(message: "re: message 2", disableLinkPreview: false, commentType: "reply", uniqueId: "\(roomUid)-r",
                                   creatorEmail: bob, roomUniqueId: roomUid, createdAt: "", payload: #"{"text":"message 2"}"#,
                                   parentCommentUniqueId: "\(roomUid)-c2"))
        let room = RoomRow(name: "Imported team", roomType: "group", options: "", creatorEmail: alice, createdAt: "", avatarUrl: "",
                           uniqueId: roomUid, participantEmails: [alice, bob])
        return (ImportBatch(users: [userRow(alice, "Alice"), userRow(bob, "Bob")], rooms: [room], comments: comments), alice, bob)
    }

    func testImportRows() async throws {
        let (rows, alice, bob) = batch()
        let recorder = Recorder()
        let report = try await client.importRows(batch: rows, pollIntervalMs: 20, timeoutMs: 60_000, listener: recorder)
        XCTAssertEqual(report.usersImported, 2)
        XCTAssertEqual(report.roomsImported, 1)
        XCTAssertEqual(report.commentsImported, 4)
        XCTAssertEqual(Int(report.filesUploaded), report.files.count)
        XCTAssertGreaterThanOrEqual(report.files.count, 3)
        XCTAssertEqual(report.rowErrors, [])
        XCTAssertEqual(Set(report.files.map(\.resource)), [.users, .rooms, .comments])
        XCTAssertFalse(recorder.updates.isEmpty, "the Swift listener heard nothing")
        XCTAssertTrue(recorder.stages.contains(.uploading))
        XCTAssertEqual(recorder.stages.last, .finished)

        // What was imported is there.
        let profile = try await client.userProfile(userEmail: bob)
        XCTAssertEqual(profile.username, "Bob")
        let rooms = try await client.getUserRooms(params: GetUserRoomsParams(userEmail: alice))
        XCTAssertEqual(rooms.roomsInfo.map(\.roomName), ["Imported team"])
        let roomId = try XCTUnwrap(rooms.roomsInfo.first).roomId
        let comments = try await client.loadComments(params: LoadCommentsParams(roomId: roomId, limit: 10))
        XCTAssertEqual(comments.map(\.message), ["re: message 2", "message 2", "message 1", "message 0"])
        guard case let .reply(reply) = comments[0].payload else { return XCTFail("\(comments[0].payload)") }
        XCTAssertEqual(reply.repliedCommentId, comments[1].id)
    }

    func testImportRowsRefusesABadBatchBlocking() async throws {
        var (rows, alice, _) = batch()
        rows.users.append(userRow(alice.uppercased(), "Alice again")) // a duplicate e-mail
        rows.users.append(userRow("not-an-email", "Nobody"))
        let before = try emu.requests()
        let e = await qiscusError { _ = try self.client.importRowsBlocking(batch: rows) }
        guard case .InvalidInput? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.field, "rows")
        XCTAssertTrue(e?.reason?.contains("nothing was sent") ?? false, "\(String(describing: e?.reason))")
        XCTAssertTrue(e?.reason?.contains("not-an-email") ?? false, "\(String(describing: e?.reason))")
        XCTAssertEqual(try emu.requests(), before)
    }

    func testExportAndDownload() async throws {
        let addresses = (0..<3).map { Emails.make("e\($0)") }
        for address in addresses {
            _ = try client.loginOrRegisterBlocking(params: LoginOrRegisterParams(email: address, username: String(address.prefix(3))))
        }
        let recorder = Recorder()
        let rows = try await client.exportAndDownload(resource: .users, startDate: utcDay(0), endDate: utcDay(0),
                                                      pollIntervalMs: 50, timeoutMs: 60_000, listener: recorder)
        guard case let .users(users) = rows else { return XCTFail("\(rows)") }
        XCTAssertTrue(Set(users.map(\.email)).isSuperset(of: addresses))
        let stages = recorder.stages
        XCTAssertEqual(stages.first, .requested)
        XCTAssertEqual(stages.last, .finished)
        XCTAssertTrue(stages.contains(.downloading))
        XCTAssertEqual(recorder.updates.last?.rowsDone, UInt64(users.count))

        // The blocking twin, without a listener (the default).
        let again = try client.exportAndDownloadBlocking(resource: .rooms, startDate: utcDay(0), endDate: utcDay(0), pollIntervalMs: 50)
        guard case .rooms = again else { return XCTFail("\(again)") }
    }

    func testExportToFile() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let room = try client.createRoomBlocking(params: CreateRoomParams(name: "Export", participants: [b.email], creator: a.email))
        let word = "m-\(UUID().uuidString.prefix(8))"
        for i in 0..<5 {
            _ = try client.postCommentBlocking(params: PostCommentParams(roomId: room.roomId, senderEmail: a.email, message: "\(word)-\(i)", payload: .text))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qiscus-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        for blocking in [false, true] {
            let path = dir.appendingPathComponent("comments-\(blocking).json").path
            let written = blocking
                ? try client.exportToFileBlocking(resource: .comments, startDate: utcDay(0), endDate: utcDay(0), path: path, pollIntervalMs: 50)
                : try await client.exportToFile(resource: .comments, startDate: utcDay(0), endDate: utcDay(0), path: path, pollIntervalMs: 50)
            XCTAssertEqual(written.path, path)
            XCTAssertEqual(written.export.status, "finished")
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(written.bytes, UInt64(onDisk.count))
            let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: onDisk) as? [[String: Any]])
            XCTAssertEqual(written.rows, UInt64(array.count))
            let ours = array.compactMap { $0["Message"] as? String }.filter { $0.hasPrefix(word) }
            XCTAssertEqual(ours, (0..<5).map { "\(word)-\($0)" })
        }
    }

    func testCancellingAWorkflowReleasesTheListener() async throws {
        _ = try user("X")
        let client = self.client!
        try emu.faults(["latency": 1.0, "latency_ms": 3_000])
        final class Weak: @unchecked Sendable { weak var recorder: Recorder? }
        let weak = Weak()
        let task = Task { () async throws -> BackupRows in
            let recorder = Recorder()
            weak.recorder = recorder
            return try await client.exportAndDownload(resource: .users, startDate: utcDay(0), endDate: utcDay(0),
                                                      pollIntervalMs: 50, timeoutMs: 60_000, listener: recorder)
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertNotNil(weak.recorder, "Rust holds the Swift listener")
        let t0 = now()
        task.cancel()
        let result = await task.result
        XCTAssertLessThan(now() - t0, 0.5, "cancellation took too long")
        if case let .success(rows) = result { XCTFail("the workflow finished: \(rows)") }
        if case let .failure(error) = result { XCTAssertTrue(error is CancellationError, "\(error)") }
        let until = now() + 2
        while weak.recorder != nil && now() < until { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertNil(weak.recorder, "the cancelled workflow kept the Swift listener")
    }

    private func drain<T>(_ next: () async throws -> [T]?) async throws -> [[T]] {
        var pages: [[T]] = []
        while let page = try await next() { pages.append(page) }
        return pages
    }

    func testPagersAsyncAndBlocking() async throws {
        for blocking in [false, true] {
            let owner = Emails.make("owner"), guest = Emails.make("guest")
            for address in [owner, guest] {
                _ = try client.loginOrRegisterBlocking(params: LoginOrRegisterParams(email: address, username: "P"))
            }
            var roomIds: [Int64] = []
            for i in 0..<23 {
                roomIds.append(try client.createRoomBlocking(params: CreateRoomParams(name: "r\(i)", participants: [guest], creator: owner)).roomId)
            }

            let rooms = try client.roomsPager(userEmail: owner)
            let roomPages = try await drain { blocking ? try rooms.nextPageBlocking() : try await rooms.nextPage() }
            XCTAssertEqual(roomPages.map(\.count), [20, 3])
            XCTAssertEqual(Set(roomPages.flatMap { $0.map(\.roomId) }), Set(roomIds))
            let after = blocking ? try rooms.nextPageBlocking() : try await rooms.nextPage()
            XCTAssertNil(after, "stays finished")

            let roomId = roomIds[0]
            var posted: [Int64] = []
            for i in 0..<12 {
                posted.append(try client.postCommentBlocking(params: PostCommentParams(roomId: roomId, senderEmail: owner, message: "c\(i)", payload: .text)).id)
            }
            let comments = try client.commentsPager(params: CommentsPagerParams(roomId: roomId, limit: 5))
            let commentPages = try await drain { blocking ? try comments.nextPageBlocking() : try await comments.nextPage() }
            XCTAssertTrue(commentPages.allSatisfy { $0.count <= 5 })
            XCTAssertEqual(commentPages.flatMap { $0.map(\.id) }, Array(posted.reversed()), "newest first, each once")
            let limited = try client.commentsPager(params: CommentsPagerParams(roomId: roomId, limit: 5, maxCount: 7))
            let limitedPages = try await drain { blocking ? try limited.nextPageBlocking() : try await limited.nextPage() }
            XCTAssertEqual(limitedPages.map(\.count).reduce(0, +), 7)
            XCTAssertEqual(limitedPages.count, 2)

            let created = try client.createExportBlocking(params: CreateExportParams(resource: .users, startDate: utcDay(0), endDate: utcDay(0)))
            let exports = try client.exportsPager()
            let exportPages = try await drain { blocking ? try exports.nextPageBlocking() : try await exports.nextPage() }
            XCTAssertTrue(exportPages.flatMap { $0 }.contains { $0.uniqueId == created.uniqueId })
            let imports = try client.importsPager()
            let importPages = try await drain { blocking ? try imports.nextPageBlocking() : try await imports.nextPage() }
            XCTAssertTrue(importPages.allSatisfy { !$0.isEmpty && $0.count <= 20 })
        }
    }
}
