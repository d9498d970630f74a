//! Export: request, poll until finished, download (into memory as typed rows, or streamed to a
//! file).

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::AsyncWrite;

use super::count::ArrayCounter;
use super::rows::BackupRows;
use super::{report, BackupProgress, BackupStage, ProgressCallback};
use crate::backups::{BackupResource, CreateExportParams, Export};
use crate::client::Client;
use crate::error::{Error, Result};

/// How [`Client::export_and_download`] and [`Client::export_to_file`] wait and report.
#[derive(Clone)]
pub struct ExportOptions {
    /// Time between two polls of the job. Default 1 s.
    pub poll_interval: Duration,
    /// Longest wait for the job to finish (the download is not counted). Default 30 min.
    pub timeout: Duration,
    /// Called as the job and the download progress.
    pub on_progress: Option<ProgressCallback>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(30 * 60),
            on_progress: None,
        }
    }
}

impl fmt::Debug for ExportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportOptions")
            .field("poll_interval", &self.poll_interval)
            .field("timeout", &self.timeout)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

/// An export written to a file by [`Client::export_to_file`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportedFile {
    /// The finished job.
    pub export: Export,
    /// Where the file was written.
    pub path: String,
    /// Bytes written.
    pub bytes: u64,
    /// Rows in the file (elements of its top-level JSON array), counted as it streamed.
    pub rows: u64,
}

/// Size and row count of a streamed download ([`Client::download_export_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DownloadStats {
    /// Bytes written.
    pub bytes: u64,
    /// Elements of the file's top-level JSON array.
    pub rows: u64,
}

/// Passes writes through, counting bytes and array elements and reporting progress.
struct CountingWriter<'a, W: ?Sized> {
    inner: &'a mut W,
    counter: ArrayCounter,
    bytes: u64,
    progress: BackupProgress,
    listener: &'a Option<ProgressCallback>,
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for CountingWriter<'_, W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut *this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            this.counter.feed(&buf[..*n]);
            this.bytes += *n as u64;
            this.progress.bytes_done = this.bytes;
            this.progress.rows_done = this.counter.count_so_far();
            report(this.listener, &this.progress);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.inner).poll_shutdown(cx)
    }
}

impl Client {
    /// Polls an export job until it is finished and returns it.
    ///
    /// Errors: a failed job is an [`Error::Api`] (call `get_export`, the status of the answer
    /// that reported it) whose reason names the job and its `error_message`; no finished job
    /// within `options.timeout` is an [`Error::Timeout`] (call `wait_for_export`).
    pub async fn wait_for_export(
        &self,
        unique_id: &str,
        options: &ExportOptions,
    ) -> Result<Export> {
        let started = Instant::now();
        let mut polls = 0u32;
        loop {
            let job = self.get_export(unique_id).await?;
            polls += 1;
            let resource = job
                .resource_name
                .parse()
                .unwrap_or(BackupResource::Comments);
            let mut p = BackupProgress::new(BackupStage::Waiting, resource);
            p.job_id = job.unique_id.clone();
            p.percentage = job.percentage;
            report(&options.on_progress, &p);
            if job.is_finished() {
                return Ok(job);
            }
            if job.is_failed() {
                let why = if job.error_message.is_empty() {
                    "no error message".to_owned()
                } else {
                    job.error_message.clone()
                };
                return Err(Error::Api {
                    call: "get_export".into(),
                    status: 200,
                    reason: format!("export job {} failed: {why}", job.unique_id),
                    detailed_messages: vec![],
                    body_excerpt: None,
                    attempts: 1,
                    history: vec![],
                });
            }
            let elapsed = started.elapsed();
            if elapsed >= options.timeout {
                return Err(Error::Timeout {
                    call: "wait_for_export".into(),
                    attempts: polls,
                    history: vec![format!(
                        "export job {} still {:?} at {}% after {:.1}s",
                        job.unique_id,
                        job.status,
                        job.percentage,
                        elapsed.as_secs_f64()
                    )],
                });
            }
            let left = options.timeout - elapsed;
            tokio::time::sleep(options.poll_interval.min(left)).await;
        }
    }

    async fn request_export(
        &self,
        resource: BackupResource,
        start_date: &str,
        end_date: &str,
        options: &ExportOptions,
    ) -> Result<Export> {
        let job = self
            .create_export(&CreateExportParams {
                resource,
                start_date: start_date.to_owned(),
                end_date: end_date.to_owned(),
            })
            .await?;
        let mut p = BackupProgress::new(BackupStage::Requested, resource);
        p.job_id = job.unique_id.clone();
        report(&options.on_progress, &p);
        if job.is_finished() && !job.download_url.is_empty() {
            return Ok(job);
        }
        self.wait_for_export(&job.unique_id, options).await
    }

    /// Requests an export of `resource` created between two days (`YYYY-MM-DD`, inclusive),
    /// waits for it, downloads it and returns its typed rows.
    ///
    /// The file is held in memory and subject to the client's `max_response_bytes`; use
    /// [`Client::export_to_file`] for large exports. Errors as [`Client::wait_for_export`].
    pub async fn export_and_download(
        &self,
        resource: BackupResource,
        start_date: &str,
        end_date: &str,
        options: &ExportOptions,
    ) -> Result<BackupRows> {
        let job = self
            .request_export(resource, start_date, end_date, options)
            .await?;
        let mut p = BackupProgress::new(BackupStage::Downloading, resource);
        p.job_id = job.unique_id.clone();
        p.percentage = 100.0;
        p.bytes_total = u64::try_from(job.size).ok().filter(|s| *s > 0);
        report(&options.on_progress, &p);
        if job.download_url.is_empty() {
            return Err(Error::invalid(
                "download_url",
                format!("export {} finished without a file", job.unique_id),
            ));
        }
        let body = self.download(&job.download_url).await?;
        let rows = BackupRows::from_json(resource, &body)?;
        p.stage = BackupStage::Finished;
        p.bytes_done = body.len() as u64;
        p.rows_done = rows.len() as u64;
        report(&options.on_progress, &p);
        Ok(rows)
    }

    /// Requests an export, waits for it, and streams its file to `path` chunk by chunk: the file
    /// is never held in memory and no size limit applies but the disk's. Rows are counted as the
    /// bytes stream past.
    ///
    /// The file is written to `path` + `.part` and renamed when complete, so `path` never holds
    /// a partial download. A write failure is an [`Error::InvalidInput`] naming `path`.
    pub async fn export_to_file(
        &self,
        resource: BackupResource,
        start_date: &str,
        end_date: &str,
        path: impl AsRef<Path>,
        options: &ExportOptions,
    ) -> Result<ExportedFile> {
        let path = path.as_ref();
        let job = self
            .request_export(resource, start_date, end_date, options)
            .await?;
        let part = {
            let mut name = path.as_os_str().to_owned();
            name.push(".part");
            PathBuf::from(name)
        };
        let io_err = |p: &Path, e: std::io::Error| {
            Error::invalid("path", format!("cannot write {}: {e}", p.display()))
        };
        let mut file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| io_err(&part, e))?;
        let streamed = match self
            .download_export_to(&job, &mut file, options.on_progress.clone())
            .await
        {
            Ok(s) => s,
            Err(e) => {
                drop(file);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(e);
            }
        };
        file.sync_all().await.map_err(|e| io_err(&part, e))?;
        drop(file);
        tokio::fs::rename(&part, path)
            .await
            .map_err(|e| io_err(path, e))?;
        Ok(ExportedFile {
            export: job,
            path: path.display().to_string(),
            bytes: streamed.bytes,
            rows: streamed.rows,
        })
    }

    /// Streams a finished export's file into any writer, chunk by chunk, and returns the bytes
    /// written and the rows counted (elements of the file's top-level array).
    ///
    /// Errors: the export has no `download_url` yet ([`Error::InvalidInput`]); the download
    /// failed; the bytes were not one complete JSON array ([`Error::Decode`]).
    pub async fn download_export_to<W>(
        &self,
        export: &Export,
        writer: &mut W,
        on_progress: Option<ProgressCallback>,
    ) -> Result<DownloadStats>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        self.stream_export(export, writer, &on_progress).await
    }

    async fn stream_export<W>(
        &self,
        export: &Export,
        writer: &mut W,
        listener: &Option<ProgressCallback>,
    ) -> Result<DownloadStats>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        if export.download_url.is_empty() {
            return Err(Error::invalid(
                "download_url",
                format!(
                    "export {} has no file yet (status {:?})",
                    export.unique_id, export.status
                ),
            ));
        }
        let resource = export
            .resource_name
            .parse()
            .unwrap_or(BackupResource::Comments);
        let mut progress = BackupProgress::new(BackupStage::Downloading, resource);
        progress.job_id = export.unique_id.clone();
        progress.percentage = 100.0;
        progress.bytes_total = u64::try_from(export.size).ok().filter(|s| *s > 0);
        report(listener, &progress);
        let mut counting = CountingWriter {
            inner: writer,
            counter: ArrayCounter::new(),
            bytes: 0,
            progress,
            listener,
        };
        let bytes = self
            .download_to(&export.download_url, &mut counting)
            .await?;
        let rows = counting.counter.finish().map_err(|reason| Error::Decode {
            call: "download_export".into(),
            reason,
            body_excerpt: String::new(),
        })?;
        let mut done = counting.progress.clone();
        done.stage = BackupStage::Finished;
        done.rows_done = rows;
        report(listener, &done);
        Ok(DownloadStats { bytes, rows })
    }
}
