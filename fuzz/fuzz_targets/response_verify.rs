//! `cargo fuzz run response_verify`: see FUZZING.md and the oracle's documentation.
#![no_main]

#[path = "../../crates/alipay-protocol/tests/oracle/mod.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::response_case(data));
