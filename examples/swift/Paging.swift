// Paging through every room of a user and every comment of a room with the Swift package's
// `AsyncSequence`s: item by item, page by page, and only what is newer than a known comment.
// A page is fetched only when the iteration gets that far.
//
// It talks to the app named by QISCUS_APP_ID and QISCUS_SECRET; QISCUS_BASE_URL optionally
// overrides https://{app id}.qiscus.com, e.g. a local emulator:
//
//     cargo build -p qiscus-emulator && target/debug/qiscus-emulator   # prints its URL
//     bindings/swift/generate.sh
//     QISCUS_BASE_URL=http://127.0.0.1:PORT QISCUS_APP_ID=emulator QISCUS_SECRET=emulator-secret \
//         swift run --package-path bindings/swift QiscusPaging
//
// (bindings/swift/test.sh runs it once against its emulator; the target QiscusPaging of
// bindings/swift/Package.swift compiles this file through a symbolic link.)
import Foundation
import Qiscus

@main
struct PagingExample {
    static func main() async {
        do {
            // QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL); only one of them set throws
            // QiscusError.Config naming the other.
            guard let client = try clientFromEnvironment() else {
                FileHandle.standardError.write(Data("set QISCUS_APP_ID and QISCUS_SECRET (and QISCUS_BASE_URL for an emulator)\n".utf8))
                exit(2)
            }
            defer { client.shutdown() }
            let started = Date()
            try await paging(client)
            print(String(format: "\nDone in %.2f s.", Date().timeIntervalSince(started)))
        } catch {
            FileHandle.standardError.write(Data("paging failed: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// Stops the example with a message when something is not as it should be.
struct Mismatch: Error, CustomStringConvertible {
    let description: String
}

func paging(_ client: Client) async throws {
    let run = UUID().uuidString.prefix(8).lowercased()
    let alice = "alice-\(run)@example.com", bob = "bob-\(run)@example.com"
    for (email, name) in [(alice, "Alice"), (bob, "Bob")] {
        _ = try await client.loginOrRegister(params: LoginOrRegisterParams(email: email, username: name))
    }

    // 65 rooms, created 8 at a time.
    let roomIds = try await withThrowingTaskGroup(of: [Int64].self) { group in
        for worker in 0..<8 {
            group.addTask {
                var ids: [Int64] = []
                for i in stride(from: worker, to: 65, by: 8) {
                    ids.append(try await client.createRoom(params: CreateRoomParams(name: "Room \(i)", participants: [bob], creator: alice)).roomId)
                }
                return ids
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    print("created \(roomIds.count) rooms")

    // Page by page: each page is requested when the loop asks for it.
    var n = 0
    for try await page in client.rooms(userEmail: alice).pages {
        n += 1
        print("  rooms page \(n): \(page.count) rooms (first: \(page[0].roomName))")
    }

    // Item by item, stopping early: only the first page is ever requested.
    var firstThree: [String] = []
    for try await room in client.rooms(userEmail: alice).prefix(3) {
        firstThree.append(room.roomName)
    }
    print("  the 3 most recently active: \(firstThree.joined(separator: ", "))")

    // 250 comments in the first room.
    let room = roomIds.min()!
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
            group.addTask {
                for i in stride(from: worker, to: 250, by: 8) {
                    _ = try await client.postComment(params: PostCommentParams(roomId: room, senderEmail: bob, message: "message #\(i)", payload: .text))
                }
            }
        }
        try await group.waitForAll()
    }
    print("\nposted 250 comments in room \(room)")

    // Every comment, newest first, 50 a page.
    var all: [Int64] = []
    for try await comment in client.comments(roomId: room, limit: 50) {
        all.append(comment.id)
    }
    let decreasing = zip(all, all.dropFirst()).allSatisfy { $0 > $1 }
    print("  iterated \(all.count) comments, ids \(all.first!) down to \(all.last!) (strictly decreasing: \(decreasing))")
    guard all.count == 250, decreasing else { throw Mismatch(description: "expected 250 comments, newest first") }

    // Only what is newer than a known comment, at most 30 of them, 20 a page.
    let known = all[100]
    var newer = 0
    for try await page in client.comments(roomId: room, limit: 20, stopAtId: known, maxCount: 30).pages {
        newer += page.count
        print("  newer than #\(known): a page of \(page.count) (\(newer) so far)")
    }
    guard newer == 30 else { throw Mismatch(description: "expected 30 newer comments, got \(newer)") }
}
