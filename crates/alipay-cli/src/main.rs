//! `alipay`: the command-line companion of the SDK.
//!
//! `sign` and `verify` are the tools for the failure users hit most (验签失败,
//! signature mismatch): they show exactly what is signed and what a signature covers.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod call;
mod cert_sn;
mod client_args;
mod page;
mod sandbox;
mod sign_verify;
mod sign_verify_v3;
mod verify_notify;

/// Alipay OpenAPI command-line tools.
#[derive(Debug, Parser)]
#[command(name = "alipay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the sign content and signature of a parameter set.
    Sign(sign_verify::SignArgs),
    /// Verify a raw gateway response body and show what the signature covers.
    Verify(sign_verify::VerifyArgs),
    /// Verify an asynchronous notification (异步通知) body exactly as received.
    VerifyNotify(verify_notify::VerifyNotifyArgs),
    /// Call a method and print the verified response (keys from flags or ALIPAY_* env).
    Call(Box<call::CallArgs>),
    /// Sign a page-redirect call and print its URL (GET) or self-submitting form (POST).
    Page(Box<page::PageArgs>),
    /// Print the certificate-mode SN of a certificate, or alipay_root_cert_sn of a bundle.
    CertSn(cert_sn::CertSnArgs),
    /// Run a local emulated Alipay gateway.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
}

/// Flags shared by commands that sign or verify.
#[derive(Debug, Clone, Args)]
struct AlgorithmArgs {
    /// Signature algorithm: RSA2 (SHA256withRSA) or RSA (SHA1withRSA).
    #[arg(long, value_name = "RSA2|RSA")]
    sign_type: Option<String>,
    /// Charset of the signed bytes: utf-8 or gbk.
    #[arg(long, value_name = "utf-8|gbk")]
    charset: Option<String>,
}

/// A failure the user can act on; printed as `error: ...` with exit status 2.
#[derive(Debug)]
struct CliError(String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// Each error's Display says only its own part; the causes come from `source()`.
impl<E: std::error::Error + 'static> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(alipay_api::ErrorChain(&e).to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign_verify::sign(args),
        Command::Verify(args) => sign_verify::verify(args),
        Command::VerifyNotify(args) => verify_notify::run(args),
        Command::Call(args) => call::run(*args),
        Command::Page(args) => page::run(*args),
        Command::CertSn(args) => cert_sn::run(args),
        Command::Sandbox(command) => sandbox::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Reads a file, or standard input for `-`; the error names the path.
fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError(format!("cannot read standard input: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| CliError(format!("cannot read `{}`: {e}", path.display())))
}

/// Reads a key file; the error names the path and the flag, never the content.
fn read_key_file(path: &PathBuf, flag: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError(format!("cannot read {flag} file `{}`: {e}", path.display())))
}

/// Text from an input we have not verified, made safe to print on a terminal: control
/// characters (ANSI escapes, carriage returns, bidi overrides) are shown escaped, so a
/// hostile value cannot rewrite what the user sees.
fn terminal_safe(text: &str) -> String {
    alipay_protocol::redact::escape_controls(text)
}
