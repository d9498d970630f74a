// Hand-written Swift idioms over the generated pagers (RoomsPager, CommentsPager, ExportsPager,
// ImportsPager): `AsyncSequence`s that fetch the next page only when iteration goes past the
// items already fetched.
//
//     for try await room in client.rooms(userEmail: "alice@example.com") { ... }      // items
//     for try await page in client.comments(roomId: 12, limit: 50).pages { ... }      // pages
//     let first5 = try await client.rooms(userEmail: e).prefix(5).reduce(into: []) { $0.append($1) }
//
// Each iteration (`makeAsyncIterator()`) starts over with a fresh pager, so a sequence can be
// iterated more than once; nothing is requested before the first `next()`. Iteration checks for
// task cancellation before every element and throws `CancellationError` (a page request in
// flight is aborted too: the generated async calls are patched for cancellation).
import Foundation

/// A pager of the library: `nextPage()` returns the next page, fetched now, or `nil` after the
/// last one. `RoomsPager`, `CommentsPager`, `ExportsPager` and `ImportsPager` conform.
public protocol QiscusPager: AnyObject, Sendable {
    /// What a page holds.
    associatedtype Item: Sendable
    /// The next page, fetched now; `nil` once every item was returned.
    func nextPage() async throws -> [Item]?
}

extension RoomsPager: QiscusPager {}
extension CommentsPager: QiscusPager {}
extension ExportsPager: QiscusPager {}
extension ImportsPager: QiscusPager {}

/// The items of a pager, one at a time; the next page is fetched only when the items of the
/// previous one have all been consumed. Iterate with `for try await`; `pages` gives the same pager a page at a time.
public struct Paged<Pager: QiscusPager>: AsyncSequence, Sendable {
    /// One item of a page.
    public typealias Element = Pager.Item

    private let makePager: @Sendable () throws -> Pager

    /// A sequence over the pagers `makePager` makes (one per iteration, on its first `next()`).
    public init(_ makePager: @escaping @Sendable () throws -> Pager) {
        self.makePager = makePager
    }

    /// The same items, a page (an array as the server returned it, never empty) at a time.
    public var pages: Pages<Pager> { Pages(makePager) }

    /// A new iteration from the first item.
    public func makeAsyncIterator() -> Iterator {
        Iterator(pages: Pages(makePager).makeAsyncIterator())
    }

    /// Iterates the items; fetches a page when the buffered ones are used up.
    public struct Iterator: AsyncIteratorProtocol, Sendable {
        private var pages: Pages<Pager>.Iterator
        private var buffered: [Pager.Item] = []
        private var index = 0

        fileprivate init(pages: Pages<Pager>.Iterator) {
            self.pages = pages
        }

        /// The next item, or `nil` after the last; throws the pager's `QiscusError` (which ends
        /// the iteration) or `CancellationError`.
        public mutating func next() async throws -> Pager.Item? {
            try Task.checkCancellation()
            while index == buffered.count {
                guard let page = try await pages.next() else { return nil }
                buffered = page
                index = 0
            }
            defer { index += 1 }
            return buffered[index]
        }
    }
}

/// The pages of a pager: each element is one page, fetched when asked for.
public struct Pages<Pager: QiscusPager>: AsyncSequence, Sendable {
    /// One page.
    public typealias Element = [Pager.Item]

    private let makePager: @Sendable () throws -> Pager

    /// A sequence over the pagers `makePager` makes (one per iteration, on its first `next()`).
    public init(_ makePager: @escaping @Sendable () throws -> Pager) {
        self.makePager = makePager
    }

    /// A new iteration from the first page.
    public func makeAsyncIterator() -> Iterator {
        Iterator(makePager: makePager)
    }

    /// Iterates the pages.
    public struct Iterator: AsyncIteratorProtocol, Sendable {
        private let makePager: @Sendable () throws -> Pager
        private var pager: Pager?
        private var finished = false

        fileprivate init(makePager: @escaping @Sendable () throws -> Pager) {
            self.makePager = makePager
        }

        /// The next page, fetched now, or `nil` after the last; throws the pager's
        /// `QiscusError` (which ends the iteration) or `CancellationError`.
        public mutating func next() async throws -> [Pager.Item]? {
            guard !finished else { return nil }
            try Task.checkCancellation()
            do {
                if pager == nil { pager = try makePager() }
                guard let page = try await pager?.nextPage() else {
                    finish()
                    return nil
                }
                return page
            } catch {
                finish()
                throw error
            }
        }

        private mutating func finish() {
            finished = true
            pager = nil
        }
    }
}

extension Client {
    /// Every room of a user, 20 a page, fetched as the iteration goes.
    public func rooms(userEmail: String) -> Paged<RoomsPager> {
        Paged { try self.roomsPager(userEmail: userEmail) }
    }

    /// Every comment of a room, newest first (ids strictly decreasing), `limit` (1...100,
    /// default 20) a page; stops before the comment `stopAtId` (exclusive) or after `maxCount`
    /// comments.
    public func comments(roomId: Int64, limit: UInt32? = nil, stopAtId: Int64? = nil,
                         maxCount: UInt64? = nil) -> Paged<CommentsPager> {
        let params = CommentsPagerParams(roomId: roomId, limit: limit, stopAtId: stopAtId, maxCount: maxCount)
        return Paged { try self.commentsPager(params: params) }
    }

    /// Every export record, 20 a page.
    public func exports() -> Paged<ExportsPager> {
        Paged { try self.exportsPager() }
    }

    /// Every import record, 20 a page.
    public func imports() -> Paged<ImportsPager> {
        Paged { try self.importsPager() }
    }
}
