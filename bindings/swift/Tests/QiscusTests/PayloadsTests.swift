import Foundation
import XCTest
import Qiscus

/// Every payload type: posted, answered, loaded back, and as the emulator stored it on the wire.
/// Async and blocking forms alternate. `JsonValue` is JSON text (a `String`) in Swift.
final class PayloadsTests: EmulatorTestCase {
    private var alice: User!
    private var bob: User!
    private var room: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        alice = try user("Alice")
        bob = try user("Bob")
        room = try client.createRoomBlocking(params: CreateRoomParams(name: "Payloads", participants: [bob.email], creator: alice.email)).roomId
    }

    /// Posts, then returns (answer, loaded back, the emulator's stored JSON comment).
    private func roundTrip(_ payload: Payload, _ message: String = "", blocking: Bool = false,
                           file: StaticString = #filePath, line: UInt = #line) async throws -> (Comment, Comment, [String: Any]) {
        let params = PostCommentParams(roomId: room, senderEmail: alice.email, message: message, payload: payload)
        let posted = blocking ? try client.postCommentBlocking(params: params) : try await client.postComment(params: params)
        let loaded = try await client.loadComments(params: LoadCommentsParams(roomId: room, limit: 1))
        XCTAssertEqual(loaded.count, 1, file: file, line: line)
        XCTAssertEqual(loaded.first?.id, posted.id, file: file, line: line)
        // The answer to the post and the loaded comment carry different optional fields
        // (room name vs topic id and unix timestamp); what was posted is the same.
        XCTAssertEqual(loaded.first?.payload, posted.payload, file: file, line: line)
        XCTAssertEqual(loaded.first?.message, posted.message, file: file, line: line)
        XCTAssertEqual(loaded.first?.email, posted.email, file: file, line: line)
        XCTAssertEqual(loaded.first?.uniqueTempId, posted.uniqueTempId, file: file, line: line)
        XCTAssertEqual(loaded.first?.roomId, room, file: file, line: line)
        let stored = try XCTUnwrap(try emu.roomComments(room).last, file: file, line: line)
        XCTAssertEqual((stored["id"] as? NSNumber)?.int64Value, posted.id, file: file, line: line)
        return (posted, try XCTUnwrap(loaded.first), stored)
    }

    private func storedPayload(_ stored: [String: Any]) -> [String: Any] { stored["payload"] as? [String: Any] ?? [:] }

    private let buttons = [
        Button(label: "Yes", buttonType: "postback",
               payload: ButtonAction(url: "https://bot.example/postback", method: "post", payload: #"{"answer":"yes"}"#)),
        Button(label: "Docs", buttonType: "link", payload: ButtonAction(url: "https://docs.example/", method: "get", payload: nil)),
    ]

    func testText() async throws {
        let (posted, _, stored) = try await roundTrip(.text, "plain text")
        XCTAssertEqual(posted.payload, .text)
        XCTAssertEqual(posted.message, "plain text")
        XCTAssertEqual(stored["type"] as? String, "text")
    }

    func testReply() async throws {
        let first = try client.postCommentBlocking(params: PostCommentParams(roomId: room, senderEmail: bob.email, message: "the question", payload: .text))
        let (posted, _, stored) = try await roundTrip(.reply(ReplyPayload(text: "the answer", repliedCommentId: first.id)), "the answer", blocking: true)
        guard case let .reply(r) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(r.repliedCommentId, first.id)
        XCTAssertEqual(r.text, "the answer")
        XCTAssertEqual(stored["type"] as? String, "reply")
        XCTAssertEqual((storedPayload(stored)["replied_comment_id"] as? NSNumber)?.int64Value, first.id)
    }

    func testAccountLinking() async throws {
        let sent = AccountLinkingPayload(text: "Please log in", url: "https://login.example/", redirectUrl: "https://app.example/done",
                                         params: #"{"button_text":"Log in","user_id":"u-1","view_title":"Login"}"#)
        let (posted, _, stored) = try await roundTrip(.accountLinking(sent))
        guard case let .accountLinking(got) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(got.text, sent.text)
        XCTAssertEqual(got.url, sent.url)
        XCTAssertEqual(got.redirectUrl, sent.redirectUrl)
        assertJsonEqual(sent.params!, got.params)
        XCTAssertEqual(posted.message, "Please log in")
        XCTAssertEqual(stored["type"] as? String, "account_linking")
        XCTAssertEqual(storedPayload(stored)["redirect_url"] as? String, "https://app.example/done")
    }

    func testButtons() async throws {
        let (posted, _, stored) = try await roundTrip(.buttons(ButtonsPayload(text: "Agree?", buttons: buttons)), blocking: true)
        guard case let .buttons(got) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(got.text, "Agree?")
        XCTAssertEqual(got.buttons.map(\.label), ["Yes", "Docs"])
        XCTAssertEqual(got.buttons.map(\.buttonType), ["postback", "link"])
        assertJsonEqual(#"{"answer":"yes"}"#, got.buttons[0].payload.payload)
        XCTAssertEqual(got.buttons[0].payload.url, "https://bot.example/postback")
        XCTAssertEqual(got.buttons[0].payload.method, "post")
        XCTAssertEqual(got.buttons[1].payload.url, "https://docs.example/")
        XCTAssertEqual(got.buttons[1].payload.method, "get")
        XCTAssertEqual(stored["type"] as? String, "buttons")
    }

    func testCardWhoseImageComesBack() async throws {
        let sent = CardPayload(text: "A card", image: "https://img.example/card.png", title: "Title", description: "Description",
                               url: "https://shop.example/item", buttons: Array(buttons.prefix(1)))
        let (posted, _, stored) = try await roundTrip(.card(sent))
        guard case let .card(got) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(got, sent)
        XCTAssertEqual(got.image, "https://img.example/card.png")
        XCTAssertEqual(storedPayload(stored)["image"] as? String, "https://img.example/card.png")
        XCTAssertEqual(stored["type"] as? String, "card")
    }

    func testCarousel() async throws {
        let cards = [
            CarouselCard(image: "https://img.example/1.png", title: "One", description: "First",
                         defaultAction: #"{"type":"postback","payload":{"id":1}}"#, buttons: buttons),
            CarouselCard(image: "https://img.example/2.png", title: "Two", description: "Second", defaultAction: nil,
                         buttons: Array(buttons.prefix(1))),
        ]
        let (posted, loaded, stored) = try await roundTrip(.carousel(CarouselPayload(cards: cards)), "two cards", blocking: true)
        guard case let .carousel(got) = loaded.payload else { return XCTFail("\(loaded.payload)") }
        XCTAssertEqual(got.cards.map(\.title), ["One", "Two"])
        XCTAssertEqual(got.cards.map(\.image), ["https://img.example/1.png", "https://img.example/2.png"])
        assertJsonEqual(#"{"type":"postback","payload":{"id":1}}"#, got.cards[0].defaultAction)
        XCTAssertNil(got.cards[1].defaultAction)
        XCTAssertEqual(got.cards.map(\.buttons.count), [2, 1])
        XCTAssertEqual(posted.message, "two cards")
        XCTAssertEqual(stored["type"] as? String, "carousel")
    }

    func testCustom() async throws {
        let content = #"{"date":"2017-09-09","items":[1,2.5,"three"],"nested":{"ok":true,"none":null}}"#
        let (posted, _, stored) = try await roundTrip(.custom(CustomPayload(customType: "promo", content: content)), "a promo")
        guard case let .custom(got) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(got.customType, "promo")
        assertJsonEqual(content, got.content)
        XCTAssertEqual(stored["type"] as? String, "custom")
        XCTAssertEqual(storedPayload(stored)["type"] as? String, "promo")
        assertJsonValue(storedPayload(stored)["content"], content)
    }

    func testLocation() async throws {
        let sent = LocationPayload(name: "Monas", address: "Jakarta", latitude: -6.175392, longitude: 106.827153, mapUrl: "https://maps.example/?q=monas")
        let (posted, _, stored) = try await roundTrip(.location(sent), blocking: true)
        XCTAssertEqual(posted.payload, .location(sent))
        XCTAssertEqual(stored["type"] as? String, "location")
        XCTAssertEqual((storedPayload(stored)["latitude"] as? NSNumber)?.doubleValue, -6.175392)
    }

    func testContactPerson() async throws {
        let sent = ContactPersonPayload(name: "Support", value: "support@example.com", contactType: "email")
        let (posted, _, stored) = try await roundTrip(.contactPerson(sent))
        XCTAssertEqual(posted.payload, .contactPerson(sent))
        XCTAssertEqual(posted.message, "Support - support@example.com")
        XCTAssertEqual(stored["type"] as? String, "contact_person")
    }

    func testFileAttachment() async throws {
        let sent = FileAttachmentPayload(url: "https://files.example/report.pdf", caption: "The report", fileName: "report.pdf", size: 123_456, pages: 7)
        let (posted, _, stored) = try await roundTrip(.fileAttachment(sent), blocking: true)
        XCTAssertEqual(posted.payload, .fileAttachment(sent))
        XCTAssertEqual(stored["type"] as? String, "file_attachment")
        XCTAssertEqual((storedPayload(stored)["pages"] as? NSNumber)?.intValue, 7)
    }

    func testButtonPostbackResponse() async throws {
        let sent = ButtonPostbackResponsePayload(url: "https://bot.example/hook", method: "post", payload: #"{"answer":"yes","n":2}"#)
        let (posted, _, stored) = try await roundTrip(.buttonPostbackResponse(sent), "yes")
        guard case let .buttonPostbackResponse(got) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(got.url, sent.url)
        XCTAssertEqual(got.method, sent.method)
        assertJsonEqual(sent.payload!, got.payload)
        XCTAssertEqual(stored["type"] as? String, "button_postback_response")
    }

    func testUnknownTypeItsJsonRoundTripping() async throws {
        // Compact, keys in order: the text comes back exactly as sent.
        let json = #"{"nested":{"n":1.5,"none":null,"ok":true},"options":["rice","noodles"],"question":"Lunch? \"today\" ✓"}"#
        let (posted, loaded, stored) = try await roundTrip(.unknown(typeName: "poll", payload: json), "a poll", blocking: true)
        guard case let .unknown(typeName, payload) = posted.payload else { return XCTFail("\(posted.payload)") }
        XCTAssertEqual(typeName, "poll")
        XCTAssertEqual(payload, json)
        XCTAssertEqual(loaded.payload, posted.payload)
        XCTAssertEqual(stored["type"] as? String, "poll")
        assertJsonValue(stored["payload"], json)
    }

    func testInvalidJsonTextIsRefused() async throws {
        let before = try emu.requests()
        let params = PostCommentParams(roomId: room, senderEmail: alice.email, message: "x",
                                       payload: .custom(CustomPayload(customType: "promo", content: "{not json")))
        // The text is parsed while the arguments cross into Rust: the library refuses it as
        // invalid input naming `json`, before anything is sent.
        for blocking in [true, false] {
            let e = await anyError {
                _ = blocking ? try self.client.postCommentBlocking(params: params) : try await self.client.postComment(params: params)
            }
            let text = "\(String(describing: e))"
            XCTAssertEqual((e as? QiscusError)?.field, "json", text)
        }
        XCTAssertEqual(try emu.requests(), before, "nothing was sent")
    }

    func testSystemEventsEveryKind() async throws {
        let carol = try user("Carol")
        _ = try await client.addRoomParticipants(roomId: room, emails: [carol.email])
        let events: [(SystemEvent, String)] = [
            (.createRoom(roomName: "Payloads"), "create_room"),
            (.addMember(objectEmails: [carol.email]), "add_member"),
            (.joinRoom, "join_room"),
            (.removeMember(objectEmails: [carol.email]), "remove_member"),
            (.leftRoom, "left_room"),
            (.changeRoomName(roomName: "New name"), "change_room_name"),
            (.changeRoomAvatar, "change_room_avatar"),
            (.custom(payload: #"{"type":"maintenance","minutes":5}"#, message: "Back in 5 minutes"), "maintenance"),
        ]
        for (i, (event, type)) in events.enumerated() {
            let params = SystemEventParams(roomId: room, subjectEmail: alice.email, event: event)
            let c = i % 2 == 0 ? try client.postSystemEventMessageBlocking(params: params) : try await client.postSystemEventMessage(params: params)
            guard case let .systemEvent(p) = c.payload else { XCTFail("\(c.payload)"); continue }
            XCTAssertEqual(p.eventType, type, "\(event)")
            if case .custom = event {
                // Posted by the System user: the payload comes back as given, without a subject.
                XCTAssertNil(p.subjectEmail)
            } else {
                XCTAssertEqual(p.subjectEmail, alice.email, "\(event)")
            }
            switch event {
            case .addMember, .removeMember: XCTAssertEqual(p.objectEmail, carol.email)
            case .changeRoomName: XCTAssertEqual(p.roomName, "New name")
            case .custom:
                XCTAssertEqual(c.message, "Back in 5 minutes")
                XCTAssertEqual((parseJson(p.extra) as? [String: Any])?["minutes"] as? Int, 5, "\(String(describing: p.extra))")
            default: break
            }
            XCTAssertEqual(try emu.roomComments(room).last?["type"] as? String, "system_event")
        }
    }
}
