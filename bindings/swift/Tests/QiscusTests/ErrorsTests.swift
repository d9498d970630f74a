import Foundation
import Glibc
import XCTest
import Qiscus

/// Every kind of error, as the `QiscusError` case it becomes, with its fields.
final class ErrorsTests: EmulatorTestCase {

    override func tearDownWithError() throws {
        try emu.noFaults()
        try super.tearDownWithError()
    }

    func testApiError400WithDetailedMessages() async throws {
        let u = try user("Existing")
        let e = await qiscusError { _ = try await self.client.loginOrRegister(params: LoginOrRegisterParams(email: u.email, username: "Renamed")) }
        guard case let .Api(call, status, reason, detailed, excerpt, attempts, history)? = e, let e else {
            return XCTFail("\(String(describing: e))")
        }
        XCTAssertEqual(call, "login_or_register")
        XCTAssertEqual(status, 400)
        XCTAssertTrue(reason.contains("password is required"), reason)
        XCTAssertTrue(detailed.contains { $0.contains("password is required") && $0.contains(u.email) }, "\(detailed)")
        XCTAssertNil(excerpt)
        XCTAssertEqual(attempts, 1)
        XCTAssertEqual(history, [])
        // The same through the hand-written accessors (Sources/Qiscus/QiscusError+Fields.swift).
        XCTAssertEqual(e.kind, "api")
        XCTAssertEqual(e.call, "login_or_register")
        XCTAssertEqual(e.status, 400)
        XCTAssertEqual(e.reason, reason)
        XCTAssertEqual(e.attempts, 1)
        XCTAssertEqual(e.detailedMessages, detailed)
        XCTAssertFalse(e.isTransient)
        XCTAssertTrue(e.localizedDescription.contains("status: 400"), e.localizedDescription)
        // Nothing changed.
        let profile = try await client.userProfile(userEmail: u.email)
        XCTAssertEqual(profile.username, "Existing")

        let b = await qiscusError {
            _ = try self.client.createRoomBlocking(params: CreateRoomParams(name: "R", participants: [Emails.make("ghost")], creator: u.email))
        }
        guard case .Api? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.status, 400)
        XCTAssertEqual(b?.call, "create_room")
        XCTAssertFalse(b?.detailedMessages.isEmpty ?? true)
    }

    func testUnauthorizedWithAWrongSecret() async throws {
        let bad = try emu.client(secret: "wrong-secret")
        defer { bad.shutdown() }
        let e = await qiscusError { _ = try await bad.userProfile(userEmail: Emails.make()) }
        guard case .Unauthorized? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.call, "user_profile")
        XCTAssertEqual(e?.status, 401)
        XCTAssertFalse(e?.reason?.isEmpty ?? true)
        XCTAssertFalse("\(e!)".contains("wrong-secret"), "the secret never appears in errors")
        let b = await qiscusError { _ = try bad.listExportsBlocking(page: nil) }
        guard case .Unauthorized? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.call, "list_exports")
    }

    func testNotFound() async throws {
        let nobody = Emails.make("nobody")
        let e = await qiscusError { _ = try await self.client.userProfile(userEmail: nobody) }
        guard case .NotFound? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.call, "user_profile")
        XCTAssertTrue(e?.reason?.contains(nobody) ?? false, "\(String(describing: e?.reason))")
        let b = await qiscusError { _ = try self.client.getExportBlocking(uniqueId: "no-such-export") }
        guard case .NotFound? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.call, "get_export")
    }

    func testRateLimitedWithRetryAfter() async throws {
        let u = try user("Limited")
        let before = try emu.stat("rate_limited")
        try emu.faults(["rate_limit_429": 1.0, "retry_after_secs": 3])
        let c = try emu.client(maxRetries: 0)
        defer { c.shutdown() }
        let e = await qiscusError { _ = try await c.userProfile(userEmail: u.email) }
        guard case .RateLimited? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.call, "user_profile")
        XCTAssertEqual(e?.attempts, 1)
        XCTAssertEqual(e?.retryAfter, 3.0)
        XCTAssertTrue(e?.isTransient ?? false)
        let b = await qiscusError { _ = try c.userProfileBlocking(userEmail: u.email) }
        guard case .RateLimited? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.retryAfter, 3.0)
        XCTAssertEqual(try emu.stat("rate_limited") - before, 2)
    }

    func testTimeout() async throws {
        let u = try user("Slow")
        try emu.faults(["latency": 1.0, "latency_ms": 2000])
        let c = try emu.client(timeoutMs: 100, maxRetries: 0)
        defer { c.shutdown() }
        let t0 = now()
        let e = await qiscusError { _ = try await c.userProfile(userEmail: u.email) }
        XCTAssertLessThan(now() - t0, 1.5, "the timeout fired late")
        guard case .Timeout? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.call, "user_profile")
        XCTAssertEqual(e?.attempts, 1)
        let b = await qiscusError { _ = try c.userProfileBlocking(userEmail: u.email) }
        guard case .Timeout? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.call, "user_profile")
    }

    /// A loopback port on which nothing listens: bound, then closed without listening.
    private func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: addr.sin_port)
    }

    func testConnectionRefused() async throws {
        let port = closedPort()
        XCTAssertGreaterThan(port, 0)
        let c = try Client(appId: "emulator", secret: "emulator-secret", baseUrl: "http://127.0.0.1:\(port)", maxRetries: 0)
        defer { c.shutdown() }
        let e = await qiscusError { _ = try await c.userProfile(userEmail: Emails.make()) }
        guard case .Connection? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.call, "user_profile")
        XCTAssertEqual(e?.attempts, 1)
        XCTAssertFalse(e?.reason?.isEmpty ?? true)
        let b = await qiscusError { _ = try c.resetUserTokenBlocking(userEmail: Emails.make()) }
        guard case .Connection? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.call, "reset_user_token")
    }

    func testInvalidInputNamesTheFieldNothingIsSent() async throws {
        let before = try emu.requests()
        let e = await qiscusError { _ = try await self.client.loginOrRegister(params: LoginOrRegisterParams(email: "not-an-email", username: "X")) }
        guard case let .InvalidInput(field, reason)? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(field, "email")
        XCTAssertFalse(reason.isEmpty)
        let b = await qiscusError {
            _ = try self.client.createRoomBlocking(params: CreateRoomParams(name: "", participants: [Emails.make()], creator: Emails.make()))
        }
        guard case .InvalidInput? = b else { return XCTFail("\(String(describing: b))") }
        XCTAssertEqual(b?.field, "name")
        let u = await qiscusError { _ = try await self.client.userProfile(userEmail: "") }
        guard case .InvalidInput? = u else { return XCTFail("\(String(describing: u))") }
        XCTAssertEqual(u?.field, "user_email")
        XCTAssertEqual(try emu.requests(), before)
    }

    func testResponseTooLarge() async throws {
        let u = try user("Large")
        let c = try emu.client(maxResponseBytes: 64)
        defer { c.shutdown() }
        let e = await qiscusError { _ = try await c.userProfile(userEmail: u.email) }
        guard case let .ResponseTooLarge(call, limit)? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(call, "user_profile")
        XCTAssertEqual(limit, 64)
        XCTAssertEqual(e?.limitBytes, 64)
    }

    func testConfigErrors() async throws {
        let e = await qiscusError { _ = try Client(appId: "app", secret: "s", baseUrl: "http://qiscus.example.com") }
        guard case .Config? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.field, "base_url")
        // Plain http to a non-loopback host is allowed only when asked for.
        try Client(appId: "app", secret: "s", baseUrl: "http://qiscus.example.com", allowInsecureHttp: true).shutdown()

        let closed = try emu.client()
        closed.shutdown()
        closed.shutdown() // twice is harmless
        let c = await qiscusError { _ = try closed.userProfileBlocking(userEmail: Emails.make()) }
        guard case .Config? = c else { return XCTFail("\(String(describing: c))") }
        XCTAssertEqual(c?.field, "client")
        let a = await qiscusError { _ = try await closed.userProfile(userEmail: Emails.make()) }
        guard case .Config? = a else { return XCTFail("\(String(describing: a))") }
        XCTAssertEqual(a?.field, "client")
    }

    func testClientFromTheEnvironment() async throws {
        let names = ["QISCUS_APP_ID", "QISCUS_SECRET", "QISCUS_BASE_URL"]
        let saved = names.map { ProcessInfo.processInfo.environment[$0] }
        defer {
            for (name, value) in zip(names, saved) {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        names.forEach { unsetenv($0) }
        XCTAssertNil(try clientFromEnvironment())
        setenv("QISCUS_APP_ID", emu.appId, 1)
        let e = await qiscusError { _ = try clientFromEnvironment() }
        guard case .Config? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(e?.field, "QISCUS_SECRET")
        setenv("QISCUS_SECRET", emu.secret, 1)
        setenv("QISCUS_BASE_URL", emu.baseUrl, 1)
        guard let client = try clientFromEnvironment() else { return XCTFail("no client") }
        defer { client.shutdown() }
        XCTAssertEqual(try client.appId(), emu.appId)
        let email = Emails.make("env")
        let user = try await client.loginOrRegister(params: LoginOrRegisterParams(email: email, username: "Env"))
        XCTAssertEqual(user.email, email)
    }

    func testInternalErrorsFromPanics() async throws {
        // A panic on the calling thread is caught by the UniFFI scaffolding: it surfaces as the
        // generated code's own (fileprivate) UniffiInternalError.rustPanic, not a QiscusError.
        let onThread = await anyError { try debugPanic(inTask: false) }
        XCTAssertFalse(onThread is QiscusError, "\(String(describing: onThread))")
        XCTAssertTrue("\(String(describing: onThread))".contains("debug_panic was called"), "\(String(describing: onThread))")
        XCTAssertTrue(onThread?.localizedDescription.contains("debug_panic was called") ?? false)

        // A panic inside a spawned call is the library's Internal error.
        let inTask = await qiscusError { try debugPanic(inTask: true) }
        guard case let .Internal(reason)? = inTask else { return XCTFail("\(String(describing: inTask))") }
        XCTAssertTrue(reason.contains("debug_panic was called"), reason)
        XCTAssertEqual(inTask?.kind, "internal")
        let asyncError = await qiscusError { try await debugPanicAsync() }
        guard case let .Internal(areason)? = asyncError else { return XCTFail("\(String(describing: asyncError))") }
        XCTAssertTrue(areason.contains("debug_panic_async was called"), areason)

        // The library still works afterwards.
        XCTAssertEqual(try client.appId(), "emulator")
        _ = try user("AfterPanic")
    }

    func testEveryErrorIsAQiscusErrorAndSwitchesExhaustively() async throws {
        let e = await qiscusError { _ = try self.client.userProfileBlocking(userEmail: Emails.make("none")) }
        let described: String
        switch try XCTUnwrap(e) {
        case let .Api(_, status, _, _, _, _, _): described = "api \(status)"
        case .Unauthorized: described = "unauthorized"
        case let .NotFound(call, _, _): described = "not found: \(call)"
        case let .RateLimited(_, retryAfter, _, _, _): described = "rate limited \(String(describing: retryAfter))"
        case .Timeout: described = "timeout"
        case .Connection: described = "connection"
        case .Decode: described = "decode"
        case .ResponseTooLarge: described = "too large"
        case let .InvalidInput(field, _): described = "invalid \(field)"
        case .InvalidSignature: described = "signature"
        case .Internal: described = "internal"
        case .Config: described = "config"
        }
        XCTAssertEqual(described, "not found: user_profile")
        // An Error, a LocalizedError and Equatable.
        let asError: Error = try XCTUnwrap(e)
        XCTAssertTrue(asError.localizedDescription.contains("user_profile"), asError.localizedDescription)
        XCTAssertEqual(e, e)
    }
}
