import Foundation
import Glibc
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import Qiscus

/// A `qiscus-emulator`: the one named by `QISCUS_EMULATOR_URL` (test.sh starts it on the host),
/// else a process started here from `QISCUS_EMULATOR_BIN` or `<repo>/target/debug/qiscus-emulator`
/// and stopped when the test process exits. Test methods run one at a time, so tests that set
/// faults clear them in `tearDown` and counters are compared as differences.
final class Emulator {
    let baseUrl: String
    let appId: String
    let secret: String
    private let process: Process?

    private init(baseUrl: String, appId: String, secret: String, process: Process?) {
        self.baseUrl = baseUrl
        self.appId = appId
        self.secret = secret
        self.process = process
    }

    /// The emulator shared by the test classes.
    static let shared: Emulator = {
        let env = ProcessInfo.processInfo.environment
        if let url = env["QISCUS_EMULATOR_URL"], !url.isEmpty {
            return Emulator(baseUrl: url, appId: env["QISCUS_EMULATOR_APP_ID"] ?? "emulator",
                            secret: env["QISCUS_EMULATOR_SECRET"] ?? "emulator-secret", process: nil)
        }
        let emu = try! start()
        sharedProcess = emu.process
        atexit { Emulator.sharedProcess.map { _ = kill($0.processIdentifier, SIGKILL) } }
        return emu
    }()
    private static var sharedProcess: Process?

    static func binary() -> String {
        if let bin = ProcessInfo.processInfo.environment["QISCUS_EMULATOR_BIN"], !bin.isEmpty { return bin }
        // Tests/QiscusTests/Support.swift -> <repo>/target/debug/qiscus-emulator
        return URL(fileURLWithPath: #filePath)
            .appendingPathComponent("../../../../../target/debug/qiscus-emulator").standardizedFileURL.path
    }

    /// Starts a dedicated emulator (e.g. one that delivers webhooks); `stop()` it afterwards.
    /// Exports finish after `exportDelayMs` (the emulator's own default is 200).
    static func start(extra: [String] = [], exportDelayMs: Int = 100) throws -> Emulator {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary())
        p.arguments = ["--addr", "127.0.0.1:0", "--export-delay-ms", String(exportDelayMs)] + extra
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // The first line is exactly `listening on http://HOST:PORT`.
        var line = Data()
        let reader = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty || Date() > deadline {
                p.terminate()
                throw NSError(domain: "emulator", code: 1, userInfo: [NSLocalizedDescriptionKey: "the emulator did not start"])
            }
            line.append(chunk)
        }
        let first = String(decoding: line, as: UTF8.self).split(separator: "\n")[0]
        guard first.hasPrefix("listening on http://") else {
            p.terminate()
            throw NSError(domain: "emulator", code: 2, userInfo: [NSLocalizedDescriptionKey: "unexpected first line: \(first)"])
        }
        // Keep draining stdout so that the emulator never blocks on a full pipe.
        reader.readabilityHandler = { h in _ = h.availableData }
        return Emulator(baseUrl: String(first.dropFirst("listening on ".count)), appId: "emulator",
                        secret: "emulator-secret", process: p)
    }

    /// Kills a started emulator. Not with SIGTERM: a child of Foundation's `Process` on Linux
    /// inherits the signal mask of the spawning thread, and the test threads block SIGTERM and
    /// SIGINT, so the emulator would never see them.
    func stop() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGKILL)
        let until = Date().addingTimeInterval(5)
        while p.isRunning && Date() < until { usleep(10_000) }
    }

    /// A client of this emulator; the defaults keep failing tests short.
    func client(secret: String? = nil, timeoutMs: UInt64 = 10_000, maxRetries: UInt32 = 2,
                maxResponseBytes: UInt64 = 33_554_432) throws -> Client {
        try Client(appId: appId, secret: secret ?? self.secret, baseUrl: baseUrl, timeoutMs: timeoutMs,
                   connectTimeoutMs: 5_000, maxRetries: maxRetries, retryBaseDelayMs: 10,
                   retryMaxDelayMs: 50, maxResponseBytes: maxResponseBytes)
    }

    // MARK: admin API (no auth, never faulted)

    @discardableResult
    func admin(_ method: String, _ path: String, json body: Any? = nil) throws -> Any {
        var req = URLRequest(url: URL(string: "\(baseUrl)/_emulator\(path)")!)
        req.httpMethod = method
        req.timeoutInterval = 10
        if let body {
            req.httpBody = try JSONSerialization.data(withJSONObject: body)
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, status) = try HTTP.send(req)
        guard status == 200 else {
            throw NSError(domain: "emulator", code: status,
                          userInfo: [NSLocalizedDescriptionKey: "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))"])
        }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// `GET /_emulator/stats`.
    func stats() throws -> [String: Any] { try admin("GET", "/stats") as! [String: Any] }

    /// A counter of `stats()`.
    func stat(_ name: String) throws -> Int { (try stats()[name] as? NSNumber)?.intValue ?? -1 }

    /// The number of `/api` requests received so far.
    func requests() throws -> Int { try stat("requests") }

    /// `POST /_emulator/faults`.
    func faults(_ fields: [String: Any]) throws { try admin("POST", "/faults", json: fields) }

    /// Turns every fault off.
    func noFaults() throws {
        try faults(["error_500": 0, "error_503": 0, "rate_limit_429": 0, "latency": 0, "drop_before": 0, "drop_after": 0])
    }

    /// The comments the emulator stores for a room (its own view, not the client's).
    func roomComments(_ roomId: Int64) throws -> [[String: Any]] {
        (try admin("GET", "/rooms/\(roomId)/comments") as! [String: Any])["comments"] as! [[String: Any]]
    }
}

/// Synchronous HTTP through URLSession (for the emulator's admin API and nothing else).
enum HTTP {
    private final class Box: @unchecked Sendable {
        var data = Data()
        var status = 0
        var error: Error?
    }

    static func send(_ req: URLRequest) throws -> (Data, Int) {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: req) { data, response, error in
            box.data = data ?? Data()
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw error }
        return (box.data, box.status)
    }
}

/// Unique e-mail addresses: test classes share an emulator (and reruns share it too).
enum Emails {
    private static let lock = NSLock()
    private static var counter = 0

    static func make(_ tag: String = "user") -> String {
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        return "\(tag)-\(n)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
    }
}

/// A test class with the shared emulator and its own client.
class EmulatorTestCase: XCTestCase {
    var emu: Emulator { Emulator.shared }
    private(set) var client: Client!

    override func setUpWithError() throws {
        try super.setUpWithError()
        client = try emu.client()
    }

    override func tearDownWithError() throws {
        client?.shutdown()
        client = nil
        try super.tearDownWithError()
    }

    /// Registers a user with a unique e-mail.
    func user(_ name: String = "User") throws -> User {
        try client.loginOrRegisterBlocking(params: LoginOrRegisterParams(email: Emails.make(name.lowercased()), username: name))
    }
}

/// The `QiscusError` a block throws (failing the test when it throws nothing or something else).
func qiscusError(_ block: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> QiscusError? {
    do {
        try await block()
        XCTFail("expected a QiscusError, nothing was thrown", file: file, line: line)
    } catch let e as QiscusError {
        return e
    } catch {
        XCTFail("expected a QiscusError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// The error a block throws, whatever its type.
func anyError(_ block: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> Error? {
    do {
        try await block()
        XCTFail("expected an error, nothing was thrown", file: file, line: line)
    } catch {
        return error
    }
    return nil
}

/// Parses JSON text (objects, arrays, scalars).
func parseJson(_ text: String?) -> Any? {
    guard let text else { return nil }
    return try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// Asserts that two JSON texts hold the same value (key order aside).
func assertJsonEqual(_ expected: String, _ actual: String?, file: StaticString = #filePath, line: UInt = #line) {
    guard let e = parseJson(expected) as? NSObject, let a = parseJson(actual) as? NSObject else {
        return XCTFail("not JSON: \(String(describing: actual))", file: file, line: line)
    }
    XCTAssertEqual(e, a, "JSON \(String(describing: actual))", file: file, line: line)
}

/// Asserts that a JSON value (from JSONSerialization) equals a JSON text's value.
func assertJsonValue(_ value: Any?, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let e = parseJson(expected) as? NSObject, let a = value as? NSObject else {
        return XCTFail("not JSON: \(String(describing: value))", file: file, line: line)
    }
    XCTAssertEqual(e, a, file: file, line: line)
}

/// Today's UTC date plus `days`, as `YYYY-MM-DD`.
func utcDay(_ days: Int) -> String {
    let f = DateFormatter()
    f.calendar = Calendar(identifier: .gregorian)
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: Date().addingTimeInterval(Double(days) * 86_400))
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
