import Foundation
import XCTest
import Qiscus

/// The `AsyncSequence`s over the pagers (Sources/Qiscus/Paging.swift): every item in order and
/// once, pages fetched only when iteration needs them, empty lists, errors, cancellation; and
/// the row records' field defaults.
/// Every element of a sequence.
private func collect<S: AsyncSequence>(_ sequence: S) async throws -> [S.Element] {
    var out: [S.Element] = []
    for try await element in sequence { out.append(element) }
    return out
}

final class PagingTests: EmulatorTestCase {

    override func tearDownWithError() throws {
        try emu.noFaults()
        try super.tearDownWithError()
    }

    /// A user with `count` group rooms (created one after the other), and their ids in creation
    /// order.
    private func userWithRooms(_ count: Int) async throws -> (owner: String, roomIds: [Int64]) {
        let owner = try user("Owner").email, guest = try user("Guest").email
        var ids: [Int64] = []
        for i in 0..<count {
            ids.append(try await client.createRoom(params: CreateRoomParams(name: "room \(i)", participants: [guest], creator: owner)).roomId)
        }
        return (owner, ids)
    }

    /// A room with `count` text comments, and their ids in posting order.
    private func roomWithComments(_ count: Int) async throws -> (roomId: Int64, ids: [Int64]) {
        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "comments", participants: [b.email], creator: a.email))
        var ids: [Int64] = []
        for i in 0..<count {
            ids.append(try await client.postComment(params: PostCommentParams(roomId: room.roomId, senderEmail: a.email, message: "m\(i)", payload: .text)).id)
        }
        return (room.roomId, ids)
    }

    func test250RoomsInOrderOnce() async throws {
        let (owner, created) = try await userWithRooms(250)
        let before = try emu.requests()
        let rooms = try await collect(client.rooms(userEmail: owner))
        // The server lists rooms by latest activity: the newest room first.
        XCTAssertEqual(rooms.map(\.roomId), Array(created.reversed()))
        XCTAssertEqual(Set(rooms.map(\.roomId)).count, 250, "duplicates")
        XCTAssertEqual(try emu.requests() - before, 13, "13 pages of at most 20")

        let pages = try await collect(client.rooms(userEmail: owner).pages)
        XCTAssertEqual(pages.map(\.count), Array(repeating: 20, count: 12) + [10])
        XCTAssertEqual(pages.flatMap { $0.map(\.roomId) }, Array(created.reversed()))
    }

    func test1000CommentsNewestFirstOnce() async throws {
        let (roomId, posted) = try await roomWithComments(1_000)
        let comments = try await collect(client.comments(roomId: roomId, limit: 100))
        XCTAssertEqual(comments.map(\.id), Array(posted.reversed()), "newest first, each once")
        XCTAssertEqual(comments.first?.message, "m999")

        let pages = try await collect(client.comments(roomId: roomId, limit: 100).pages)
        XCTAssertEqual(pages.map(\.count), Array(repeating: 100, count: 10))

        // The default page (20), a stop id and a count.
        let stopAt = posted[899]
        let newer = try await collect(client.comments(roomId: roomId, stopAtId: stopAt))
        XCTAssertEqual(newer.map(\.id), Array(posted[900...].reversed()))
        let capped = try await collect(client.comments(roomId: roomId, limit: 30, maxCount: 45).pages)
        XCTAssertEqual(capped.map(\.count), [30, 15])
        XCTAssertEqual(capped.flatMap { $0.map(\.id) }, Array(posted.reversed().prefix(45)))
    }

    func testPagesAreFetchedOnlyWhenIteratedThatFar() async throws {
        let (owner, created) = try await userWithRooms(45)
        let base = try emu.requests()
        let rooms = client.rooms(userEmail: owner)
        XCTAssertEqual(try emu.requests(), base, "making the sequence sends nothing")

        let five = try await collect(rooms.prefix(5))
        XCTAssertEqual(five.map(\.roomId), Array(created.reversed().prefix(5)))
        XCTAssertEqual(try emu.requests() - base, 1, "taking 5 fetches one page")

        let twentyOne = try await collect(rooms.prefix(21))
        XCTAssertEqual(twentyOne.map(\.roomId), Array(created.reversed().prefix(21)), "each iteration starts over")
        XCTAssertEqual(try emu.requests() - base, 1 + 2, "taking 21 fetches two pages")

        // Step by step: a page is requested exactly when its first item is asked for.
        var it = rooms.makeAsyncIterator()
        let start = try emu.requests()
        for i in 0..<45 {
            _ = try await it.next()
            XCTAssertEqual(try emu.requests() - start, i / 20 + 1, "after item \(i)")
        }
        let end = try await it.next()
        XCTAssertNil(end)
        let after = try await it.next()
        XCTAssertNil(after, "stays finished")
        XCTAssertEqual(try emu.requests() - start, 3, "the short last page ends it")
    }

    func testEmptyLists() async throws {
        let loner = try user("Loner").email
        let before = try emu.requests()
        let none = try await collect(client.rooms(userEmail: loner))
        XCTAssertEqual(none.count, 0)
        let noPages = try await collect(client.rooms(userEmail: loner).pages)
        XCTAssertEqual(noPages.count, 0, "no empty page is yielded")
        XCTAssertEqual(try emu.requests() - before, 2)

        let (a, b) = (try user("A"), try user("B"))
        let room = try await client.createRoom(params: CreateRoomParams(name: "quiet", participants: [b.email], creator: a.email))
        let comments = try await collect(client.comments(roomId: room.roomId))
        XCTAssertEqual(comments.count, 0)
        let zero = try await collect(client.comments(roomId: room.roomId, maxCount: 0).pages)
        XCTAssertEqual(zero.count, 0)
    }

    func testExportsAndImports() async throws {
        let export = try await client.createExport(params: CreateExportParams(resource: .users, startDate: utcDay(0), endDate: utcDay(0)))
        let exports = try await collect(client.exports())
        XCTAssertEqual(exports.filter { $0.uniqueId == export.uniqueId }.count, 1)
        XCTAssertEqual(Set(exports.map(\.uniqueId)).count, exports.count, "duplicates")

        let email = Emails.make("imported")
        let report = try await client.importRows(batch: ImportBatch(users: [UserRow(email: email, name: "Imported")], rooms: [], comments: []),
                                                  pollIntervalMs: 20)
        let imports = try await collect(client.imports())
        let uploaded = try XCTUnwrap(report.files.first).uniqueId
        XCTAssertEqual(imports.filter { $0.uniqueId == uploaded }.count, 1, "the new import is listed once")
        XCTAssertEqual(Set(imports.map(\.uniqueId)).count, imports.count, "duplicates")
    }

    func testErrorsEndTheIteration() async throws {
        // Refused before sending: a page size out of range.
        let before = try emu.requests()
        var it = client.comments(roomId: 1, limit: 0).makeAsyncIterator()
        let e = await qiscusError { _ = try await it.next() }
        guard case .InvalidInput? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.field, "limit")
        let after = try await it.next()
        XCTAssertNil(after, "an error ends the iteration")
        XCTAssertEqual(try emu.requests(), before)

        // From the server: an unknown user.
        let unknown = await qiscusError { _ = try await collect(self.client.rooms(userEmail: Emails.make("nobody"))) }
        guard case .NotFound? = unknown else { return XCTFail("\(String(describing: unknown))") }

        // A closed client fails when the iteration starts, not when the sequence is made.
        let closed = try emu.client()
        let rooms = closed.rooms(userEmail: "a@example.com")
        closed.shutdown()
        let c = await qiscusError { _ = try await collect(rooms) }
        guard case .Config? = c else { return XCTFail("\(String(describing: c))") }
    }

    func testCancellingTheTaskStopsTheIteration() async throws {
        let (roomId, posted) = try await roomWithComments(30)
        let client = self.client!

        // Cancelled between items: the next `next()` throws, and no further page is fetched.
        final class Seen: @unchecked Sendable { var ids: [Int64] = [] }
        let seen = Seen()
        let before = try emu.requests()
        let task = Task {
            for try await comment in client.comments(roomId: roomId, limit: 10) {
                seen.ids.append(comment.id)
                if seen.ids.count == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        let result = await task.result
        guard case let .failure(error) = result else { return XCTFail("the iteration finished") }
        XCTAssertTrue(error is CancellationError, "\(error)")
        XCTAssertEqual(seen.ids, Array(posted.reversed().prefix(3)))
        XCTAssertEqual(try emu.requests() - before, 1)

        // Cancelled while a page request is in flight: it is aborted at once.
        try emu.faults(["latency": 1.0, "latency_ms": 3_000])
        let slow = Task { try await collect(client.comments(roomId: roomId)) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let t0 = now()
        slow.cancel()
        let slowResult = await slow.result
        XCTAssertLessThan(now() - t0, 0.5, "cancellation took too long")
        guard case let .failure(slowError) = slowResult else { return XCTFail("the iteration finished") }
        XCTAssertTrue(slowError is CancellationError, "\(slowError)")
    }

    func testRowRecordsHaveFieldDefaults() async throws {
        let alice = Emails.make("alice"), bob = Emails.make("bob")
        let user = UserRow(email: alice)
        XCTAssertEqual(user, UserRow(email: alice, name: "", avatarUrl: "", authenticationToken: "", password: "", createdAt: ""))
        let roomUid = "room-\(UUID().uuidString.prefix(8).lowercased())"
        let room = RoomRow(name: "Defaults", roomType: "group", creatorEmail: alice, uniqueId: roomUid, participantEmails: [alice, bob])
        XCTAssertEqual(room.options, "")
        XCTAssertEqual(room.avatarUrl, "")
        XCTAssertEqual(room.createdAt, "")
        let comment = CommentRow(message: "hi", uniqueId: "\(roomUid)-c0", creatorEmail: alice, roomUniqueId: roomUid)
        XCTAssertEqual(comment.disableLinkPreview, false)
        XCTAssertEqual(comment.commentType, "")
        XCTAssertNil(comment.payload)
        XCTAssertEqual(comment.parentCommentUniqueId, "")

        // The defaulted rows import as they are.
        let batch = ImportBatch(users: [UserRow(email: alice, name: "Alice"), UserRow(email: bob, name: "Bob")], rooms: [room], comments: [comment])
        let report = try await client.importRows(batch: batch, pollIntervalMs: 20)
        XCTAssertEqual(report.rowErrors, [])
        XCTAssertEqual([report.usersImported, report.roomsImported, report.commentsImported], [2, 1, 1])
        let rooms = try await collect(client.rooms(userEmail: alice))
        XCTAssertEqual(rooms.map(\.roomName), ["Defaults"])
        let comments = try await collect(client.comments(roomId: rooms[0].roomId))
        XCTAssertEqual(comments.map(\.message), ["hi"])
        guard case .text = comments[0].payload else { return XCTFail("\(comments[0].payload)") }
    }
}
