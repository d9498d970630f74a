//! Data backup and import: export jobs, their files, and imports of users, rooms and comments.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::client::{Body, Client};
use crate::de;
use crate::endpoints::{
    CREATE_EXPORT, CREATE_IMPORT, DELETE_EXPORT, GET_EXPORT, LIST_EXPORTS, LIST_IMPORTS,
};
use crate::error::{Error, Result};
use crate::timestamp::Timestamp;
use crate::validate;
use crate::JsonValue;

/// Largest file one import accepts: 4 MB.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

/// What a backup or import holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum BackupResource {
    /// `users`
    Users,
    /// `rooms`
    Rooms,
    /// `comments`
    Comments,
}

impl BackupResource {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            BackupResource::Users => "users",
            BackupResource::Rooms => "rooms",
            BackupResource::Comments => "comments",
        }
    }
}

impl std::str::FromStr for BackupResource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "users" => Ok(BackupResource::Users),
            "rooms" => Ok(BackupResource::Rooms),
            "comments" => Ok(BackupResource::Comments),
            other => Err(Error::invalid(
                "type",
                format!("must be \"users\", \"rooms\" or \"comments\", got {other:?}"),
            )),
        }
    }
}

/// An export job (`backup_history`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Export {
    /// Job id.
    pub unique_id: String,
    /// `started`, `finished`, `failed`, ... as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub status: String,
    /// Progress, 0 to 100.
    #[serde(default, deserialize_with = "de::float_or_zero")]
    pub percentage: f64,
    /// `users`, `rooms` or `comments`, as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub resource_name: String,
    /// Where the finished file can be downloaded ("" until finished).
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub download_url: String,
    /// The file's name.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub original_filename: String,
    /// File size in bytes.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub size: i64,
    /// Rows exported.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub total_rows: i64,
    /// Why it failed ("" otherwise).
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub error_message: String,
    /// When the job was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

impl Export {
    /// True once the file is ready.
    pub fn is_finished(&self) -> bool {
        self.status == "finished"
    }

    /// True when the job failed.
    pub fn is_failed(&self) -> bool {
        self.status == "failed" || self.status == "error"
    }
}

/// Errors an import reported: `{"Message": "...", "Data": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportErrors {
    /// Summary ("" when none).
    #[serde(rename = "Message", default, deserialize_with = "de::string_or_empty")]
    pub summary: String,
    /// Details (per-row errors), as sent.
    #[serde(rename = "Data", default)]
    pub data: Option<JsonValue>,
}

/// An import job (`backup_history` of `imports`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Import {
    /// Job id.
    pub unique_id: String,
    /// `started`, `finished`, `failed`, ... as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub status: String,
    /// `users`, `rooms` or `comments`, as sent.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub resource_name: String,
    /// Name of the uploaded file.
    #[serde(default, deserialize_with = "de::string_or_empty")]
    pub original_filename: String,
    /// File size in bytes.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub size: i64,
    /// Rows imported.
    #[serde(default, deserialize_with = "de::num_or_zero")]
    pub total_rows: i64,
    /// Errors reported (`{}` and `null` become the empty value).
    #[serde(default, deserialize_with = "import_errors")]
    pub errors: ImportErrors,
    /// When the import was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

fn import_errors<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<ImportErrors, D::Error> {
    Ok(Option::<ImportErrors>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
pub(crate) struct HistoryResult<T> {
    pub(crate) backup_history: T,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum ExportCreated {
    Wrapped { backup_history: Export },
    Bare(Export),
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct HistoriesResult<T> {
    #[serde(default = "Vec::new", deserialize_with = "de::vec_or_empty")]
    pub(crate) backup_histories: Vec<T>,
}

/// Arguments of [`Client::create_export`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct CreateExportParams {
    /// What to export.
    pub resource: BackupResource,
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day, `YYYY-MM-DD`, not before `start_date`.
    pub end_date: String,
}

/// Arguments of [`Client::create_import`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CreateImportParams {
    /// What the file holds.
    pub resource: BackupResource,
    /// File name sent with the upload.
    pub file_name: String,
    /// The JSON array, at most 4 MB, in the spec's import format.
    pub contents: Vec<u8>,
}

fn check_unique_id(id: &str) -> Result<()> {
    validate::required("unique_id", id)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::invalid(
            "unique_id",
            format!("{id:?} is not a backup id (letters, digits, '-' and '_' only)"),
        ));
    }
    Ok(())
}

fn page_query(page: Option<u32>) -> Result<Body> {
    validate::page("page", page)?;
    Ok(match page {
        Some(p) => Body::Query(vec![("page", p.to_string())]),
        None => Body::None,
    })
}

impl Client {
    /// Requests an export; poll [`Client::get_export`] until it is finished. `POST exports`.
    pub async fn create_export(&self, params: &CreateExportParams) -> Result<Export> {
        let start = validate::date("start_date", &params.start_date)?;
        let end = validate::date("end_date", &params.end_date)?;
        if end < start {
            return Err(Error::invalid(
                "end_date",
                format!(
                    "{} is before start_date {}",
                    params.end_date, params.start_date
                ),
            ));
        }
        let body = serde_json::json!({
            "type": params.resource.as_str(),
            "start_date": params.start_date,
            "end_date": params.end_date,
        });
        // The spec's example answers with the job itself as `results`; accept it wrapped in
        // `backup_history` too, as the other backup calls send it.
        let r: ExportCreated = self.call(&CREATE_EXPORT, None, Body::json(&body)?).await?;
        Ok(match r {
            ExportCreated::Wrapped { backup_history } => backup_history,
            ExportCreated::Bare(e) => e,
        })
    }

    /// Up to 20 recent exports. `GET exports`.
    pub async fn list_exports(&self, page: Option<u32>) -> Result<Vec<Export>> {
        let r: HistoriesResult<Export> = self.call(&LIST_EXPORTS, None, page_query(page)?).await?;
        Ok(r.backup_histories)
    }

    /// One export. `GET exports/{unique_id}`.
    pub async fn get_export(&self, unique_id: &str) -> Result<Export> {
        check_unique_id(unique_id)?;
        let r: HistoryResult<Export> = self.call(&GET_EXPORT, Some(unique_id), Body::None).await?;
        Ok(r.backup_history)
    }

    /// Deletes an export and returns it. `DELETE exports/{unique_id}`.
    pub async fn delete_export(&self, unique_id: &str) -> Result<Export> {
        check_unique_id(unique_id)?;
        let r: HistoryResult<Export> = self
            .call(&DELETE_EXPORT, Some(unique_id), Body::None)
            .await?;
        Ok(r.backup_history)
    }

    /// Downloads a finished export's file and returns its rows (the spec's import format).
    pub async fn download_export(&self, export: &Export) -> Result<Vec<JsonValue>> {
        if export.download_url.is_empty() {
            return Err(Error::invalid(
                "download_url",
                format!(
                    "export {} has no file yet (status {:?})",
                    export.unique_id, export.status
                ),
            ));
        }
        let body = self.download(&export.download_url).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Decode {
            call: "download_export".into(),
            reason: e.to_string(),
            body_excerpt: crate::error::excerpt(&body, 200),
        })
    }

    /// Uploads a JSON file of users, rooms or comments. `POST imports` (multipart).
    pub async fn create_import(&self, params: &CreateImportParams) -> Result<Import> {
        validate::required("file_name", &params.file_name)?;
        if params.contents.len() > MAX_IMPORT_BYTES {
            return Err(Error::invalid(
                "file",
                format!(
                    "{} bytes is over the 4 MB limit of one import",
                    params.contents.len()
                ),
            ));
        }
        match serde_json::from_slice::<serde::de::IgnoredAny>(&params.contents) {
            Ok(_) if params.contents.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') => {}
            _ => return Err(Error::invalid("file", "must be a JSON array")),
        }
        let body = Body::Multipart {
            fields: vec![("type", params.resource.as_str().to_owned())],
            file_field: "file",
            file_name: params.file_name.clone(),
            bytes: Arc::from(params.contents.as_slice()),
        };
        let r: HistoryResult<Import> = self.call(&CREATE_IMPORT, None, body).await?;
        Ok(r.backup_history)
    }

    /// Up to 20 recent imports. `GET imports`.
    pub async fn list_imports(&self, page: Option<u32>) -> Result<Vec<Import>> {
        let r: HistoriesResult<Import> = self.call(&LIST_IMPORTS, None, page_query(page)?).await?;
        Ok(r.backup_histories)
    }
}
