//! Webhook bodies: parsing never panics; a parsed event survives a serde round trip; signing a
//! body and verifying it before parsing gives the same event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qiscus::webhooks::{parse_event, sign, verify_and_parse};
use qiscus::WebhookEvent;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = parse_event(data) else {
        return;
    };
    let wire = serde_json::to_value(&event).expect("an event serializes");
    let back: WebhookEvent = serde_json::from_value(wire.clone())
        .unwrap_or_else(|e| panic!("re-decoding event {wire} failed: {e}"));
    assert_eq!(
        event, back,
        "event round trip changed it; wire form: {wire}"
    );

    let token = b"fuzz-token";
    let signed = verify_and_parse(token, data, Some(&sign(token, data)))
        .expect("a correctly signed, parseable body is accepted");
    assert_eq!(signed, event);
});
