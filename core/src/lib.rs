//! # qiscus
//!
//! A typed async client for the [Qiscus SDK REST API (v2)](https://www.qiscus.com): users, rooms,
//! comments of every type, system events, search, backups and imports, and webhooks. The same
//! core is exported to Python, Kotlin and Swift.
//!
//! ```no_run
//! use qiscus::{Client, CreateRoomParams, LoginOrRegisterParams, PostCommentParams};
//!
//! # async fn run() -> qiscus::Result<()> {
//! let client = Client::builder("my-app", "my-secret").build()?;
//! client.login_or_register(&LoginOrRegisterParams::new("a@example.com", "Alice")).await?;
//! client.login_or_register(&LoginOrRegisterParams::new("b@example.com", "Bob")).await?;
//! let room = client
//!     .create_room(&CreateRoomParams::new("Team", "a@example.com", ["b@example.com"]))
//!     .await?;
//! let comment = client
//!     .post_comment(&PostCommentParams::text(room.room_id, "a@example.com", "hello"))
//!     .await?;
//! println!("posted #{}", comment.id);
//! # Ok(()) }
//! ```
//!
//! Modules follow the spec's sections: [`users`], [`rooms`], [`comments`] (with [`payload`]),
//! [`system_events`], [`search`], [`backups`], [`webhooks`]. Every call is a method of
//! [`Client`]; every failure is an [`Error`]. [`paging`] walks every page of a list (as pagers
//! and streams), and [`workflows`] runs exports and imports end to end.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("qiscus_core");

// Types that cross the FFI as strings: JSON as its text (the bindings turn it into native values
// where the language allows, see uniffi.toml), timestamps as plain strings.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(JsonValue, String, {
    remote,
    lower: |v| v.to_string(),
    // Text that is not JSON becomes `InvalidInput` (UniFFI hands the error to the caller).
    try_lift: |s| serde_json::from_str(&s).map_err(|e| {
        Error::invalid("json", format!("not valid JSON text: {e}")).into()
    }),
});
#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(Timestamp, String);

pub mod backups;
mod blocking_io;
mod client;
pub mod comments;
pub mod conformance;
mod de;
mod endpoints;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod loop_io;
pub mod paging;
pub mod payload;
mod retry;
pub mod rooms;
pub mod search;
pub mod system_events;
mod timestamp;
pub mod users;
mod validate;
pub mod webhooks;
pub mod workflows;

#[cfg(test)]
mod spec_examples;

/// Free-form JSON (custom payload content, room options, an unknown type's payload).
pub type JsonValue = serde_json::Value;

pub use backups::{
    BackupResource, CreateExportParams, CreateImportParams, Export, Import, ImportErrors,
    MAX_IMPORT_BYTES,
};
pub use client::{
    Client, ClientBuilder, ClientConfig, SecretKey, DEFAULT_MAX_RESPONSE_BYTES, ENV_APP_ID,
    ENV_BASE_URL, ENV_SECRET, USER_AGENT_STRING,
};
pub use comments::{new_unique_temp_id, Comment, LoadCommentsParams, PostCommentParams};
pub use error::{Error, Result};
pub use paging::{
    BackupRecord, BackupsPager, CommentsPager, CommentsPagerParams, ExportsPager, ImportsPager,
    RoomsPager,
};
pub use payload::{
    AccountLinkingPayload, Button, ButtonAction, ButtonPostbackResponsePayload, ButtonsPayload,
    CardPayload, CarouselCard, CarouselPayload, ContactPersonPayload, CustomPayload,
    FileAttachmentPayload, LocationPayload, Payload, ReplyPayload, SystemEventPayload,
};
pub use retry::RetryPolicy;
pub use rooms::{
    CreateRoomParams, GetRoomsInfoParams, Participant, Room, RoomInfo, RoomSummary,
    RoomWithComments, UpdateRoomParams, UpdatedRoom,
};
pub use search::SearchMessagesParams;
pub use system_events::{SystemEvent, SystemEventParams};
pub use timestamp::{parse_timestamp, Timestamp};
pub use users::{
    DevicePlatform, GetUserRoomsParams, LoginOrRegisterParams, RoomType, RoomsMeta, User, UserApp,
    UserRooms,
};
pub use webhooks::WebhookEvent;
pub use workflows::{
    BackupProgress, BackupRows, BackupStage, CommentRow, DownloadStats, ExportOptions,
    ExportedFile, ImportBatch, ImportFile, ImportFileReport, ImportOptions, ImportReport,
    ImportRowError, ProgressCallback, ProgressListener, RoomRow, RowProblem, UserRow,
};
