//! Freshness and replay protection for signed v3 answers, which the official SDKs do
//! not have: a signed answer stays valid forever, so one captured on the path could be
//! served again for another call (an old "passed" for a new certification).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::epoch_millis;

/// Why a verified answer was refused as stale or replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// `alipay-timestamp` is further from the client clock than the window.
    #[error(
        "the signed answer's alipay-timestamp is {skew_ms} ms {direction} the client clock, \
         beyond the {window_ms} ms window: refusing it as stale (check the system clock if this repeats)"
    )]
    Stale {
        /// How far the timestamp is from the client clock.
        skew_ms: u64,
        /// `before` or `after`.
        direction: &'static str,
        /// The window.
        window_ms: u64,
    },
    /// `alipay-timestamp` is not epoch milliseconds.
    #[error("the signed answer's alipay-timestamp is not a number of milliseconds")]
    BadTimestamp,
    /// The client clock reads before 1970.
    #[error("the client clock reads a time before 1970; cannot judge the answer's age")]
    BadClock,
    /// The nonce was already seen within the window.
    #[error(
        "the signed answer's alipay-nonce was already seen within the window: refusing a replayed answer"
    )]
    Replayed,
    /// The cache holds `capacity` unexpired nonces; refusing rather than forgetting one.
    #[error(
        "the replay cache is full ({capacity} answers within the window); refusing the answer \
         rather than forgetting a nonce that could then be replayed. Raise the capacity if \
         the call rate is really this high"
    )]
    CacheFull {
        /// The capacity.
        capacity: usize,
    },
}

/// Refuses answers whose `alipay-timestamp` is outside a window around the client clock,
/// and answers whose `alipay-nonce` was seen within that window.
///
/// The window defaults to [`DEFAULT_WINDOW`](Self::DEFAULT_WINDOW), 5 minutes: hosts
/// kept by NTP agree within a second, and an unsynced VM drifts by minutes, so that
/// absorbs real skew plus the longest call; a captured answer cannot be served again
/// later than that, and the nonce cache only needs to remember 5 minutes of answers.
///
/// Only nonces of *verified* answers are recorded, so filling the cache needs answers
/// Alipay signed: its size follows the client's own call rate (at 100 calls a second,
/// 30 000 entries in 5 minutes). It is capped at
/// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) entries of at most
/// [`MAX_NONCE_LEN`](super::MAX_NONCE_LEN) bytes (a few tens of MB at worst); at the cap
/// it fails closed: new answers are refused with [`ReplayError::CacheFull`] until
/// entries expire, because evicting an unexpired nonce would let that answer be
/// replayed. One guard is shared by every clone of a client (it is `Sync`).
///
/// What it cannot do: v3 signs an answer without naming the request it answers, so a
/// signed answer the client never received (withheld by someone on the path) can be
/// served, once, to another call of the same endpoint within the window. Check the
/// identifiers an answer echoes (a `certify_id`, an order number) against the request.
#[derive(Debug)]
pub struct ReplayGuard {
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// nonce -> expiry (epoch ms).
    by_nonce: HashMap<String, u64>,
    /// (expiry, nonce), oldest first, to expire in order.
    by_expiry: BTreeSet<(u64, String)>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        ReplayGuard::new(Self::DEFAULT_WINDOW, Self::DEFAULT_CAPACITY)
    }
}

impl ReplayGuard {
    /// 5 minutes (see the type's documentation for why).
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);
    /// 100 000 nonces.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A guard with this window (either side of the client clock) and nonce capacity.
    pub fn new(window: Duration, capacity: usize) -> Self {
        ReplayGuard {
            window,
            capacity,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// How many nonces are remembered now (expired ones included until the next check).
    pub fn len(&self) -> usize {
        self.lock().by_nonce.len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Writers leave the maps consistent at every step; a poisoned lock is usable.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks the answer's timestamp against `now` and records its nonce. Call only for
    /// an answer whose signature verified (recording unverified nonces would let anyone
    /// block real answers).
    pub fn check(&self, timestamp: &str, nonce: &str, now: SystemTime) -> Result<(), ReplayError> {
        let ts = parse_millis(timestamp).ok_or(ReplayError::BadTimestamp)?;
        let now_ms = epoch_millis(now).ok_or(ReplayError::BadClock)?;
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let (skew_ms, direction) = if ts <= now_ms {
            (now_ms - ts, "before")
        } else {
            (ts - now_ms, "after")
        };
        if skew_ms > window_ms {
            return Err(ReplayError::Stale {
                skew_ms,
                direction,
                window_ms,
            });
        }
        let mut seen = self.lock();
        // Forget what can no longer pass the freshness check anyway.
        while let Some((expiry, _)) = seen.by_expiry.first() {
            if *expiry >= now_ms {
                break;
            }
            if let Some((_, old)) = seen.by_expiry.pop_first() {
                seen.by_nonce.remove(&old);
            }
        }
        if seen.by_nonce.contains_key(nonce) {
            return Err(ReplayError::Replayed);
        }
        if seen.by_nonce.len() >= self.capacity {
            return Err(ReplayError::CacheFull {
                capacity: self.capacity,
            });
        }
        // The answer passes the freshness check until its timestamp plus the window.
        let expiry = ts.saturating_add(window_ms);
        seen.by_nonce.insert(nonce.to_owned(), expiry);
        seen.by_expiry.insert((expiry, nonce.to_owned()));
        Ok(())
    }
}

/// Epoch milliseconds: ASCII digits only (no sign, no spaces), at most 19 of them.
pub(super) fn parse_millis(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const T: u64 = 1_736_908_200_000;

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn stale_either_side_of_the_window() {
        let g = ReplayGuard::new(Duration::from_secs(300), 10);
        assert!(g.check(&T.to_string(), "a", at(T + 300_000)).is_ok());
        assert!(g.check(&T.to_string(), "b", at(T - 300_000)).is_ok());
        let late = g.check(&T.to_string(), "c", at(T + 300_001)).unwrap_err();
        assert!(
            matches!(
                late,
                ReplayError::Stale {
                    skew_ms: 300_001,
                    direction: "before",
                    ..
                }
            ),
            "{late:?}"
        );
        let early = g.check(&T.to_string(), "d", at(T - 300_001)).unwrap_err();
        assert!(matches!(
            early,
            ReplayError::Stale {
                direction: "after",
                ..
            }
        ));
        // A stale answer's nonce is not recorded.
        assert_eq!(g.len(), 2);
        for bad in ["", "-1", "+1", "1e3", " 1", "99999999999999999999"] {
            assert_eq!(
                g.check(bad, "e", at(T)),
                Err(ReplayError::BadTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_nonce_seen_twice_is_a_replay_until_it_expires() {
        let g = ReplayGuard::new(Duration::from_secs(60), 10);
        g.check(&T.to_string(), "n1", at(T)).unwrap();
        assert_eq!(
            g.check(&T.to_string(), "n1", at(T + 1)),
            Err(ReplayError::Replayed)
        );
        // The same nonce under a later timestamp is still a replay.
        assert_eq!(
            g.check(&(T + 5).to_string(), "n1", at(T + 5)),
            Err(ReplayError::Replayed)
        );
        // Once the first answer could no longer pass as fresh, its nonce is forgotten.
        let later = T + 60_001;
        g.check(&later.to_string(), "n1", at(later)).unwrap();
        assert_eq!(g.len(), 1);
    }

    #[test]
    fn at_capacity_it_fails_closed_and_recovers_as_entries_expire() {
        let g = ReplayGuard::new(Duration::from_secs(60), 3);
        for n in ["a", "b", "c"] {
            g.check(&T.to_string(), n, at(T)).unwrap();
        }
        assert_eq!(
            g.check(&T.to_string(), "d", at(T)),
            Err(ReplayError::CacheFull { capacity: 3 })
        );
        // The refused nonce was not recorded, and the old ones are all still guarded.
        assert_eq!(g.len(), 3);
        assert_eq!(
            g.check(&T.to_string(), "a", at(T)),
            Err(ReplayError::Replayed)
        );
        let later = T + 60_001;
        g.check(&later.to_string(), "d", at(later)).unwrap();
        assert_eq!(g.len(), 1);
    }
}
