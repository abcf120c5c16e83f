//! `alipay verify-notify`: checks an asynchronous notification body as received.

use std::path::PathBuf;
use std::process::ExitCode;

use alipay_protocol::notify::{NotifyError, VerifiedNotification, verify_notification};
use alipay_protocol::{AlipayPublicKey, SignType};
use clap::Args;
use serde_json::{Map, Value, json};

use crate::{CliError, read_input, read_key_file, terminal_safe};

/// `alipay verify-notify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyNotifyArgs {
    /// The Alipay public key (支付宝公钥), SPKI or PKCS#1, PEM or bare base64.
    #[arg(long, value_name = "FILE")]
    alipay_public_key: PathBuf,
    /// The app's algorithm: RSA2 (SHA256withRSA) or RSA (SHA1withRSA). The
    /// notification's own `sign_type` is unsigned and must agree with it.
    #[arg(long, value_name = "RSA2|RSA", default_value = "RSA2")]
    sign_type: String,
    /// Print exactly one JSON object `{"outcome", "params"}`.
    #[arg(long)]
    json: bool,
    /// The raw `application/x-www-form-urlencoded` body exactly as received.
    #[arg(value_name = "BODY_FILE|-")]
    body: PathBuf,
}

/// The outcome vocabulary of `verify-notify`.
fn outcome(result: &Result<VerifiedNotification, NotifyError>) -> &'static str {
    match result {
        Ok(_) => "verified",
        Err(NotifyError::SignatureInvalid) => "signature_invalid",
        // Missing sign, duplicates, ambiguous values, undecodable text, a foreign
        // algorithm or charset: the body is not a notification we can vouch for.
        Err(_) => "reject_malformed",
    }
}

pub(crate) fn run(args: VerifyNotifyArgs) -> Result<ExitCode, CliError> {
    let key = AlipayPublicKey::parse(read_key_file(
        &args.alipay_public_key,
        "--alipay-public-key",
    )?)?;
    let sign_type: SignType = args.sign_type.parse()?;
    key.check_sign_type(sign_type)?;
    let body = read_input(&args.body)?;
    // A form body may end with the newline an editor or `echo` added; it is not part of
    // any parameter, while every other byte is.
    let body = body
        .strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"))
        .unwrap_or(&body);
    let result = verify_notification(body, sign_type, &key);
    let outcome = outcome(&result);
    if args.json {
        let mut params = Map::new();
        if let Ok(verified) = &result {
            for (k, v) in verified.params() {
                params.insert(k.clone(), Value::String(v.clone()));
            }
        }
        println!("{}", json!({"outcome": outcome, "params": params}));
        if let Err(e) = &result {
            eprintln!("note: {e}");
        }
    } else {
        println!("outcome: {outcome}");
        match &result {
            Ok(verified) => {
                println!("verified parameters (reply `success` once handled):");
                for (k, v) in verified.params() {
                    println!("  {} = {}", terminal_safe(k), terminal_safe(v));
                }
            }
            Err(e) => {
                println!("note: {e}");
                if matches!(e, NotifyError::SignatureInvalid) {
                    println!("what to check:");
                    println!(
                        "  - the Alipay public key (fingerprint {}) must be the 支付宝公钥 of this app",
                        key.fingerprint()
                    );
                    println!("  - --sign-type must be the app's algorithm (now {sign_type})");
                    println!(
                        "  - the file must hold the body exactly as received, before any form decoding"
                    );
                }
            }
        }
    }
    Ok(if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
