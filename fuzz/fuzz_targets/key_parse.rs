//! `cargo fuzz run key_parse`: see FUZZING.md and the oracle's documentation.
#![no_main]

#[path = "../../crates/alipay-protocol/tests/oracle/mod.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::key_case(data));
