//! One parameter-extraction layer used by every handler.
//!
//! Query strings, JSON bodies and form-encoded bodies are normalised into one
//! map: keys lose a trailing `[]`, repeated keys become arrays, `a[b]=v`
//! becomes an object `a: {b: v}`, numbers and booleans may arrive as strings.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Largest body accepted by the parameter layer.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Normalised request parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    map: HashMap<String, Value>,
}

fn normalise_key(k: &str) -> &str {
    k.strip_suffix("[]").unwrap_or(k)
}

impl Params {
    /// Builds parameters from a JSON object.
    pub fn from_json_object(obj: Map<String, Value>) -> Self {
        let mut p = Params::default();
        p.merge_json(obj);
        p
    }

    fn merge_json(&mut self, obj: Map<String, Value>) {
        for (k, v) in obj {
            self.map.insert(normalise_key(&k).to_string(), v);
        }
    }

    fn add_form(&mut self, raw: &[u8]) {
        // Collect first so repeated keys become arrays.
        let mut seen: Vec<(String, Option<String>, bool, String)> = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            let k = k.into_owned();
            let v = v.into_owned();
            let is_array = k.ends_with("[]");
            let base = normalise_key(&k).to_string();
            // `a[b]` -> object a with key b.
            if let Some(open) = base.find('[') {
                if base.ends_with(']') && open > 0 {
                    let name = base[..open].to_string();
                    let sub = base[open + 1..base.len() - 1].to_string();
                    if !sub.is_empty() {
                        seen.push((name, Some(sub), false, v));
                        continue;
                    }
                }
            }
            seen.push((base, None, is_array, v));
        }
        let mut form: HashMap<String, Value> = HashMap::new();
        for (name, sub, is_array, v) in seen {
            match sub {
                Some(sub) => {
                    let entry = form
                        .entry(name)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !entry.is_object() {
                        *entry = Value::Object(Map::new());
                    }
                    if let Value::Object(m) = entry {
                        m.insert(sub, Value::String(v));
                    }
                }
                None => match form.get_mut(&name) {
                    Some(Value::Array(a)) => a.push(Value::String(v)),
                    Some(existing) => {
                        let old = existing.take();
                        *existing = Value::Array(vec![old, Value::String(v)]);
                    }
                    None => {
                        let val = if is_array {
                            Value::Array(vec![Value::String(v)])
                        } else {
                            Value::String(v)
                        };
                        form.insert(name, val);
                    }
                },
            }
        }
        self.map.extend(form);
    }

    /// Raw value of a key.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.map.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A scalar as a string (numbers and booleans are converted).
    pub fn str(&self, name: &str) -> Option<String> {
        self.get(name).and_then(scalar_string)
    }

    /// A non-empty string or a 400 naming the field.
    pub fn req_str(&self, name: &str) -> Result<String, ApiError> {
        match self.str(name) {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::bad_request(format!("{name} is required"))),
        }
    }

    /// A list of strings (a single value is a one-element list).
    pub fn list(&self, name: &str) -> Result<Vec<String>, ApiError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| {
                    scalar_string(v).ok_or_else(|| {
                        ApiError::bad_request(format!("{name} must be an array of strings"))
                    })
                })
                .collect(),
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.starts_with('[') {
                    if let Ok(Value::Array(a)) = serde_json::from_str::<Value>(t) {
                        return Params::from_json_object(
                            [(name.to_string(), Value::Array(a))].into_iter().collect(),
                        )
                        .list(name);
                    }
                }
                if t.is_empty() {
                    Ok(Vec::new())
                } else {
                    Ok(vec![s.clone()])
                }
            }
            Some(v) => scalar_string(v).map(|s| vec![s]).ok_or_else(|| {
                ApiError::bad_request(format!("{name} must be an array of strings"))
            }),
        }
    }

    /// An optional unsigned integer; a value that is not one is a 400.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        let v = match self.get(name) {
            None => return Ok(None),
            Some(Value::Array(a)) if a.len() == 1 => &a[0],
            Some(v) => v,
        };
        match v {
            Value::Number(n) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| ApiError::bad_request(format!("{name} must be a positive integer"))),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => {
                s.trim().parse::<u64>().map(Some).map_err(|_| {
                    ApiError::bad_request(format!("{name} must be a positive integer"))
                })
            }
            _ => Err(ApiError::bad_request(format!(
                "{name} must be a positive integer"
            ))),
        }
    }

    /// A required unsigned integer.
    pub fn req_u64(&self, name: &str) -> Result<u64, ApiError> {
        self.u64(name)?
            .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    }

    /// A boolean (true, "true", "1"); absent is false.
    pub fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) => Ok(n.as_f64() != Some(0.0)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                _ => Err(ApiError::bad_request(format!(
                    "{name} must be a boolean (true or false)"
                ))),
            },
            Some(_) => Err(ApiError::bad_request(format!(
                "{name} must be a boolean (true or false)"
            ))),
        }
    }

    /// A JSON value that may arrive as a JSON string containing JSON.
    /// Absent or empty string is `None`; an unparsable string is a 400.
    pub fn json(&self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                if s.trim().is_empty() {
                    return Ok(None);
                }
                serde_json::from_str::<Value>(s)
                    .map(|v| if v.is_null() { None } else { Some(v) })
                    .map_err(|e| ApiError::bad_request(format!("{name} must be valid JSON: {e}")))
            }
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

/// Converts a JSON scalar to a string.
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) if a.len() == 1 => scalar_string(&a[0]),
        _ => None,
    }
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let mut p = Params::default();
        if let Some(q) = parts.uri.query() {
            p.add_form(q.as_bytes());
        }
        let ct = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|e| ApiError::bad_request(format!("could not read the request body: {e}")))?;
        let trimmed = bytes.trim_ascii();
        if trimmed.is_empty() {
            return Ok(p);
        }
        let is_json = ct.contains("json")
            || (!ct.contains("x-www-form-urlencoded") && trimmed.first() == Some(&b'{'));
        if is_json {
            match serde_json::from_slice::<Value>(trimmed) {
                Ok(Value::Object(obj)) => p.merge_json(obj),
                Ok(_) => {
                    return Err(ApiError::bad_request(
                        "the JSON body must be an object of parameters",
                    ))
                }
                Err(e) => {
                    return Err(ApiError::bad_request(format!(
                        "the request body is not valid JSON: {e}"
                    )))
                }
            }
        } else {
            p.add_form(trimmed);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_arrays_and_objects() {
        let mut p = Params::default();
        p.add_form(b"emails[]=a%40x.com&emails[]=b%40x.com&room_id=12&payload[text]=hi&x=1&x=2");
        assert_eq!(p.list("emails").unwrap(), vec!["a@x.com", "b@x.com"]);
        assert_eq!(p.req_u64("room_id").unwrap(), 12);
        assert_eq!(p.json("payload").unwrap().unwrap()["text"], "hi");
        assert_eq!(p.list("x").unwrap(), vec!["1", "2"]);
    }

    #[test]
    fn json_string_payload_and_bools() {
        let p = Params::from_json_object(
            serde_json::json!({"payload": "{\"a\":1}", "b": "true", "room_id[]": [1, "2"]})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(p.json("payload").unwrap().unwrap()["a"], 1);
        assert!(p.bool("b").unwrap());
        assert_eq!(p.list("room_id").unwrap(), vec!["1", "2"]);
    }
}
