//! The Rust runner: the reference every other language's runner mirrors.

use std::path::Path;
use std::time::Duration;

use qiscus::conformance::{
    ClientOptions, ConformanceCall as C, ConformanceOutcome as O, ConformanceStep, ObservedError,
    Scenario,
};
use qiscus::workflows::{ExportOptions, ImportOptions};
use qiscus::{Client, ClientConfig, Error, RetryPolicy};
use qiscus_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::json;

/// Replays every scenario against a fresh emulator and writes the transcript to `out`.
/// `Ok(false)` when a scenario failed.
pub fn run_all(out: &Path) -> Result<bool, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| format!("emulator: {e}"))?;
        let http = reqwest::Client::new();
        let (mut transcripts, mut failed) = (Vec::new(), 0);
        let files = crate::scenario_files().map_err(|e| e.to_string())?;
        for file in &files {
            reset(&http, emulator.base_url()).await?;
            let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
            let mut scenario = Scenario::parse(&text, emulator.base_url())
                .map_err(|e| format!("{}: {e}", file.display()))?;
            while let Some(step) = scenario.next_step() {
                match run_step(&emulator, &http, &step).await {
                    Ok(outcome) => scenario.record_ok(outcome),
                    Err(e) => scenario.record_error(ObservedError::from(&e)),
                }
            }
            let failures = scenario.failures();
            if !failures.is_empty() {
                failed += 1;
                eprintln!("FAILED {}:\n  {}", file.display(), failures.join("\n  "));
            }
            transcripts.push(scenario.transcript());
        }
        let doc = json!({"language": "rust", "scenarios": transcripts});
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
        println!(
            "conformance (rust): scenarios={} failed={failed} -> {}",
            files.len(),
            out.display()
        );
        Ok(failed == 0)
    })
}

async fn reset(http: &reqwest::Client, base: &str) -> Result<(), String> {
    http.post(format!("{base}/_emulator/reset"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map(drop)
        .map_err(|e| format!("emulator reset: {e}"))
}

/// The step's client: the emulator's URL and secret and no retries, unless the step says
/// otherwise.
fn client(emulator: &EmulatorHandle, options: Option<&ClientOptions>) -> Result<Client, Error> {
    let o = options.cloned().unwrap_or_default();
    let secret = o.secret.unwrap_or_else(|| emulator.secret().to_owned());
    let mut config = ClientConfig::new(emulator.app_id(), secret);
    config.base_url = Some(o.base_url.unwrap_or_else(|| emulator.base_url().to_owned()));
    config.retry = RetryPolicy {
        max_retries: o.max_retries.unwrap_or(0),
        ..RetryPolicy::default()
    };
    if let Some(ms) = o.retry_base_delay_ms {
        config.retry.base_delay = Duration::from_millis(ms);
    }
    if let Some(ms) = o.timeout_ms {
        config.timeout = Duration::from_millis(ms);
    }
    if let Some(bytes) = o.max_response_bytes {
        config.max_response_bytes = bytes;
    }
    Client::from_config(config)
}

/// Every page of a pager, fetched one after the other.
macro_rules! all_pages {
    ($pager:expr) => {{
        let mut pager = $pager;
        let mut pages = Vec::new();
        while let Some(page) = pager.next_page().await? {
            pages.push(page);
        }
        pages
    }};
}

async fn run_step(
    emulator: &EmulatorHandle,
    http: &reqwest::Client,
    step: &ConformanceStep,
) -> Result<O, Error> {
    // Calls that need no client.
    match &step.call {
        C::SignWebhookBody { token, body } => {
            return Ok(O::OfText {
                value: qiscus::webhooks::sign(token, body),
            })
        }
        C::VerifyWebhookSignature {
            token,
            body,
            signature,
        } => {
            return qiscus::webhooks::verify_signature(token, body, signature.as_deref())
                .map(|()| O::Done)
        }
        C::ParseWebhookEvent { body } => {
            return qiscus::webhooks::parse_event(body).map(|value| O::OfWebhookEvent { value })
        }
        C::ReceiveWebhook {
            token,
            headers,
            body,
        } => {
            let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            return qiscus::webhooks::receive(token, headers, body)
                .map(|value| O::OfWebhookEvent { value });
        }
        C::TimestampToUnixMillis { timestamp } => {
            return Ok(O::OfMillis {
                value: qiscus::parse_timestamp(timestamp).map(|t| t.timestamp_millis()),
            })
        }
        C::Emulator {
            method,
            path,
            body_json,
        } => return Ok(emulator_request(http, emulator.base_url(), method, path, body_json).await),
        _ => {}
    }
    let c = client(emulator, step.client.as_ref())?;
    Ok(match &step.call {
        C::LoginOrRegister { params } => O::OfUser {
            value: c.login_or_register(params).await?,
        },
        C::UserProfile { user_email } => O::OfUser {
            value: c.user_profile(user_email).await?,
        },
        C::ResetUserToken { user_email } => O::OfUser {
            value: c.reset_user_token(user_email).await?,
        },
        C::GetUserRooms { params } => O::OfUserRooms {
            value: c.get_user_rooms(params).await?,
        },
        C::CreateRoom { params } => O::OfRoomSummary {
            value: c.create_room(params).await?,
        },
        C::UpdateRoom { params } => O::OfUpdatedRoom {
            value: c.update_room(params).await?,
        },
        C::GetOrCreateRoomWithTarget { emails } => O::OfRoomWithComments {
            value: c.get_or_create_room_with_target(emails).await?,
        },
        C::GetRoomsInfo { params } => O::OfRoomInfos {
            value: c.get_rooms_info(params).await?,
        },
        C::AddRoomParticipants { room_id, emails } => O::OfRoomSummary {
            value: c.add_room_participants(*room_id, emails).await?,
        },
        C::RemoveRoomParticipants { room_id, emails } => O::OfRoomSummary {
            value: c.remove_room_participants(*room_id, emails).await?,
        },
        C::PostComment { params } => O::OfComment {
            value: c.post_comment(params).await?,
        },
        C::LoadComments { params } => O::OfComments {
            value: c.load_comments(params).await?,
        },
        C::PostSystemEventMessage { params } => O::OfComment {
            value: c.post_system_event_message(params).await?,
        },
        C::SearchMessages { params } => O::OfComments {
            value: c.search_messages(params).await?,
        },
        C::CreateExport { params } => O::OfExport {
            value: c.create_export(params).await?,
        },
        C::ListExports { page } => O::OfExports {
            value: c.list_exports(*page).await?,
        },
        C::GetExport { unique_id } => O::OfExport {
            value: c.get_export(unique_id).await?,
        },
        C::DeleteExport { unique_id } => O::OfExport {
            value: c.delete_export(unique_id).await?,
        },
        C::DownloadExport { export } => O::OfRows {
            value: c.download_export(export).await?,
        },
        C::CreateImport { params } => O::OfImport {
            value: c.create_import(params).await?,
        },
        C::ListImports { page } => O::OfImports {
            value: c.list_imports(*page).await?,
        },
        C::ExportAndDownload {
            resource,
            start_date,
            end_date,
            poll_interval_ms,
            timeout_ms,
        } => {
            let options = ExportOptions {
                poll_interval: Duration::from_millis(*poll_interval_ms),
                timeout: Duration::from_millis(*timeout_ms),
                on_progress: None,
            };
            O::OfBackupRows {
                value: c
                    .export_and_download(*resource, start_date, end_date, &options)
                    .await?,
            }
        }
        C::ImportRows {
            batch,
            max_file_bytes,
            poll_interval_ms,
            timeout_ms,
        } => {
            let options = ImportOptions {
                poll_interval: Duration::from_millis(*poll_interval_ms),
                timeout: Duration::from_millis(*timeout_ms),
                max_file_bytes: *max_file_bytes,
                ..ImportOptions::default()
            };
            O::OfImportReport {
                value: c.import_rows(batch, &options).await?,
            }
        }
        C::RoomsPager { user_email } => O::OfRoomPages {
            value: all_pages!(c.rooms_of(user_email.clone())),
        },
        C::CommentsPager { params } => O::OfCommentPages {
            value: all_pages!(c.comments_pager(params.clone())),
        },
        C::ExportsPager => O::OfExportPages {
            value: all_pages!(c.exports_pager()),
        },
        C::ImportsPager => O::OfImportPages {
            value: all_pages!(c.imports_pager()),
        },
        C::SignWebhookBody { .. }
        | C::VerifyWebhookSignature { .. }
        | C::ParseWebhookEvent { .. }
        | C::ReceiveWebhook { .. }
        | C::TimestampToUnixMillis { .. }
        | C::Emulator { .. } => unreachable!("answered above"),
    })
}

/// An admin request; a transport failure is reported as status 0 with the reason as body.
async fn emulator_request(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body_json: &Option<String>,
) -> O {
    let url = format!("{base}{path}");
    let mut request = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    };
    if let Some(body) = body_json {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    match request.send().await {
        Ok(r) => O::OfEmulatorAnswer {
            status: r.status().as_u16(),
            body: r.text().await.unwrap_or_default(),
        },
        Err(e) => O::OfEmulatorAnswer {
            status: 0,
            body: e.to_string(),
        },
    }
}
