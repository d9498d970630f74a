// The quickstart tour of the Swift package: users, a single and a group room, every payload
// type, loading and searching, system events, and an export polled, downloaded and counted.
//
// It talks to the app named by QISCUS_APP_ID and QISCUS_SECRET; QISCUS_BASE_URL optionally
// overrides https://{app id}.qiscus.com, e.g. a local emulator:
//
//     cargo build -p qiscus-emulator && target/debug/qiscus-emulator   # prints its URL
//     bindings/swift/generate.sh
//     QISCUS_BASE_URL=http://127.0.0.1:PORT QISCUS_APP_ID=emulator QISCUS_SECRET=emulator-secret \
//         swift run --package-path bindings/swift QiscusQuickstart
//
// (bindings/swift/test.sh runs it once against its emulator. The target QiscusQuickstart of
// bindings/swift/Package.swift compiles this file through a symbolic link.)
import Foundation
import Qiscus

@main
struct Quickstart {
    static func main() async {
        do {
            // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set throws
            // QiscusError.Config naming the other.
            guard let client = try clientFromEnvironment() else {
                FileHandle.standardError.write(Data("set QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL for an emulator)\n".utf8))
                exit(2)
            }
            // Every call is `async throws` (each also has a `...Blocking` twin). The client
            // releases its connections when the last reference goes (or on shutdown()).
            defer { client.shutdown() }
            print("using app \(try client.appId())")
            let summary = try await tour(client)
            print("done: \(summary)")
            if summary.exportRows != summary.comments {
                FileHandle.standardError.write(Data("the export holds \(summary.exportRows) of the tour's \(summary.comments) comments\n".utf8))
                exit(1)
            }
        } catch let error as QiscusError {
            FileHandle.standardError.write(Data("the tour failed: \(error)\n".utf8))
            exit(1)
        } catch {
            FileHandle.standardError.write(Data("the tour failed: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// What the tour did.
struct TourSummary: CustomStringConvertible {
    let users: Int, rooms: Int, comments: Int, found: Int, exportRows: Int
    var description: String {
        "users=\(users) rooms=\(rooms) comments=\(comments) found=\(found) exportRows=\(exportRows)"
    }
}

/// The case name of a payload, for printing.
func kind(_ payload: Payload) -> String {
    String(describing: payload).split(separator: "(").first.map(String.init) ?? "?"
}

func tour(_ client: Client) async throws -> TourSummary {
    let run = UUID().uuidString.prefix(8).lowercased()

    // Users: created on first use, updated (with a password) afterwards.
    let alice = try await client.loginOrRegister(params: LoginOrRegisterParams(email: "alice-\(run)@example.com", username: "Alice"))
    let bob = try await client.loginOrRegister(params: LoginOrRegisterParams(email: "bob-\(run)@example.com", username: "Bob"))
    let carol = try await client.loginOrRegister(params: LoginOrRegisterParams(email: "carol-\(run)@example.com", username: "Carol"))
    print("users: \(alice.email) (id \(alice.id)), \(bob.email), \(carol.email)")

    // A single room (one per pair of users) and a group room.
    let single = try await client.getOrCreateRoomWithTarget(emails: [alice.email, bob.email]).room
    let group = try await client.createRoom(params: CreateRoomParams(
        name: "Swift tour \(run)", participants: [bob.email, carol.email], creator: alice.email))
    print("rooms: single \(single.id), group \(group.roomId) with \(group.participants.count) participants")

    // Every payload type. JSON values (JsonValue) are JSON text.
    var posted: [Comment] = []
    let hello = try await client.postComment(params: PostCommentParams(
        roomId: single.id, senderEmail: alice.email, message: "Hello Bob, the tour starts", payload: .text))
    posted.append(hello)
    let postback = Button(label: "Yes", buttonType: "postback",
                          payload: ButtonAction(url: "https://bot.example/postback", method: "post", payload: #"{"answer":"yes"}"#))
    let link = Button(label: "Docs", buttonType: "link", payload: ButtonAction(url: "https://www.qiscus.com/", method: "get", payload: nil))
    let payloads: [(String, Payload)] = [
        ("a reply", .reply(ReplyPayload(text: "a reply", repliedCommentId: hello.id))),
        ("", .accountLinking(AccountLinkingPayload(text: "Log in", url: "https://login.example/", redirectUrl: "https://app.example/",
                                                   params: #"{"button_text":"Log in"}"#))),
        ("", .buttons(ButtonsPayload(text: "Join the tour?", buttons: [postback, link]))),
        ("", .card(CardPayload(text: "A card", image: "https://img.example/card.png", title: "Card",
                               description: "A card with a button", url: "https://shop.example/", buttons: [link]))),
        ("two cards", .carousel(CarouselPayload(cards: [
            CarouselCard(image: "https://img.example/1.png", title: "One", description: "First", defaultAction: nil, buttons: [postback]),
            CarouselCard(image: "https://img.example/2.png", title: "Two", description: "Second", defaultAction: nil, buttons: [link]),
        ]))),
        ("a promo", .custom(CustomPayload(customType: "promo", content: #"{"discount":10}"#))),
        ("", .location(LocationPayload(name: "Monas", address: "Jakarta", latitude: -6.175392, longitude: 106.827153,
                                       mapUrl: "https://maps.example/?q=monas"))),
        ("", .contactPerson(ContactPersonPayload(name: "Support", value: "support@example.com", contactType: "email"))),
        ("", .fileAttachment(FileAttachmentPayload(url: "https://files.example/tour.pdf", caption: "The tour", fileName: "tour.pdf",
                                                   size: 1024, pages: 2))),
        ("yes", .buttonPostbackResponse(ButtonPostbackResponsePayload(url: nil, method: nil, payload: #"{"answer":"yes"}"#))),
        ("a poll", .unknown(typeName: "poll", payload: #"{"question":"Lunch?"}"#)),
    ]
    for (message, payload) in payloads {
        let c = try await client.postComment(params: PostCommentParams(
            roomId: group.roomId, senderEmail: bob.email, message: message, payload: payload))
        posted.append(c)
        print("  posted \(kind(payload)): id \(c.id), message \"\(c.message)\"")
    }

    // Load (newest first) and search.
    let page = try await client.loadComments(params: LoadCommentsParams(roomId: group.roomId, limit: 20))
    print("loaded \(page.count) comments of the group; newest: \(page.first.map { kind($0.payload) } ?? "none")")
    let found = try await client.searchMessages(params: SearchMessagesParams(userEmail: bob.email, query: "tour"))
    print("search 'tour' in Bob's rooms: \(found.count) comments")

    // System events.
    let events: [SystemEvent] = [
        .createRoom(roomName: group.roomName),
        .addMember(objectEmails: [carol.email]),
        .changeRoomName(roomName: "Swift tour (renamed)"),
    ]
    for event in events {
        let c = try await client.postSystemEventMessage(params: SystemEventParams(roomId: group.roomId, subjectEmail: alice.email, event: event))
        posted.append(c)
        print("  system event: \(c.message)")
    }

    // An export of the comments: requested, polled until finished, downloaded, counted.
    let day = DateFormatter()
    day.locale = Locale(identifier: "en_US_POSIX")
    day.timeZone = TimeZone(identifier: "UTC")
    day.dateFormat = "yyyy-MM-dd"
    var export = try await client.createExport(params: CreateExportParams(
        resource: .comments, startDate: day.string(from: Date().addingTimeInterval(-86_400)),
        endDate: day.string(from: Date().addingTimeInterval(86_400))))
    print("export \(export.uniqueId): \(export.status)")
    let deadline = Date().addingTimeInterval(300)
    while export.status != "finished" {
        if export.status == "failed" { throw TourError("the export failed: \(export.errorMessage)") }
        if Date() > deadline { throw TourError("the export did not finish in 5 minutes") }
        try await Task.sleep(nanoseconds: 200_000_000)
        export = try await client.getExport(uniqueId: export.uniqueId)
    }
    let rows = try await client.downloadExport(export: export)
    // The app may hold other comments of the day: count the tour's own, by their unique ids.
    let ours = Set(posted.compactMap(\.uniqueTempId))
    let tourRows = rows.filter { row in
        let object = (try? JSONSerialization.jsonObject(with: Data(row.utf8))) as? [String: Any]
        return (object?["UniqueId"] as? String).map(ours.contains) ?? false
    }
    print("export finished: \(rows.count) rows (\(export.size) bytes), \(tourRows.count) of them the tour's")

    return TourSummary(users: 3, rooms: 2, comments: posted.count, found: found.count, exportRows: tourRows.count)
}

struct TourError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
