//! Timestamps exactly as the server sent them, with a parser for every form seen.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A timestamp kept as the server sent it (`2017-02-07T19:01:00Z`,
/// `2017-09-23T10:34:44.156457Z`, `2017-02-27T17:30:09+07:00`, ...).
///
/// The text is never altered, so a value read from one call can be sent back or compared as is;
/// [`Timestamp::parse`] turns it into a date-time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(transparent)]
pub struct Timestamp(pub String);

impl Timestamp {
    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses every form seen from the server: RFC 3339 with `Z` or an offset, with or without
    /// fractional seconds, a space instead of `T`, no zone at all (read as UTC), and plain unix
    /// seconds. Returns `None` for anything else.
    pub fn parse(&self) -> Option<DateTime<FixedOffset>> {
        parse_timestamp(&self.0)
    }

    /// True for the server's "never" value `0001-01-01T00:00:00Z` (a room without comments).
    pub fn is_zero(&self) -> bool {
        self.0.starts_with("0001-01-01")
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Timestamp {
    fn from(s: &str) -> Self {
        Timestamp(s.to_owned())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Numbers (unix seconds) are kept as their decimal text.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Timestamp(s)),
            serde_json::Value::Number(n) => Ok(Timestamp(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a timestamp string, got {other}"
            ))),
        }
    }
}

/// Parses a timestamp in any of the forms [`Timestamp::parse`] accepts.
pub fn parse_timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    let t = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&t) {
        return Some(dt);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&t, fmt) {
            return Some(Utc.from_utc_datetime(&naive).fixed_offset());
        }
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        return Utc
            .timestamp_opt(secs, 0)
            .single()
            .map(|d| d.fixed_offset());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_in_notes() {
        for (text, unix) in [
            ("2017-02-07T19:01:00Z", 1486494060),
            ("2017-09-23T10:34:44.156457Z", 1506162884),
            ("2017-02-27T17:30:09+07:00", 1488191409),
            ("2016-09-06T16:18:50+00:00", 1473178730),
            ("2017-02-07 19:01:00", 1486494060),
            ("1486494060", 1486494060),
        ] {
            let parsed = Timestamp::from(text)
                .parse()
                .unwrap_or_else(|| panic!("{text}"));
            assert_eq!(parsed.timestamp(), unix, "{text}");
        }
        assert!(Timestamp::from("0001-01-01T00:00:00Z").is_zero());
        assert!(Timestamp::from("yesterday").parse().is_none());
    }
}
