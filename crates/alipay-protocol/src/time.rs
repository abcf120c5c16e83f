//! The `timestamp` parameter: `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8).
//!
//! The gateway interprets the value as UTC+8 regardless of where the caller runs; the
//! Python, Node and Go SDKs format the host's local time, which on a UTC server sends a
//! time 8 hours in the past. Here the time is always converted from an absolute instant
//! the caller hands in, so the host's zone never matters and tests can fix the clock.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// An instant, rendered in UTC+8 as the gateway expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_secs: i64,
}

/// A `timestamp` value that is not `yyyy-MM-dd HH:mm:ss` or not a real date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timestamp is not a valid `yyyy-MM-dd HH:mm:ss` date and time")]
pub struct InvalidTimestamp;

impl Timestamp {
    /// From seconds since the Unix epoch (UTC).
    pub fn from_unix(unix_secs: i64) -> Self {
        Timestamp { unix_secs }
    }

    /// From a system time (sub-second precision is dropped, as the format has none).
    pub fn from_system_time(t: SystemTime) -> Self {
        let secs = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
        };
        Timestamp::from_unix(secs)
    }

    /// Now, from the system clock. Protocol code never calls this itself; it is for callers.
    pub fn now() -> Self {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// Seconds since the Unix epoch.
    pub fn unix_secs(self) -> i64 {
        self.unix_secs
    }

    /// Parses `yyyy-MM-dd HH:mm:ss` as Beijing time.
    pub fn parse_beijing(s: &str) -> Result<Self, InvalidTimestamp> {
        let b = s.as_bytes();
        if b.len() != 19
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b' '
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(InvalidTimestamp);
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, InvalidTimestamp> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(InvalidTimestamp);
            }
            part.parse().map_err(|_| InvalidTimestamp)
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || sec > 59
        {
            return Err(InvalidTimestamp);
        }
        let local = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
        Ok(Timestamp::from_unix(local - BEIJING_OFFSET_SECS))
    }

    /// The absolute difference between two instants.
    pub fn abs_diff(self, other: Timestamp) -> Duration {
        Duration::from_secs(self.unix_secs.abs_diff(other.unix_secs))
    }
}

/// Where "now" comes from, for everything that stamps or checks a time: the client's
/// request `timestamp` and certificate validity, the sandbox's ±15 minute window.
/// Protocol functions never call it themselves; they take the time as an argument, and
/// the layer that does I/O reads its clock and hands the result in. Inject a fixed or
/// shifted clock to make envelopes deterministic or to test clock skew; any
/// `Fn() -> SystemTime + Send + Sync` is a clock.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time as a gateway [`Timestamp`].
    fn timestamp(&self) -> Timestamp {
        Timestamp::from_system_time(self.now())
    }
}

/// The system clock (the default everywhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl<F: Fn() -> SystemTime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> SystemTime {
        self()
    }
}

impl fmt::Display for Timestamp {
    /// `yyyy-MM-dd HH:mm:ss` in UTC+8.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix_secs + BEIJING_OFFSET_SECS;
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar);
// a date crate would be a dependency for two small functions.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_utc_plus_8() {
        // 2025-01-15 02:30:00 UTC is 10:30 in Beijing.
        assert_eq!(
            Timestamp::from_unix(1_736_908_200).to_string(),
            "2025-01-15 10:30:00"
        );
        // Crossing midnight and a leap day.
        assert_eq!(
            Timestamp::from_unix(1_709_222_400).to_string(),
            "2024-03-01 00:00:00"
        );
        assert_eq!(
            Timestamp::from_unix(1_709_222_399).to_string(),
            "2024-02-29 23:59:59"
        );
    }

    #[test]
    fn closures_and_the_system_clock_are_clocks() {
        let fixed = || UNIX_EPOCH + Duration::from_secs(1_736_908_200);
        assert_eq!(fixed.timestamp().to_string(), "2025-01-15 10:30:00");
        let shared: std::sync::Arc<dyn Clock> = std::sync::Arc::new(fixed);
        assert_eq!(shared.timestamp(), Timestamp::from_unix(1_736_908_200));
        let before = SystemTime::now();
        let now = SystemClock.now();
        assert!(now >= before && now <= SystemTime::now());
    }

    #[test]
    fn parse_round_trips() {
        for s in [
            "2025-01-15 10:30:00",
            "2024-02-29 23:59:59",
            "1999-12-31 00:00:00",
        ] {
            assert_eq!(Timestamp::parse_beijing(s).unwrap().to_string(), s);
        }
        for bad in [
            "2025-02-29 10:30:00",
            "2025-01-15T10:30:00",
            "2025-1-15 10:30:00",
            "2025-01-15 24:00:00",
            "",
        ] {
            assert!(Timestamp::parse_beijing(bad).is_err(), "{bad}");
        }
    }
}
