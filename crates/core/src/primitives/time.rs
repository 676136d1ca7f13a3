//! Ledger timestamps: RFC 3339 in UTC, always spelled with `Z`.
//!
//! Record times and event times are kept as the exact strings that were signed (so records re-encode
//! byte for byte) and parsed here whenever they are compared.

use chrono::{DateTime, Datelike as _, SecondsFormat, Timelike as _, Utc};

/// A timestamp that is not RFC 3339 UTC with `Z`.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "`{value}` is not an RFC 3339 UTC time ending in `Z` between 0001-01-01T00:00:00Z and \
     9999-12-31T23:59:59.999999999Z, without leap seconds (e.g. 2025-03-01T00:00:00Z)"
)]
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
    let time = DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).map_err(|_| err())?;
    // A leap second (`:60`, which chrono keeps as a nanosecond count past 10^9) has no Unix time, and
    // chrono accepts it on any date; year 0000 is outside the range every verifier can represent.
    if time.year() < 1 || time.nanosecond() >= 1_000_000_000 {
        return Err(err());
    }
    Ok(time)
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
        for s in [
            "2025-03-01T00:00:00Z",
            "2025-03-02T09:30:00.250Z",
            "2025-03-02T09:30:00.000001Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
        ] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }

    #[test]
    fn rejects_offsets_and_garbage() {
        for s in ["2025-03-01T00:00:00+00:00", "2025-03-01", "yesterday", "2025-13-01T00:00:00Z", ""] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn leap_seconds_and_year_zero_are_refused() {
        for s in ["2016-12-31T23:59:60Z", "9999-12-31T23:59:60Z", "2025-03-01T12:00:60.5Z", "0000-01-01T00:00:00Z"] {
            assert!(parse(s).is_err(), "{s}");
        }
    }
}
