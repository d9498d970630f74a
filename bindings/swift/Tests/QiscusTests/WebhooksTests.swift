import Foundation
import Glibc
import XCTest
import Qiscus

/// Webhook helpers (sign, verify, parse, receive), against bodies the emulator really sends.
final class WebhooksTests: XCTestCase {
    private let token = Data("webhook-token".utf8)

    private let body = Data("""
        {"type":"post_comment_rest","payload":{
          "from":{"id":1,"email":"user1@example.com","name":"User1"},
          "room":{"id":7,"topic_id":7,"type":"group","name":"ini grup","participants":[
            {"id":1,"email":"user1@example.com","username":"User1","avatar_url":"http://avatar1.jpg"},
            {"id":2,"email":"user2@example.com","username":"User2","avatar_url":"http://avatar2.jpg"}]},
          "message":{"type":"text","text":"ini pesan","payload":{}}}}
        """.utf8)

    func testSignIsTheHexHmacSha256OfTheBody() {
        // RFC 4231, test case 1.
        XCTAssertEqual(signWebhookBody(token: Data(repeating: 0x0b, count: 20), body: Data("Hi There".utf8)),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let sig = signWebhookBody(token: token, body: body)
        XCTAssertEqual(sig.count, 64)
        XCTAssertTrue(sig.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        XCTAssertEqual(signWebhookBody(token: token, body: body), sig)
        XCTAssertNotEqual(signWebhookBody(token: Data("other".utf8), body: body), sig)
    }

    func testVerifyAcceptsTheSignatureAndRefusesAnythingElse() async throws {
        let sig = signWebhookBody(token: token, body: body)
        try verifyWebhookSignature(token: token, body: body, signature: sig)
        try verifyWebhookSignature(token: token, body: body, signature: sig.uppercased())
        let wrong = await qiscusError { try verifyWebhookSignature(token: self.token, body: self.body + Data(" ".utf8), signature: sig) }
        guard case let .InvalidSignature(reason)? = wrong else { return XCTFail("\(String(describing: wrong))") }
        XCTAssertTrue(reason.contains("does not match"), reason)
        let missing = await qiscusError { try verifyWebhookSignature(token: self.token, body: self.body, signature: nil) }
        guard case let .InvalidSignature(mreason)? = missing else { return XCTFail("\(String(describing: missing))") }
        XCTAssertTrue(mreason.contains("no QISCUS-SDK-SIGNATURE"), mreason)
        let malformed = await qiscusError { try verifyWebhookSignature(token: self.token, body: self.body, signature: "zz") }
        guard case .InvalidSignature? = malformed else { return XCTFail("\(String(describing: malformed))") }
    }

    func testParseReturnsTheTypedEvent() async throws {
        let e = try parseWebhookEvent(body: body)
        XCTAssertEqual(e.eventType, "post_comment_rest")
        XCTAssertEqual(e.payload.from.email, "user1@example.com")
        XCTAssertEqual(e.payload.from.name, "User1")
        XCTAssertEqual(e.payload.room.id, 7)
        XCTAssertEqual(e.payload.room.roomType, "group")
        XCTAssertEqual(e.payload.room.name, "ini grup")
        XCTAssertEqual(e.payload.room.participants.map(\.email), ["user1@example.com", "user2@example.com"])
        XCTAssertEqual(e.payload.message.text, "ini pesan")
        XCTAssertEqual(e.payload.message.payload, .text)

        let bad = await qiscusError { _ = try parseWebhookEvent(body: Data("{not json".utf8)) }
        guard case let .Decode(call, _, excerpt)? = bad else { return XCTFail("\(String(describing: bad))") }
        XCTAssertEqual(call, "webhook")
        XCTAssertTrue(excerpt.contains("not json"), excerpt)
    }

    func testReceiveFindsTheHeaderInAnyCase() async throws {
        let sig = signWebhookBody(token: token, body: body)
        let e = try receiveWebhook(token: token, headers: ["Content-Type": "application/json", "qiscus-sdk-signature": sig], body: body)
        XCTAssertEqual(e.payload.message.text, "ini pesan")
        let none = await qiscusError { _ = try receiveWebhook(token: self.token, headers: ["Content-Type": "application/json"], body: self.body) }
        guard case .InvalidSignature? = none else { return XCTFail("\(String(describing: none))") }
        let other = await qiscusError { _ = try receiveWebhook(token: Data("nope".utf8), headers: ["QISCUS-SDK-SIGNATURE": sig], body: self.body) }
        guard case .InvalidSignature? = other else { return XCTFail("\(String(describing: other))") }
    }

    func testAWebhookTheEmulatorDeliversIsReceived() async throws {
        let server = try HookServer()
        defer { server.close() }
        let emu = try Emulator.start(extra: ["--webhook-url", "http://127.0.0.1:\(server.port)/hook", "--webhook-token", "webhook-token"])
        defer { emu.stop() }
        let c = try emu.client()
        defer { c.shutdown() }
        let a = try await c.loginOrRegister(params: LoginOrRegisterParams(email: Emails.make("hook"), username: "Hooked"))
        let b = try c.loginOrRegisterBlocking(params: LoginOrRegisterParams(email: Emails.make("hook"), username: "Other"))
        let room = try await c.createRoom(params: CreateRoomParams(name: "Hooks", participants: [b.email], creator: a.email)).roomId
        let posted = try await c.postComment(params: PostCommentParams(
            roomId: room, senderEmail: a.email, message: "with a hook",
            payload: .custom(CustomPayload(customType: "promo", content: #"{"discount":10}"#))))

        let (headers, bytes) = try XCTUnwrap(server.receive(timeout: 10), "no webhook arrived")
        let event = try receiveWebhook(token: token, headers: headers, body: bytes)
        XCTAssertEqual(event.eventType, "post_comment_rest")
        XCTAssertEqual(event.payload.from.email, a.email)
        XCTAssertEqual(event.payload.room.id, room)
        XCTAssertEqual(event.payload.room.name, "Hooks")
        XCTAssertEqual(event.payload.message.id, posted.id)
        XCTAssertEqual(event.payload.message.text, "with a hook")
        guard case let .custom(custom) = event.payload.message.payload else { return XCTFail("\(event.payload.message.payload)") }
        XCTAssertEqual(custom.customType, "promo")
        assertJsonEqual(#"{"discount":10}"#, custom.content)
    }

    func testUniqueTempIdsAndTimestamps() {
        XCTAssertEqual(Set((1...100).map { _ in newUniqueTempId() }).count, 100)
        XCTAssertEqual(timestampToUnixMillis(timestamp: "2017-05-11T19:14:24Z"), 1_494_530_064_000)
        XCTAssertEqual(timestampToUnixMillis(timestamp: "2017-05-11T19:14:24.000000Z"), 1_494_530_064_000)
        XCTAssertNil(timestampToUnixMillis(timestamp: "yesterday"))
    }
}

/// A one-request-at-a-time HTTP/1.1 server on a loopback port (Foundation on Linux has none):
/// enough to receive the emulator's webhook POSTs.
final class HookServer {
    private let fd: Int32
    let port: UInt16

    init() throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(s, $0, len) }
        }
        guard bound == 0, listen(s, 16) == 0 else { Glibc.close(s); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        port = UInt16(bigEndian: addr.sin_port)
    }

    func close() { Glibc.close(fd) }

    /// Waits for one request; answers 200 and returns its headers and body.
    func receive(timeout: Double) -> ([String: String], Data)? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        let conn = accept(fd, nil, nil)
        guard conn >= 0 else { return nil }
        defer { Glibc.close(conn) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65_536)
        var headers: [String: String] = [:]
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if let end = headerEnd, data.count - end >= contentLength { break }
            var rfd = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
            guard poll(&rfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
            let n = read(conn, &buf, buf.count)
            guard n > 0 else { return nil }
            data.append(contentsOf: buf[0..<n])
            if headerEnd == nil, let r = data.range(of: Data("\r\n\r\n".utf8)) {
                headerEnd = r.upperBound
                let head = String(decoding: data[..<r.lowerBound], as: UTF8.self)
                for line in head.components(separatedBy: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
                    headers[name] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                }
                contentLength = headers.first { $0.key.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            }
        }
        let reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = reply.withCString { write(conn, $0, strlen($0)) }
        return (headers, Data(data[headerEnd!..<(headerEnd! + contentLength)]))
    }
}
