//! Background webhook delivery with HMAC-SHA256 signatures.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::faults::{bump, StatsCounters};

/// Header carrying the signature.
pub(crate) const SIGNATURE_HEADER: &str = "QISCUS-SDK-SIGNATURE";

/// `hex(HMAC-SHA256(key = token, message = body))`.
pub(crate) fn sign(token: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Starts the delivery worker; webhooks are delivered in order, each tried
/// once and retried up to 3 times with a short backoff.
pub(crate) fn spawn(
    url: String,
    token: Option<String>,
    stats: Arc<StatsCounters>,
) -> mpsc::UnboundedSender<Value> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("reqwest client");
    tokio::spawn(async move {
        while let Some(body) = rx.recv().await {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let signature = token.as_deref().map(|t| sign(t, &bytes));
            let mut delivered = false;
            for attempt in 0..4u32 {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(50 << (attempt - 1))).await;
                }
                let mut req = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(bytes.clone());
                if let Some(sig) = &signature {
                    req = req.header(SIGNATURE_HEADER, sig);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        delivered = true;
                        break;
                    }
                    Ok(r) => tracing::warn!(status = %r.status(), attempt, "webhook rejected"),
                    Err(e) => tracing::warn!(error = %e, attempt, "webhook delivery failed"),
                }
            }
            if delivered {
                bump(&stats.webhooks_delivered);
            } else {
                bump(&stats.webhooks_failed);
            }
        }
    });
    tx
}
