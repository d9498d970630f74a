// Imports and exports end to end with the Swift package: rows checked before anything is sent,
// split into several files, uploaded in order with a progress listener, then exported back into
// memory (exportAndDownload) and streamed to a file (exportToFile).
//
// It talks to the app named by QISCUS_APP_ID and QISCUS_SECRET; QISCUS_BASE_URL optionally
// overrides https://{app id}.qiscus.com, e.g. a local emulator:
//
//     cargo build -p qiscus-emulator && target/debug/qiscus-emulator   # prints its URL
//     bindings/swift/generate.sh
//     QISCUS_BASE_URL=http://127.0.0.1:PORT QISCUS_APP_ID=emulator QISCUS_SECRET=emulator-secret \
//         swift run --package-path bindings/swift QiscusBackup
//
// (bindings/swift/test.sh runs it once against its emulator; the target QiscusBackup of
// bindings/swift/Package.swift compiles this file through a symbolic link.)
import Foundation
import Qiscus

@main
struct BackupExample {
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
            try await backups(client)
            print(String(format: "\nDone in %.2f s.", Date().timeIntervalSince(started)))
        } catch {
            FileHandle.standardError.write(Data("the backup example failed: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// Stops the example with a message when something is not as it should be.
struct Mismatch: Error, CustomStringConvertible {
    let description: String
}

/// Prints a line per uploaded file. The library calls it from its own threads, so it keeps no
/// state of its own (a listener with state would guard it with a lock).
final class PrintProgress: BackupProgressListener {
    func onProgress(progress: BackupProgress) {
        if progress.stage == .importing {
            print("  uploaded file \(progress.filesDone + 1)/\(progress.filesTotal) (\(progress.resource))")
        }
    }
}

func backups(_ client: Client) async throws {
    let run = UUID().uuidString.prefix(8).lowercased()
    let alice = "alice-\(run)@example.com", bob = "bob-\(run)@example.com", carol = "carol-\(run)@example.com"
    let team = "team-\(run)", pair = "alice-bob-\(run)"

    // A batch: 3 users, a group and a single room, 500 comments of which every tenth is a reply.
    // Row fields not given here (avatars, passwords, creation times, ...) default to empty.
    let comments = (0..<500).map { i -> CommentRow in
        i % 10 == 9
            ? CommentRow(message: "re: #\(i - 1)", commentType: "reply", uniqueId: "\(team)-c\(i)", creatorEmail: bob,
                         roomUniqueId: team, payload: #"{"text":"message #\#(i - 1)"}"#, parentCommentUniqueId: "\(team)-c\(i - 1)")
            : CommentRow(message: "message #\(i)", commentType: "text", uniqueId: "\(team)-c\(i)", creatorEmail: alice, roomUniqueId: team)
    }
    let batch = ImportBatch(
        users: [UserRow(email: alice, name: "Alice"), UserRow(email: bob, name: "Bob"), UserRow(email: carol, name: "Carol")],
        rooms: [
            RoomRow(name: "Team", roomType: "group", creatorEmail: alice, uniqueId: team, participantEmails: [alice, bob, carol]),
            RoomRow(roomType: "single", creatorEmail: alice, uniqueId: pair, participantEmails: [alice, bob]),
        ],
        comments: comments)

    // A bad batch is refused whole, with every bad row named, before anything is sent.
    var bad = batch
    bad.users.append(UserRow(email: alice.uppercased(), name: "Alice again"))
    bad.rooms.append(RoomRow(roomType: "single", creatorEmail: alice, uniqueId: "lonely-\(run)", participantEmails: [alice, "nobody@example.com"]))
    do {
        _ = try await client.importRows(batch: bad)
        throw Mismatch(description: "the bad batch was accepted")
    } catch let error as QiscusError {
        print("bad batch refused: \(error.reason ?? "\(error)")\n")
    }

    // Files of at most 16 KB, to show the splitting; progress printed as files finish.
    let report = try await client.importRows(batch: batch, maxFileBytes: 16 * 1024, pollIntervalMs: 20, listener: PrintProgress())
    print("imported \(report.usersImported) users, \(report.roomsImported) rooms, \(report.commentsImported) comments in "
          + "\(report.filesUploaded) files (\(report.rowErrors.count) rows refused)\n")
    guard report.commentsImported == 500, report.rowErrors.isEmpty else { throw Mismatch(description: "expected 500 comments imported") }

    // Export back: typed rows in memory, and comments streamed to a file.
    let today = utcToday()
    let rows = try await client.exportAndDownload(resource: .users, startDate: today, endDate: today, pollIntervalMs: 50)
    guard case let .users(users) = rows else { throw Mismatch(description: "not users: \(rows)") }
    let ours = users.map(\.email).filter { $0.hasSuffix("-\(run)@example.com") }.sorted()
    print("exported users: \(users.count), of which this run's: \(ours)")
    guard ours == [alice, bob, carol] else { throw Mismatch(description: "the export lacks this run's users") }

    let path = FileManager.default.temporaryDirectory.appendingPathComponent("qiscus-backup-example-\(run).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try await client.exportToFile(resource: .comments, startDate: today, endDate: today, path: path, pollIntervalMs: 50)
    print("exported comments to \(file.path): \(file.rows) rows, \(file.bytes) bytes (streamed, never held in memory)")
    guard file.rows >= 500 else { throw Mismatch(description: "the comments export holds \(file.rows) rows") }
}

/// Today's date in UTC, `YYYY-MM-DD` (exports select rows by creation day).
func utcToday() -> String {
    let f = DateFormatter()
    f.calendar = Calendar(identifier: .gregorian)
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: Date())
}
