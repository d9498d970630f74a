//! Payload decoding over arbitrary input, for every known comment type and an unknown one.
//!
//! Invariants: decoding never panics, and for any decoded payload `p`,
//! `Payload::from_wire(Some(p.type_name()), p.to_wire()) == p` (also through `Payload`'s own
//! serde form). An unknown type's payload is kept whole. The bytes are also decoded as a whole
//! `Comment`, which must survive a serde round trip.
//!
//! NaN cannot arise here: every float comes out of JSON, which has no NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qiscus::{Comment, Payload};
use serde_json::Value;

const TYPES: &[&str] = &[
    "text",
    "reply",
    "account_linking",
    "buttons",
    "card",
    "carousel",
    "custom",
    "location",
    "contact_person",
    "file_attachment",
    "button_postback_response",
    "system_event",
    "something_new",
];

fn check(type_name: &str, payload: Option<Value>) {
    let p = Payload::from_wire(Some(type_name), payload.clone());

    let again = Payload::from_wire(Some(p.type_name()), p.to_wire());
    assert_eq!(
        p, again,
        "from_wire(type_name, to_wire) changed the payload (type {type_name:?}, input {payload:?})"
    );

    // The `{"type", "payload"}` serde form goes through the same path.
    let v = serde_json::to_value(&p).expect("a payload serializes");
    let back: Payload = serde_json::from_value(v.clone()).expect("a serialized payload decodes");
    assert_eq!(
        p, back,
        "serde round trip changed the payload; wire form: {v}"
    );

    // A type this crate does not know is kept whole: objects, arrays, numbers and booleans come
    // back exactly as sent (strings may hold embedded JSON, and blank ones read as absent).
    if type_name == "something_new" {
        match &p {
            Payload::Unknown {
                type_name: t,
                payload: kept,
            } => {
                assert_eq!(t, type_name);
                if let Some(
                    orig @ (Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::Bool(_)),
                ) = &payload
                {
                    assert_eq!(kept.as_ref(), Some(orig), "unknown payload altered");
                }
            }
            other => panic!("unknown type decoded as {other:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = serde_json::from_slice::<Value>(data).ok();
    // The bytes as a JSON string too (the request form embeds the payload as text), unless they
    // are a JSON object or array: such a string is parsed back into the very same value, so that
    // would only repeat the first check. (Strings holding JSON still come in as JSON strings.)
    let as_text = match &parsed {
        Some(Value::Object(_) | Value::Array(_)) => None,
        _ => Some(Value::String(String::from_utf8_lossy(data).into_owned())),
    };
    for t in TYPES {
        if let Some(v) = &parsed {
            check(t, Some(v.clone()));
        }
        if let Some(v) = &as_text {
            check(t, Some(v.clone()));
        }
    }
    check("text", None);
    check("reply", None);
    check("location", None);

    // The `{"type": ..., "payload": ...}` form as a whole.
    if let Some(v) = &parsed {
        if let Ok(p) = serde_json::from_value::<Payload>(v.clone()) {
            let again = Payload::from_wire(Some(p.type_name()), p.to_wire());
            assert_eq!(p, again);
        }
    }

    if let Ok(c) = serde_json::from_slice::<Comment>(data) {
        let wire = serde_json::to_value(&c).expect("a comment serializes");
        let back: Comment = serde_json::from_value(wire.clone())
            .unwrap_or_else(|e| panic!("re-decoding comment {wire} failed: {e}"));
        assert_eq!(c, back, "comment round trip changed it; wire form: {wire}");
    }
});
