//! Checks made before anything is sent. Each failure names the wire field.

use crate::error::{Error, Result};

/// A required string must not be empty or blank.
pub(crate) fn required(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

/// The longest e-mail address there can be, in bytes (RFC 5321's path of 256, less its angle
/// brackets).
const EMAIL_MAX: usize = 254;

/// A plausible e-mail address: at most [`EMAIL_MAX`] bytes, one `@`, a non-empty local part, a
/// dotted domain, no spaces.
pub(crate) fn email(field: &str, value: &str) -> Result<()> {
    required(field, value)?;
    if value.len() > EMAIL_MAX {
        // Not echoed: it could be anything, of any length.
        return Err(Error::invalid(
            field,
            format!(
                "is {} bytes long; an e-mail address has at most {EMAIL_MAX}",
                value.len()
            ),
        ));
    }
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value:?} is not a valid e-mail address"),
        ))
    }
}

/// Every address of a list is valid and the list is not empty.
pub(crate) fn emails(field: &str, values: &[String]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::invalid(
            field,
            "must name at least one e-mail address",
        ));
    }
    values.iter().try_for_each(|v| email(field, v))
}

/// Pages start at 1.
pub(crate) fn page(field: &str, value: Option<u32>) -> Result<()> {
    match value {
        Some(0) => Err(Error::invalid(field, "pages start at 1")),
        _ => Ok(()),
    }
}

/// Page sizes are 1..=100.
pub(crate) fn limit(field: &str, value: Option<u32>) -> Result<()> {
    match value {
        Some(v) if !(1..=100).contains(&v) => Err(Error::invalid(
            field,
            format!("must be between 1 and 100, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// A `YYYY-MM-DD` date.
pub(crate) fn date(field: &str, value: &str) -> Result<chrono::NaiveDate> {
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let parsed = well_formed
        .then(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten();
    parsed.ok_or_else(|| Error::invalid(field, format!("{value:?} is not a YYYY-MM-DD date")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_may_be_254_bytes_long_not_more() {
        let of_length = |n: usize| format!("{}@example.com", "x".repeat(n - "@example.com".len()));
        assert!(email("email", &of_length(254)).is_ok());
        match email("email", &of_length(255)) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "email");
                assert_eq!(
                    reason,
                    "is 255 bytes long; an e-mail address has at most 254"
                );
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }
}
