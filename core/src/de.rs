//! Tolerant decoding helpers for the shapes the live server sends (see notes.md): ids as numbers
//! or numeric strings, `null` where a value is expected, JSON embedded in strings.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An id that may arrive as a number or as a numeric string.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdRepr {
    Int(i64),
    Float(f64),
    Str(String),
}

fn id_from(repr: IdRepr) -> Result<Option<i64>, String> {
    match repr {
        IdRepr::Int(i) => Ok(Some(i)),
        IdRepr::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        IdRepr::Float(f) => Err(format!("expected an integer id, got {f}")),
        IdRepr::Str(s) if s.trim().is_empty() => Ok(None),
        IdRepr::Str(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("expected a numeric id, got {s:?}")),
    }
}

/// A required id: number or numeric string.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let repr = IdRepr::deserialize(d)?;
    id_from(repr)
        .map_err(serde::de::Error::custom)?
        .ok_or_else(|| serde::de::Error::custom("empty id"))
}

/// An optional id: number, numeric string, empty string or null.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<IdRepr>::deserialize(d)? {
        None => Ok(None),
        Some(r) => id_from(r).map_err(serde::de::Error::custom),
    }
}

/// A number (id, count, size) that defaults to 0 when null or absent; accepts numeric strings.
pub(crate) fn num_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_id(d)?.unwrap_or(0))
}

/// A string that may be null: null becomes the empty string.
pub(crate) fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// An optional string: null and absent become `None`, "" is kept.
/// Numbers are turned into their decimal text (some servers send numeric strings as numbers).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

fn bool_from(v: Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true") || s == "1"),
        Value::Number(n) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
        _ => None,
    }
}

/// A boolean that may be null, absent, a number, or the strings "true"/"false".
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<Value>::deserialize(d)?
        .and_then(bool_from)
        .unwrap_or(false))
}

/// An optional boolean, as tolerant as [`bool_or_false`]; null and absent are `None`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(bool_from))
}

/// A free-form JSON value that may arrive as a JSON object, as a string holding JSON, as "" or as
/// null. Empty and null become `None`; a string that is not JSON is kept as a JSON string.
pub(crate) fn embedded_json<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(normalize_embedded(Option::<Value>::deserialize(d)?))
}

pub(crate) fn normalize_embedded(v: Option<Value>) -> Option<Value> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(v @ (Value::Object(_) | Value::Array(_))) => Some(v),
            _ => Some(Value::String(s)),
        },
        Some(other) => Some(other),
    }
}

/// A list that may be null or absent: both become empty.
pub(crate) fn vec_or_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A number that may be a float, an integer or a numeric string; null and absent are 0.
pub(crate) fn float_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite())
            .unwrap_or(0.0),
        _ => 0.0,
    })
}
