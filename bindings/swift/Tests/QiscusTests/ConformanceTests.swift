import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import Qiscus

/// The Swift runner of the conformance suite (tests/conformance/README.md), a mirror of the
/// reference runner tests/conformance/src/runner.rs: every scenario file, in file-name order,
/// against a reset emulator; the engine (`ConformanceScenario`) hands out the steps and checks
/// them, this file only makes the clients, calls the async methods and reads the errors. The
/// transcript goes to `$QISCUS_CONFORMANCE_DIR/swift.json` (default `<repo>/target/conformance`).
final class ConformanceTests: XCTestCase {

    /// <repo>, from this file's path (Tests/QiscusTests/ConformanceTests.swift); the repository
    /// is bound at the same path inside the Swift root.
    private static let repo = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../..").standardizedFileURL

    func testEveryScenario() async throws {
        let dir = Self.repo.appendingPathComponent("tests/conformance/scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".json") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        XCTAssertFalse(files.isEmpty, "no scenario in \(dir.path)")

        // An emulator of its own, configured as the reference runner's (export delay 200 ms).
        let emu = try Emulator.start(exportDelayMs: 200)
        defer { emu.stop() }

        var transcripts: [String] = []
        var failed: [String] = []
        for file in files {
            try emu.admin("POST", "/reset")
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let scenario = try ConformanceScenario(json: text, baseUrl: emu.baseUrl)
            while let step = scenario.nextStep() {
                do {
                    scenario.recordOk(outcome: try await run(step, on: emu))
                } catch let error as QiscusError {
                    scenario.recordError(error: observed(error))
                } catch {
                    XCTFail("\(file) step \(step.index): not a QiscusError: \(type(of: error)): \(error)")
                    scenario.recordError(error: ObservedError(kind: "Swift.\(type(of: error))", reason: "\(error)"))
                }
            }
            let failures = scenario.failures()
            if !failures.isEmpty {
                failed.append("FAILED \(file):\n  " + failures.joined(separator: "\n  "))
            }
            transcripts.append(scenario.transcriptJson())
        }

        // The transcripts are JSON text already: joined as they are, so that no number or
        // string is re-encoded on the way.
        let env = ProcessInfo.processInfo.environment
        let out = env["QISCUS_CONFORMANCE_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? Self.repo.appendingPathComponent("target/conformance")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let doc = #"{"language": "swift", "scenarios": ["# + transcripts.joined(separator: ",\n") + "]}\n"
        try Data(doc.utf8).write(to: out.appendingPathComponent("swift.json"))
        print("conformance (swift): scenarios=\(files.count) failed=\(failed.count) -> \(out.appendingPathComponent("swift.json").path)")
        for f in failed { print(f) }
        XCTAssertEqual(failed, [], "scenarios failed")
    }

    /// The client of a step: the emulator's app, secret and URL and no retries, with the step's
    /// overrides; every other setting at the constructor's default.
    private func client(_ emu: Emulator, _ options: ClientOptions?) throws -> Client {
        let o = options ?? ClientOptions(secret: nil, baseUrl: nil, maxRetries: nil, timeoutMs: nil, maxResponseBytes: nil,
                                         retryBaseDelayMs: nil)
        return try Client(appId: emu.appId, secret: o.secret ?? emu.secret, baseUrl: o.baseUrl ?? emu.baseUrl,
                          timeoutMs: o.timeoutMs ?? 30_000, maxRetries: o.maxRetries ?? 0,
                          retryBaseDelayMs: o.retryBaseDelayMs ?? 100, maxResponseBytes: o.maxResponseBytes ?? 33_554_432)
    }

    /// Runs one step with the binding's async methods (the client is made only for the calls
    /// that need one) and wraps the result in the outcome of its type.
    private func run(_ step: ConformanceStep, on emu: Emulator) async throws -> ConformanceOutcome {
        let c = { try self.client(emu, step.client) }
        switch step.call {
        case let .loginOrRegister(params): return .ofUser(value: try await c().loginOrRegister(params: params))
        case let .userProfile(userEmail): return .ofUser(value: try await c().userProfile(userEmail: userEmail))
        case let .resetUserToken(userEmail): return .ofUser(value: try await c().resetUserToken(userEmail: userEmail))
        case let .getUserRooms(params): return .ofUserRooms(value: try await c().getUserRooms(params: params))
        case let .createRoom(params): return .ofRoomSummary(value: try await c().createRoom(params: params))
        case let .updateRoom(params): return .ofUpdatedRoom(value: try await c().updateRoom(params: params))
        case let .getOrCreateRoomWithTarget(emails):
            return .ofRoomWithComments(value: try await c().getOrCreateRoomWithTarget(emails: emails))
        case let .getRoomsInfo(params): return .ofRoomInfos(value: try await c().getRoomsInfo(params: params))
        case let .addRoomParticipants(roomId, emails):
            return .ofRoomSummary(value: try await c().addRoomParticipants(roomId: roomId, emails: emails))
        case let .removeRoomParticipants(roomId, emails):
            return .ofRoomSummary(value: try await c().removeRoomParticipants(roomId: roomId, emails: emails))
        case let .postComment(params): return .ofComment(value: try await c().postComment(params: params))
        case let .loadComments(params): return .ofComments(value: try await c().loadComments(params: params))
        case let .postSystemEventMessage(params): return .ofComment(value: try await c().postSystemEventMessage(params: params))
        case let .searchMessages(params): return .ofComments(value: try await c().searchMessages(params: params))
        case let .createExport(params): return .ofExport(value: try await c().createExport(params: params))
        case let .listExports(page): return .ofExports(value: try await c().listExports(page: page))
        case let .getExport(uniqueId): return .ofExport(value: try await c().getExport(uniqueId: uniqueId))
        case let .deleteExport(uniqueId): return .ofExport(value: try await c().deleteExport(uniqueId: uniqueId))
        case let .downloadExport(export): return .ofRows(value: try await c().downloadExport(export: export))
        case let .createImport(params): return .ofImport(value: try await c().createImport(params: params))
        case let .listImports(page): return .ofImports(value: try await c().listImports(page: page))
        case let .exportAndDownload(resource, startDate, endDate, pollIntervalMs, timeoutMs):
            return .ofBackupRows(value: try await c().exportAndDownload(
                resource: resource, startDate: startDate, endDate: endDate, pollIntervalMs: pollIntervalMs, timeoutMs: timeoutMs))
        case let .importRows(batch, maxFileBytes, pollIntervalMs, timeoutMs):
            return .ofImportReport(value: try await c().importRows(
                batch: batch, maxFileBytes: maxFileBytes, pollIntervalMs: pollIntervalMs, timeoutMs: timeoutMs))
        case let .roomsPager(userEmail): return .ofRoomPages(value: try await allPages(c().roomsPager(userEmail: userEmail)))
        case let .commentsPager(params): return .ofCommentPages(value: try await allPages(c().commentsPager(params: params)))
        case .exportsPager: return .ofExportPages(value: try await allPages(c().exportsPager()))
        case .importsPager: return .ofImportPages(value: try await allPages(c().importsPager()))
        case let .signWebhookBody(token, body): return .ofText(value: signWebhookBody(token: token, body: body))
        case let .verifyWebhookSignature(token, body, signature):
            try verifyWebhookSignature(token: token, body: body, signature: signature)
            return .done
        case let .parseWebhookEvent(body): return .ofWebhookEvent(value: try parseWebhookEvent(body: body))
        case let .receiveWebhook(token, headers, body):
            return .ofWebhookEvent(value: try receiveWebhook(token: token, headers: headers, body: body))
        case let .timestampToUnixMillis(timestamp): return .ofMillis(value: timestampToUnixMillis(timestamp: timestamp))
        case let .emulator(method, path, bodyJson): return emulatorRequest(emu, method, path, bodyJson)
        }
    }

    /// Every page of a pager, fetched one after the other.
    private func allPages<P: QiscusPager>(_ pager: P) async throws -> [[P.Item]] {
        var pages: [[P.Item]] = []
        while let page = try await pager.nextPage() { pages.append(page) }
        return pages
    }

    /// An admin request with Foundation's HTTP client; a transport failure is status 0 with the
    /// error's text as the body.
    private func emulatorRequest(_ emu: Emulator, _ method: String, _ path: String, _ bodyJson: String?) -> ConformanceOutcome {
        var req = URLRequest(url: URL(string: emu.baseUrl + path)!)
        req.httpMethod = method == "POST" ? "POST" : "GET"
        req.timeoutInterval = 30
        if let bodyJson {
            req.httpBody = Data(bodyJson.utf8)
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, status) = try HTTP.send(req)
            return .ofEmulatorAnswer(status: UInt16(status), body: String(decoding: data, as: UTF8.self))
        } catch {
            return .ofEmulatorAnswer(status: 0, body: "\(error)")
        }
    }

    /// The error as the engine expects it: the variant's Rust name and the fields the core's
    /// `From<&Error> for ObservedError` fills for that variant.
    private func observed(_ e: QiscusError) -> ObservedError {
        switch e {
        case let .Api(call, status, reason, detailed, _, attempts, _):
            return ObservedError(kind: "Api", call: call, status: status, reason: reason, detailedMessages: detailed, attempts: attempts)
        case let .Unauthorized(call, reason, detailed):
            return ObservedError(kind: "Unauthorized", call: call, reason: reason, detailedMessages: detailed)
        case let .NotFound(call, reason, detailed):
            return ObservedError(kind: "NotFound", call: call, reason: reason, detailedMessages: detailed)
        case let .RateLimited(call, retryAfter, reason, attempts, _):
            // Duration crosses as seconds (a Double); back to whole milliseconds, truncated as
            // Rust's as_millis() does, after rounding away the float error at microseconds.
            let ms = retryAfter.map { UInt64(($0 * 1_000_000).rounded()) / 1_000 }
            return ObservedError(kind: "RateLimited", call: call, reason: reason, attempts: attempts, retryAfterMs: ms)
        case let .Timeout(call, attempts, _):
            return ObservedError(kind: "Timeout", call: call, attempts: attempts)
        case let .Connection(call, reason, attempts, _):
            return ObservedError(kind: "Connection", call: call, reason: reason, attempts: attempts)
        case let .Decode(call, reason, _):
            return ObservedError(kind: "Decode", call: call, reason: reason)
        case let .ResponseTooLarge(call, limitBytes):
            return ObservedError(kind: "ResponseTooLarge", call: call, limitBytes: limitBytes)
        case let .InvalidInput(field, reason):
            return ObservedError(kind: "InvalidInput", field: field, reason: reason)
        case let .InvalidSignature(reason):
            return ObservedError(kind: "InvalidSignature", reason: reason)
        case let .Internal(reason):
            return ObservedError(kind: "Internal", reason: reason)
        case let .Config(field, reason):
            return ObservedError(kind: "Config", field: field, reason: reason)
        }
    }
}
