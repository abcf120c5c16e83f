//! Interleaved timing: the measured path and its floor alternate batch by batch, so
//! frequency changes, other load and cache state hit both alike, and the ratio of the
//! medians is what is reported.

use std::time::{Duration, Instant};

/// Per-iteration medians of a measured path and its floor.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// Median time of one iteration of the measured path.
    pub measured: Duration,
    /// Median time of one iteration of the floor.
    pub floor: Duration,
}

impl Ratio {
    /// measured / floor.
    pub fn value(&self) -> f64 {
        self.measured.as_secs_f64() / self.floor.as_secs_f64()
    }
}

fn per_iter(batch: u32, f: &mut dyn FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    start.elapsed() / batch
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs `measured` and `floor` in alternating batches for about `budget` and returns
/// the per-iteration medians. A batch lasts about 2 ms (at least one iteration).
pub fn interleaved(budget: Duration, measured: &mut dyn FnMut(), floor: &mut dyn FnMut()) -> Ratio {
    // Warm up both (first allocations, lazy statics), then size the batches.
    let one = per_iter(3, measured).max(per_iter(3, floor));
    let batch =
        (Duration::from_millis(2).as_nanos() / one.as_nanos().max(1)).clamp(1, 10_000) as u32;
    let mut m = Vec::new();
    let mut f = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || m.len() < 5 {
        m.push(per_iter(batch, measured));
        f.push(per_iter(batch, floor));
    }
    Ratio {
        measured: median(m),
        floor: median(f),
    }
}
