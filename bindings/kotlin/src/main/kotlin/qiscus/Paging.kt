// Kotlin idioms over the pagers: cold Flows (suspend, cancellable) and lazy Sequences (blocking).
//
// Every function opens a new pager when its result is collected or iterated, so each collection
// starts again from the first page, and a page is fetched only when the items before it have been
// consumed: `client.rooms(email).take(5).toList()` makes one request.
package qiscus

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import qiscus.core.Comment
import qiscus.core.CommentsPagerParams
import qiscus.core.Export
import qiscus.core.Import
import qiscus.core.RoomInfo

/**
 * The pages of a pager as a cold [Flow]: [open] makes a new pager for each collection, [next]
 * fetches its next page (null after the last). The pager is closed when the collection ends, is
 * cancelled or fails.
 */
private fun <P : AutoCloseable, T> pagesOf(open: () -> P, next: suspend (P) -> List<T>?): Flow<List<T>> = flow {
    open().use { pager ->
        while (true) emit(next(pager) ?: break)
    }
}

/** The items of a flow of pages, one by one. */
private fun <T> Flow<List<T>>.items(): Flow<T> = flow {
    collect { page -> page.forEach { emit(it) } }
}

/**
 * The pages of a pager as a lazy [Sequence] using the blocking form. The pager is closed once the
 * last page was read; a sequence abandoned before that leaves its pager to the garbage collector
 * (it holds no connection between pages).
 */
private fun <P : AutoCloseable, T> pageSequenceOf(open: () -> P, next: (P) -> List<T>?): Sequence<List<T>> = sequence {
    open().use { pager ->
        while (true) yield(next(pager) ?: break)
    }
}

// ---- Flow (suspend) ----

/**
 * Every room of a user, page after page (20 rooms a page), as a cold [Flow]. A page is fetched
 * only when the collector has consumed the rooms before it; cancelling the collection aborts the
 * request in flight. Errors are thrown from `collect` as [qiscus.core.QiscusException].
 */
fun Client.rooms(userEmail: String): Flow<RoomInfo> = roomPages(userEmail).items()

/** Every room of a user as a cold [Flow] of pages (lists of up to 20 rooms); see [rooms]. */
fun Client.roomPages(userEmail: String): Flow<List<RoomInfo>> =
    pagesOf({ roomsPager(userEmail) }, { it.nextPage() })

/**
 * Every comment of a room, newest first, as a cold [Flow] fetching a page of [limit] comments
 * (1..=100, default 20) at a time. [stopAtId] stops at the first comment whose id is at most that
 * one (not returned: read only what is newer than a comment already known); [maxCount] stops after
 * that many comments. Cancelling the collection aborts the request in flight.
 */
fun Client.comments(roomId: Long, limit: UInt? = null, stopAtId: Long? = null, maxCount: ULong? = null): Flow<Comment> =
    commentPages(CommentsPagerParams(roomId = roomId, limit = limit, stopAtId = stopAtId, maxCount = maxCount)).items()

/** Every comment of a room (newest first) as a cold [Flow]; see [comments]. */
fun Client.comments(params: CommentsPagerParams): Flow<Comment> = commentPages(params).items()

/** A room's comments (newest first) as a cold [Flow] of pages; see [comments]. */
fun Client.commentPages(params: CommentsPagerParams): Flow<List<Comment>> =
    pagesOf({ commentsPager(params) }, { it.nextPage() })

/** Every export record as a cold [Flow] fetching 20 at a time. */
fun Client.exports(): Flow<Export> = exportPages().items()

/** Every export record as a cold [Flow] of pages (lists of up to 20). */
fun Client.exportPages(): Flow<List<Export>> = pagesOf({ exportsPager() }, { it.nextPage() })

/** Every import record as a cold [Flow] fetching 20 at a time. */
fun Client.imports(): Flow<Import> = importPages().items()

/** Every import record as a cold [Flow] of pages (lists of up to 20). */
fun Client.importPages(): Flow<List<Import>> = pagesOf({ importsPager() }, { it.nextPage() })

// ---- Sequence (blocking) ----

/**
 * Every room of a user as a lazy [Sequence]: each page (20 rooms) is fetched with the blocking
 * form, on the iterating thread, only when the rooms before it have been consumed. Errors are
 * thrown from the iteration as [qiscus.core.QiscusException].
 */
fun Client.roomsSequence(userEmail: String): Sequence<RoomInfo> = roomPagesSequence(userEmail).flatten()

/** Every room of a user as a lazy [Sequence] of pages; see [roomsSequence]. */
fun Client.roomPagesSequence(userEmail: String): Sequence<List<RoomInfo>> =
    pageSequenceOf({ roomsPager(userEmail) }, { it.nextPageBlocking() })

/**
 * Every comment of a room, newest first, as a lazy [Sequence] (blocking form); the parameters are
 * those of [comments].
 */
fun Client.commentsSequence(roomId: Long, limit: UInt? = null, stopAtId: Long? = null, maxCount: ULong? = null): Sequence<Comment> =
    commentPagesSequence(CommentsPagerParams(roomId = roomId, limit = limit, stopAtId = stopAtId, maxCount = maxCount)).flatten()

/** Every comment of a room (newest first) as a lazy [Sequence]; see [commentsSequence]. */
fun Client.commentsSequence(params: CommentsPagerParams): Sequence<Comment> = commentPagesSequence(params).flatten()

/** A room's comments (newest first) as a lazy [Sequence] of pages; see [commentsSequence]. */
fun Client.commentPagesSequence(params: CommentsPagerParams): Sequence<List<Comment>> =
    pageSequenceOf({ commentsPager(params) }, { it.nextPageBlocking() })

/** Every export record as a lazy [Sequence] (blocking form, 20 a page). */
fun Client.exportsSequence(): Sequence<Export> = exportPagesSequence().flatten()

/** Every export record as a lazy [Sequence] of pages. */
fun Client.exportPagesSequence(): Sequence<List<Export>> = pageSequenceOf({ exportsPager() }, { it.nextPageBlocking() })

/** Every import record as a lazy [Sequence] (blocking form, 20 a page). */
fun Client.importsSequence(): Sequence<Import> = importPagesSequence().flatten()

/** Every import record as a lazy [Sequence] of pages. */
fun Client.importPagesSequence(): Sequence<List<Import>> = pageSequenceOf({ importsPager() }, { it.nextPageBlocking() })
