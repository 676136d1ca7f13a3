//! Ledger timestamps: RFC 3339 in UTC, always spelled with `Z`.
//!
//! Record times and event times are kept as the exact strings that were signed (so records re-encode
//! byte for byte) and parsed here whenever they are compared.

use chrono::{DateTime, SecondsFormat, Utc};

/// A timestamp that is not RFC 3339 UTC with `Z`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{value}` is not an RFC 3339 UTC time ending in `Z` (e.g. 2025-03-01T00:00:00Z)")]
pub struct TimeError {
    /// The offending text.
    pub value: String,
}

/// Parses an RFC 3339 UTC timestamp; the offset must be written `Z`.
pub fn parse(value: &str) -> Result<DateTime<Utc>, TimeError> {
    let err = || TimeError { value: value.to_owned() };
    if !value.ends_with('Z') {
        return Err(err());
    }
    DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).map_err(|_| err())
}

/// Formats a time the way fairboard writes it: `Z`, and only as many fraction digits (0, 3, 6 or 9)
/// as the value needs.
pub fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_vector_spellings() {
        for s in ["2025-03-01T00:00:00Z", "2025-03-02T09:30:00.250Z", "2025-03-02T09:30:00.000001Z"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }

    #[test]
    fn rejects_offsets_and_garbage() {
        for s in ["2025-03-01T00:00:00+00:00", "2025-03-01", "yesterday", "2025-13-01T00:00:00Z", ""] {
            assert!(parse(s).is_err(), "{s}");
        }
    }
}
