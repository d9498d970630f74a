//! Workflows built from several calls: an export from request to typed rows or a file on disk,
//! and an import of many rows, validated, split into files and uploaded in dependency order.
//!
//! ```no_run
//! use qiscus::{BackupResource, ExportOptions, ImportBatch, ImportOptions, UserRow};
//!
//! # async fn run(client: qiscus::Client) -> qiscus::Result<()> {
//! // Export January's comments straight to a file, without holding it in memory.
//! let file = client
//!     .export_to_file(
//!         BackupResource::Comments,
//!         "2024-01-01",
//!         "2024-01-31",
//!         "comments.json",
//!         &ExportOptions::default(),
//!     )
//!     .await?;
//! println!("{} rows, {} bytes", file.rows, file.bytes);
//!
//! // Import users, checked before anything is sent.
//! let batch = ImportBatch {
//!     users: vec![UserRow::new("a@example.com", "Alice")],
//!     ..ImportBatch::default()
//! };
//! let report = client.import_rows(&batch, &ImportOptions::default()).await?;
//! println!("{} users imported in {} file(s)", report.users_imported, report.files_uploaded);
//! # Ok(()) }
//! ```

mod count;
mod export;
mod import;
mod rows;

use std::sync::Arc;

pub use export::{DownloadStats, ExportOptions, ExportedFile};
pub use import::{
    ImportBatch, ImportFile, ImportFileReport, ImportOptions, ImportReport, ImportRowError,
    RowProblem, DEFAULT_IMPORT_FILE_BYTES,
};
pub use rows::{BackupRows, CommentRow, RoomRow, UserRow};

use crate::backups::BackupResource;

/// What a backup workflow is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BackupStage {
    /// An export was requested; `job_id` names it.
    Requested,
    /// Waiting for the server to finish an export job (`percentage` as the server reports it).
    Waiting,
    /// Downloading an export's file (`bytes_done` of `bytes_total`).
    Downloading,
    /// Uploading an import file (`files_done` of `files_total` are finished).
    Uploading,
    /// Waiting for the server to finish an import file.
    Importing,
    /// Done.
    Finished,
}

/// Progress of an export or an import, passed to a [`ProgressListener`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BackupProgress {
    /// What is happening.
    pub stage: BackupStage,
    /// The resource being exported or imported.
    pub resource: BackupResource,
    /// The server's job id ("" before there is one).
    pub job_id: String,
    /// 0 to 100: the server's percentage of an export job; for an import, the share of its
    /// files finished.
    pub percentage: f64,
    /// Bytes downloaded (exports) or uploaded (imports) so far.
    pub bytes_done: u64,
    /// Bytes in all, when known.
    pub bytes_total: Option<u64>,
    /// Import files finished.
    pub files_done: u32,
    /// Import files in all.
    pub files_total: u32,
    /// Rows imported so far, or rows downloaded so far.
    pub rows_done: u64,
}

impl BackupProgress {
    fn new(stage: BackupStage, resource: BackupResource) -> Self {
        BackupProgress {
            stage,
            resource,
            job_id: String::new(),
            percentage: 0.0,
            bytes_done: 0,
            bytes_total: None,
            files_done: 0,
            files_total: 0,
            rows_done: 0,
        }
    }
}

/// Receives [`BackupProgress`] updates. Closures `Fn(BackupProgress)` implement it.
///
/// Called on the task running the workflow: keep it quick (update a progress bar, send to a
/// channel).
pub trait ProgressListener: Send + Sync {
    /// One update.
    fn on_progress(&self, progress: BackupProgress);
}

impl<F> ProgressListener for F
where
    F: Fn(BackupProgress) + Send + Sync,
{
    fn on_progress(&self, progress: BackupProgress) {
        self(progress)
    }
}

/// A shared progress listener.
pub type ProgressCallback = Arc<dyn ProgressListener>;

fn report(listener: &Option<ProgressCallback>, progress: &BackupProgress) {
    if let Some(l) = listener {
        l.on_progress(progress.clone());
    }
}
