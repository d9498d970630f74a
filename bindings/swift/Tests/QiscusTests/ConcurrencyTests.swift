import Foundation
import XCTest
import Qiscus

/// Task cancellation, concurrency through one client, and the client's lifetime.
final class ConcurrencyTests: EmulatorTestCase {

    override func tearDownWithError() throws {
        try emu.noFaults()
        try super.tearDownWithError()
    }

    /// Waits until the shared runtime has no more tasks alive than `baseline`.
    private func awaitAliveTasks(_ baseline: UInt64, file: StaticString = #filePath, line: UInt = #line) async throws {
        let until = now() + 3
        while debugRuntimeAliveTasks() > baseline && now() < until {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertLessThanOrEqual(debugRuntimeAliveTasks(), baseline, "tasks left behind on the runtime", file: file, line: line)
    }

    /// The number of tasks alive on the runtime once it is steady (a released client's
    /// connection pool, say, may still be winding down when a test starts).
    private func steadyAliveTasks() async throws -> UInt64 {
        var last = debugRuntimeAliveTasks()
        for _ in 0..<50 {
            try await Task.sleep(nanoseconds: 20_000_000)
            let current = debugRuntimeAliveTasks()
            if current == last { return current }
            last = current
        }
        return last
    }

    private func assertCancelled<T>(_ result: Result<T, Error>, file: StaticString = #filePath, line: UInt = #line) {
        switch result {
        case .success(let v): XCTFail("the call finished: \(v)", file: file, line: line)
        case .failure(let e): XCTAssertTrue(e is CancellationError, "\(e)", file: file, line: line)
        }
    }

    func testCancellingASleepingCallAbortsIt() async throws {
        let baseline = try await steadyAliveTasks()
        let task = Task { try await debugSleep(millis: 5_000) }
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertEqual(debugRuntimeAliveTasks(), baseline + 1, "the sleep runs on the runtime")
        let t0 = now()
        task.cancel()
        let result = await task.result
        XCTAssertLessThan(now() - t0, 0.5, "cancellation took too long")
        assertCancelled(result)
        try await awaitAliveTasks(baseline)
    }

    func testCancellingAnInFlightRequestAbortsIt() async throws {
        let u = try user("Cancel")
        let client = self.client!
        try emu.faults(["latency": 1.0, "latency_ms": 5_000])
        let delayed = try emu.stat("delayed")
        let baseline = try await steadyAliveTasks()
        let task = Task { try await client.userProfile(userEmail: u.email) }
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertEqual(try emu.stat("delayed") - delayed, 1, "the request reached the emulator")
        let t0 = now()
        task.cancel()
        let result = await task.result
        XCTAssertLessThan(now() - t0, 0.5, "cancellation took too long")
        assertCancelled(result)
        try await awaitAliveTasks(baseline)
        // The client still works.
        try emu.noFaults()
        let again = try await client.userProfile(userEmail: u.email)
        XCTAssertEqual(again.id, u.id)
    }

    func testACallFromAnAlreadyCancelledTaskSendsNothing() async throws {
        let u = try user("Early")
        let client = self.client!
        let before = try emu.requests()
        let task = Task { () async throws -> User in
            while !Task.isCancelled { await Task.yield() }
            return try await client.userProfile(userEmail: u.email)
        }
        task.cancel()
        assertCancelled(await task.result)
        XCTAssertEqual(try emu.requests(), before)
    }

    func testAsyncCallsDoNotHoldTheCallersThreads() async throws {
        let t0 = now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { try await debugSleep(millis: 300) } }
            try await group.waitForAll()
        }
        let elapsed = now() - t0
        XCTAssertLessThan(elapsed, 2.0, "20 sleeps of 300 ms took \(elapsed) s")
        XCTAssertGreaterThanOrEqual(elapsed, 0.3)
    }

    func test200ConcurrentCallsThroughOneClient() async throws {
        let (a, b) = (try user("A"), try user("B"))
        let client = self.client!
        let room = try await client.createRoom(params: CreateRoomParams(name: "Busy", participants: [b.email], creator: a.email)).roomId
        let before = try emu.requests()
        let comments = try await withThrowingTaskGroup(of: Comment.self) { group -> [Comment] in
            for i in 1...200 {
                group.addTask {
                    try await client.postComment(params: PostCommentParams(
                        roomId: room, senderEmail: i % 2 == 0 ? a.email : b.email, message: "message \(i)", payload: .text))
                }
            }
            var all: [Comment] = []
            for try await c in group { all.append(c) }
            return all
        }
        XCTAssertEqual(Set(comments.map(\.id)).count, 200)
        XCTAssertEqual(Set(comments.map(\.message)), Set((1...200).map { "message \($0)" }))
        // The emulator's own count.
        XCTAssertEqual(try emu.roomComments(room).count, 200)
        XCTAssertEqual(try emu.requests() - before, 200)
    }

    func testBlockingTwinsFromManyThreads() throws {
        let u = try user("Threads")
        let client = self.client!
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var ids: [Int64] = []
            var errors: [Error] = []
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            do {
                let id = try client.userProfileBlocking(userEmail: u.email).id
                results.lock.lock(); results.ids.append(id); results.lock.unlock()
            } catch {
                results.lock.lock(); results.errors.append(error); results.lock.unlock()
            }
        }
        XCTAssertTrue(results.errors.isEmpty, "\(results.errors)")
        XCTAssertEqual(results.ids, Array(repeating: u.id, count: 64))
    }

    func testTheClientIsReleasedWithItsLastReference() async throws {
        let u = try user("Released")
        weak var released: Client?
        do {
            let c = try emu.client()
            released = c
            let p = try await c.userProfile(userEmail: u.email)
            XCTAssertEqual(p.id, u.id)
        }
        XCTAssertNil(released, "deinit freed the Rust object")

        // shutdown() keeps the object but releases the connections: calls fail with Config.
        let c = try emu.client()
        c.shutdown()
        let e = await qiscusError { _ = try await c.userProfile(userEmail: u.email) }
        guard case .Config("client", _)? = e else { return XCTFail("\(String(describing: e))") }
    }
}
