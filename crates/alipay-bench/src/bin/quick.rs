//! `cargo xtask bench --quick`: every row in well under a minute, one JSON object per
//! line: `{"name", "ratio", "goal", "floor", ...}`. Ratios are measured against the
//! floor in the same run; `goal` is a maximum except where `higher_is_better` is set.

use std::time::Duration;

use alipay_bench::{Fixture, ROWS, roundtrip, timing};

fn main() {
    let budget = std::env::var("ALIPAY_BENCH_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(3), Duration::from_millis);
    let fx = Fixture::new();
    for row in &ROWS {
        let ratio = match row.name {
            "request_small" | "request_large" => {
                let large = row.name == "request_large";
                let content = fx.request_path(large).into_bytes();
                timing::interleaved(
                    budget,
                    &mut || {
                        std::hint::black_box(fx.request_path(large));
                    },
                    &mut || {
                        std::hint::black_box(fx.sign_floor(&content));
                    },
                )
            }
            _ => {
                let body = fx.response_body(row.name == "response_large");
                timing::interleaved(budget, &mut || assert!(fx.response_path(body)), &mut || {
                    assert!(fx.verify_floor(body))
                })
            }
        };
        println!(
            "{}",
            serde_json::json!({
                "name": row.name,
                "ratio": round(ratio.value()),
                "goal": row.goal,
                "floor": row.floor,
                "measured_us": round(ratio.measured.as_secs_f64() * 1e6),
                "floor_us": round(ratio.floor.as_secs_f64() * 1e6),
            })
        );
    }
    for (callers, calls) in [(1, 200), (16, 800)] {
        let rt = roundtrip::run(&fx, callers, calls);
        let floor = "2 aws-lc-rs RSA-2048 signs + 2 verifies per call (the client's and the \
                     sandbox's), on this machine's cores";
        println!(
            "{}",
            serde_json::json!({
                "name": format!("roundtrip_{callers}"),
                "ratio": round(rt.throughput_ratio()),
                "goal": 0.95,
                "higher_is_better": true,
                "floor": floor,
                "calls_per_sec": round(rt.calls_per_sec),
                "floor_calls_per_sec": round(rt.floor_calls_per_sec),
            })
        );
        println!(
            "{}",
            serde_json::json!({
                "name": format!("roundtrip_{callers}_cpu"),
                "ratio": round(rt.cpu_ratio()),
                "goal": 1.08,
                "floor": floor,
                "cpu_per_call_us": round(rt.cpu_per_call.as_secs_f64() * 1e6),
                "floor_cpu_per_call_us": round(rt.floor_cpu_per_call.as_secs_f64() * 1e6),
            })
        );
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
