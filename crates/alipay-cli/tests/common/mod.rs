//! What the CLI tests share: running the binary as a user does, and the test data.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// The protocol crate's test data (vectors, keys, certificates).
pub(crate) const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../alipay-protocol/tests/data");

/// Runs `alipay <args>`, feeding `stdin` (or nothing) to its standard input.
pub(crate) fn alipay(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // The binary may exit (e.g. on a bad key) before reading its input.
        if let Err(e) = input.write_all(bytes) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}
