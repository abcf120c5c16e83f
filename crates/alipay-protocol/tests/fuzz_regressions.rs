//! Replays every input kept under `fuzz/regressions/<target>/` (findings of the fuzz
//! targets, see FUZZING.md) through the same oracle, so `cargo test` keeps them fixed.

mod oracle;

use std::fs;
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            (path.display().to_string(), bytes)
        })
        .filter(|(name, _)| !name.ends_with(".md"))
        .collect();
    out.sort();
    out
}

/// Runs `check` on every input, naming the file of the first failure.
fn replay(target: &str, check: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no regression inputs for {target}");
    for (name, bytes) in inputs {
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            panic!("fuzz regression {name} fails again");
        }
    }
}

#[test]
fn response_verify_findings_stay_fixed() {
    replay("response_verify", |bytes| {
        let text = std::str::from_utf8(bytes).expect("scenario JSON");
        oracle::check_response(&oracle::ResponseScenario::from_json(text), false);
    });
}

#[test]
fn notify_verify_findings_stay_fixed() {
    replay("notify_verify", |bytes| {
        let text = std::str::from_utf8(bytes).expect("scenario JSON");
        oracle::check_notify(&oracle::NotifyScenario::from_json(text), false);
    });
}

#[test]
fn key_parse_findings_stay_fixed() {
    replay("key_parse", oracle::key_case);
}

#[test]
fn cert_parse_findings_stay_fixed() {
    replay("cert_parse", oracle::cert_case);
}
