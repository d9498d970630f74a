//! Paging: every room of a user, every comment of a room, every export and import record.
//!
//! Each pager fetches one page only when [`next_page`](RoomsPager::next_page) is called and
//! returns `Ok(None)` once the list is exhausted. `into_stream` turns a pager into a
//! [`futures::Stream`] of single items (boxed, so `Unpin` and `Send`); an error is yielded once
//! and ends the stream.
//!
//! ```no_run
//! use futures::StreamExt;
//!
//! # async fn run(client: qiscus::Client) -> qiscus::Result<()> {
//! // Page by page.
//! let mut rooms = client.rooms_of("alice@example.com");
//! while let Some(page) = rooms.next_page().await? {
//!     println!("{} rooms", page.len());
//! }
//! // Item by item, newest first, stopping at comment 100 (exclusive) and after 500 comments.
//! let mut comments = client.comments_of(42).stop_at_id(100).max_count(500).into_stream();
//! while let Some(comment) = comments.next().await {
//!     let comment = comment?;
//!     println!("#{}: {}", comment.id, comment.message);
//! }
//! # Ok(()) }
//! ```
//!
//! The server pages by offset, so a list that changes while it is read can shift under the
//! pager. The pagers make that harmless where they can: rooms and backup records are
//! de-duplicated by id, and comments are only returned in strictly decreasing id order (a comment
//! posted while paging shifts older ones onto the next page; they are skipped, not repeated).

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::marker::PhantomData;

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::backups::{Export, Import};
use crate::client::Client;
use crate::comments::{Comment, LoadCommentsParams};
use crate::error::{Error, Result};
use crate::rooms::RoomInfo;
use crate::users::GetUserRoomsParams;

/// Rooms per page of `get_user_rooms`.
pub const ROOMS_PER_PAGE: usize = 20;
/// Records per page of `list_exports` and `list_imports`.
pub const BACKUPS_PER_PAGE: usize = 20;
/// Comments per page of `load_comments` when no limit is given.
pub const DEFAULT_COMMENTS_PER_PAGE: u32 = 20;

/// A source of pages, for the shared stream adapter.
trait PageSource: Send {
    type Item: Send;
    fn fetch(&mut self) -> impl Future<Output = Result<Option<Vec<Self::Item>>>> + Send + '_;
}

/// Turns a pager into a stream of items: pages are fetched as the stream is polled; an error is
/// yielded once and ends the stream.
fn item_stream<P>(pager: P) -> impl Stream<Item = Result<P::Item>> + Send + 'static
where
    P: PageSource + 'static,
{
    struct State<P: PageSource> {
        pager: Option<P>,
        buffered: VecDeque<P::Item>,
    }
    let state = State {
        pager: Some(pager),
        buffered: VecDeque::new(),
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.buffered.pop_front() {
                return Some((Ok(item), st));
            }
            let pager = st.pager.as_mut()?;
            match pager.fetch().await {
                Ok(Some(page)) => st.buffered.extend(page),
                Ok(None) => return None,
                Err(e) => {
                    st.pager = None;
                    return Some((Err(e), st));
                }
            }
        }
    })
}

/// Every room of a user, page after page of [`Client::get_user_rooms`] (20 a page), until a
/// short or empty page. Made by [`Client::rooms_of`] or [`Client::user_rooms_pager`].
#[derive(Debug)]
pub struct RoomsPager {
    client: Client,
    params: GetUserRoomsParams,
    next: u32,
    done: bool,
    seen: HashSet<i64>,
}

impl RoomsPager {
    /// The next page of rooms not returned before, or `None` when there are no more.
    ///
    /// An error leaves the pager where it was: calling again retries the same page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RoomInfo>>> {
        while !self.done {
            let mut params = self.params.clone();
            params.page = Some(self.next);
            let page = self.client.get_user_rooms(&params).await?.rooms_info;
            self.next += 1;
            if page.len() < ROOMS_PER_PAGE {
                self.done = true;
            }
            let fresh: Vec<RoomInfo> = page
                .into_iter()
                .filter(|r| self.seen.insert(r.room_id))
                .collect();
            if !fresh.is_empty() {
                return Ok(Some(fresh));
            }
        }
        Ok(None)
    }

    /// Rooms returned so far.
    pub fn rooms_seen(&self) -> usize {
        self.seen.len()
    }

    /// A stream of single rooms.
    pub fn into_stream(self) -> BoxStream<'static, Result<RoomInfo>> {
        item_stream(self).boxed()
    }
}

impl PageSource for RoomsPager {
    type Item = RoomInfo;
    fn fetch(&mut self) -> impl Future<Output = Result<Option<Vec<RoomInfo>>>> + Send + '_ {
        self.next_page()
    }
}

/// What [`Client::comments_pager`] reads.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CommentsPagerParams {
    /// The room.
    pub room_id: i64,
    /// Comments per page, 1..=100 (default 20).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
    /// Stop on reaching a comment whose id is at most this one (that comment is not returned):
    /// reads only what is newer than a comment already known.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub stop_at_id: Option<i64>,
    /// Return at most this many comments in all.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_count: Option<u64>,
}

impl CommentsPagerParams {
    /// Every comment of a room, 20 a page.
    pub fn new(room_id: i64) -> Self {
        CommentsPagerParams {
            room_id,
            limit: None,
            stop_at_id: None,
            max_count: None,
        }
    }
}

/// Every comment of a room, newest first, page after page of [`Client::load_comments`]. Ids are
/// strictly decreasing across pages. Made by [`Client::comments_of`] or
/// [`Client::comments_pager`].
#[derive(Debug)]
pub struct CommentsPager {
    client: Client,
    params: CommentsPagerParams,
    next: u32,
    done: bool,
    last_id: Option<i64>,
    returned: u64,
}

impl CommentsPager {
    /// Comments per page, 1..=100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.params.limit = Some(limit);
        self
    }

    /// Stops on reaching a comment whose id is `<= id` (exclusive).
    pub fn stop_at_id(mut self, id: i64) -> Self {
        self.params.stop_at_id = Some(id);
        self
    }

    /// Returns at most `n` comments in all.
    pub fn max_count(mut self, n: u64) -> Self {
        self.params.max_count = Some(n);
        self
    }

    /// The next page of comments, or `None` when there are no more (or a stop was reached).
    ///
    /// An error leaves the pager where it was: calling again retries the same page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Comment>>> {
        let limit = self.params.limit.unwrap_or(DEFAULT_COMMENTS_PER_PAGE);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and 100, got {limit}"),
            ));
        }
        while !self.done {
            if self.params.max_count.is_some_and(|m| self.returned >= m) {
                self.done = true;
                break;
            }
            let params = LoadCommentsParams {
                room_id: self.params.room_id,
                page: Some(self.next),
                limit: Some(limit),
            };
            let page = self.client.load_comments(&params).await?;
            self.next += 1;
            if page.len() < limit as usize {
                self.done = true;
            }
            let mut out = Vec::with_capacity(page.len());
            for c in page {
                // Only strictly older than what was returned: skips comments shifted onto this
                // page by newer ones posted meanwhile.
                if self.last_id.is_some_and(|last| c.id >= last) {
                    continue;
                }
                if self.params.stop_at_id.is_some_and(|stop| c.id <= stop) {
                    self.done = true;
                    break;
                }
                if self.params.max_count.is_some_and(|m| self.returned >= m) {
                    self.done = true;
                    break;
                }
                self.last_id = Some(c.id);
                self.returned += 1;
                out.push(c);
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }

    /// Comments returned so far.
    pub fn returned(&self) -> u64 {
        self.returned
    }

    /// A stream of single comments, newest first.
    pub fn into_stream(self) -> BoxStream<'static, Result<Comment>> {
        item_stream(self).boxed()
    }
}

impl PageSource for CommentsPager {
    type Item = Comment;
    fn fetch(&mut self) -> impl Future<Output = Result<Option<Vec<Comment>>>> + Send + '_ {
        self.next_page()
    }
}

/// A backup record listed 20 a page, newest first: an [`Export`] or an [`Import`].
pub trait BackupRecord: Sized + Send + 'static {
    /// The record's unique id (pages are de-duplicated by it).
    fn unique_id(&self) -> &str;
    /// One page of the records: [`Client::list_exports`] or [`Client::list_imports`].
    fn list_page(client: &Client, page: u32)
        -> impl Future<Output = Result<Vec<Self>>> + Send + '_;
}

impl BackupRecord for Export {
    fn unique_id(&self) -> &str {
        &self.unique_id
    }
    fn list_page(
        client: &Client,
        page: u32,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send + '_ {
        client.list_exports(Some(page))
    }
}

impl BackupRecord for Import {
    fn unique_id(&self) -> &str {
        &self.unique_id
    }
    fn list_page(
        client: &Client,
        page: u32,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send + '_ {
        client.list_imports(Some(page))
    }
}

/// Every export or import record, newest first, page after page. Made by
/// [`Client::exports_pager`] and [`Client::imports_pager`].
#[derive(Debug)]
pub struct BackupsPager<R> {
    client: Client,
    next: u32,
    done: bool,
    seen: HashSet<String>,
    records: PhantomData<fn() -> R>,
}

/// Every export record: see [`BackupsPager`].
pub type ExportsPager = BackupsPager<Export>;
/// Every import record: see [`BackupsPager`].
pub type ImportsPager = BackupsPager<Import>;

impl<R: BackupRecord> BackupsPager<R> {
    fn new(client: Client) -> Self {
        BackupsPager {
            client,
            next: 1,
            done: false,
            seen: HashSet::new(),
            records: PhantomData,
        }
    }

    /// The next page of records, or `None` when there are no more.
    pub async fn next_page(&mut self) -> Result<Option<Vec<R>>> {
        while !self.done {
            let page = R::list_page(&self.client, self.next).await?;
            self.next += 1;
            if page.len() < BACKUPS_PER_PAGE {
                self.done = true;
            }
            let fresh: Vec<R> = page
                .into_iter()
                .filter(|r| self.seen.insert(r.unique_id().to_owned()))
                .collect();
            if !fresh.is_empty() {
                return Ok(Some(fresh));
            }
        }
        Ok(None)
    }

    /// A stream of single records.
    pub fn into_stream(self) -> BoxStream<'static, Result<R>> {
        item_stream(self).boxed()
    }
}

impl<R: BackupRecord> PageSource for BackupsPager<R> {
    type Item = R;
    fn fetch(&mut self) -> impl Future<Output = Result<Option<Vec<R>>>> + Send + '_ {
        self.next_page()
    }
}

impl Client {
    /// Every room of a user, 20 a page, without participants. See [`RoomsPager`].
    pub fn rooms_of(&self, user_email: impl Into<String>) -> RoomsPager {
        self.user_rooms_pager(GetUserRoomsParams::new(user_email))
    }

    /// Every room of a user with the given filters (`page` is ignored). See [`RoomsPager`].
    pub fn user_rooms_pager(&self, params: GetUserRoomsParams) -> RoomsPager {
        RoomsPager {
            client: self.clone(),
            params,
            next: 1,
            done: false,
            seen: HashSet::new(),
        }
    }

    /// Every comment of a room, newest first, 20 a page. See [`CommentsPager`].
    pub fn comments_of(&self, room_id: i64) -> CommentsPager {
        self.comments_pager(CommentsPagerParams::new(room_id))
    }

    /// Every comment of a room, newest first, with a page size and stops. See [`CommentsPager`].
    pub fn comments_pager(&self, params: CommentsPagerParams) -> CommentsPager {
        CommentsPager {
            client: self.clone(),
            params,
            next: 1,
            done: false,
            last_id: None,
            returned: 0,
        }
    }

    /// Every export record, newest first. See [`ExportsPager`].
    pub fn exports_pager(&self) -> ExportsPager {
        BackupsPager::new(self.clone())
    }

    /// Every import record, newest first. See [`ImportsPager`].
    pub fn imports_pager(&self) -> ImportsPager {
        BackupsPager::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn pagers_and_streams_are_send() {
        let c = Client::new("app", "secret").unwrap();
        assert_send(&c.rooms_of("a@b.co"));
        assert_send(&c.comments_of(1));
        assert_send(&c.exports_pager());
        assert_send(&c.imports_pager());
        assert_send(&c.rooms_of("a@b.co").into_stream());
        assert_send(&c.comments_of(1).into_stream());
        let mut p = c.comments_of(1);
        assert_send(&p.next_page());
    }
}
