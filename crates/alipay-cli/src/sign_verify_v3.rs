//! `alipay sign --v3` and `alipay verify --v3`: OpenAPI v3 requests and answers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_protocol::v3::{
    ReplayGuard, UnsignedV3Request, V3Body, V3Call, V3Checked, V3Identity, V3Outcome,
    V3ResponseError, V3ResponseHeaders, V3Trust, V3VerifyOptions, verify_v3_response,
};
use alipay_protocol::{AesKey, AlipayCertificate, AlipayPublicKey, AppPrivateKey};
use clap::Args;
use serde_json::{Value, json};

use crate::{AlgorithmArgs, CliError, read_input, read_key_file, terminal_safe};

/// The flags of `sign --v3`.
#[derive(Debug, Args)]
pub(crate) struct V3SignFlags {
    /// v3: the app id.
    #[arg(long, requires = "v3", required_if_eq("v3", "true"))]
    app_id: Option<String>,
    /// v3: the request nonce (a UUID in the official SDKs).
    #[arg(long, requires = "v3", required_if_eq("v3", "true"))]
    nonce: Option<String>,
    /// v3: the request time in epoch milliseconds.
    #[arg(long, value_name = "MS", requires = "v3", required_if_eq("v3", "true"))]
    timestamp: Option<u64>,
    /// v3: the HTTP method (GET, POST, …).
    #[arg(long, value_name = "M", requires = "v3", required_if_eq("v3", "true"))]
    http_method: Option<String>,
    /// v3: the path and query exactly as sent, e.g. `/v3/alipay/user/certify/open/query?certify_id=…`.
    #[arg(
        long,
        value_name = "PATH?QUERY",
        requires = "v3",
        required_if_eq("v3", "true")
    )]
    url: Option<String>,
    /// v3, certificate mode: the app certificate's SN (joins the auth string).
    #[arg(long, value_name = "SN", requires = "v3")]
    app_cert_sn: Option<String>,
    /// v3, ISV calls: the merchant's app_auth_token (a fifth signed line).
    #[arg(long, value_name = "T", requires = "v3")]
    app_auth_token: Option<String>,
    /// v3: encrypt the body with this AES key file (base64): the ciphertext is signed.
    #[arg(long, value_name = "FILE", requires = "v3")]
    aes_key: Option<PathBuf>,
}

/// The flags of `verify --v3`.
#[derive(Debug, Args)]
pub(crate) struct V3VerifyFlags {
    /// v3: the `alipay-timestamp` header (empty when it was missing).
    #[arg(long, value_name = "T", requires = "v3", required_if_eq("v3", "true"))]
    timestamp: Option<String>,
    /// v3: the `alipay-nonce` header (empty when it was missing).
    #[arg(long, value_name = "N", requires = "v3", required_if_eq("v3", "true"))]
    nonce: Option<String>,
    /// v3: the `alipay-signature` header (empty when it was missing).
    #[arg(
        long,
        value_name = "SIG",
        requires = "v3",
        required_if_eq("v3", "true")
    )]
    signature: Option<String>,
    /// v3: the HTTP status of the answer.
    #[arg(long, value_name = "HTTP_STATUS", requires = "v3")]
    status: Option<u16>,
    /// v3, certificate mode: the `alipay-sn` header. Give the Alipay certificate
    /// (alipayCertPublicKey_RSA2.crt) as --alipay-public-key to check it.
    #[arg(long, value_name = "SN", requires = "v3")]
    alipay_sn: Option<String>,
    /// v3: refuse an answer whose alipay-timestamp is further than this many seconds
    /// from the clock (off unless given).
    #[arg(long, value_name = "SECS", requires = "v3")]
    max_age: Option<u64>,
    /// v3: the clock to judge --max-age and certificate validity by, in epoch
    /// milliseconds (default: the system clock).
    #[arg(long, value_name = "MS", requires = "v3")]
    now: Option<u64>,
    /// v3: the AES key file (base64), to decrypt an encrypted answer once it verified.
    #[arg(long, value_name = "FILE", requires = "v3")]
    aes_key: Option<PathBuf>,
}

impl V3SignFlags {
    /// The first v3 flag given, to refuse it without `--v3` (clap counts the absent
    /// `--v3` switch as present for `requires`).
    pub(crate) fn first_given(&self) -> Option<&'static str> {
        [
            (self.app_id.is_some(), "--app-id"),
            (self.nonce.is_some(), "--nonce"),
            (self.timestamp.is_some(), "--timestamp"),
            (self.http_method.is_some(), "--http-method"),
            (self.url.is_some(), "--url"),
            (self.app_cert_sn.is_some(), "--app-cert-sn"),
            (self.app_auth_token.is_some(), "--app-auth-token"),
            (self.aes_key.is_some(), "--aes-key"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

impl V3VerifyFlags {
    /// The first v3 flag given (see [`V3SignFlags::first_given`]).
    pub(crate) fn first_given(&self) -> Option<&'static str> {
        [
            (self.timestamp.is_some(), "--timestamp"),
            (self.nonce.is_some(), "--nonce"),
            (self.signature.is_some(), "--signature"),
            (self.status.is_some(), "--status"),
            (self.alipay_sn.is_some(), "--alipay-sn"),
            (self.max_age.is_some(), "--max-age"),
            (self.now.is_some(), "--now"),
            (self.aes_key.is_some(), "--aes-key"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// Refuses a v3 flag given without `--v3`.
pub(crate) fn refuse_without_v3(flag: Option<&'static str>) -> Result<(), CliError> {
    match flag {
        Some(flag) => Err(CliError(format!(
            "{flag} is an OpenAPI v3 flag: add --v3, or drop it for a gateway.do signature"
        ))),
        None => Ok(()),
    }
}

/// v3 is SHA256withRSA over UTF-8 only.
fn refuse_v1_algorithm(algorithm: &AlgorithmArgs) -> Result<(), CliError> {
    if algorithm
        .sign_type
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case("RSA2"))
        || algorithm
            .charset
            .as_deref()
            .is_some_and(|c| !c.eq_ignore_ascii_case("utf-8"))
    {
        return Err(CliError(
            "v3 is always SHA256withRSA (RSA2) over UTF-8; drop --sign-type / --charset".into(),
        ));
    }
    Ok(())
}

fn read_aes_key(path: &Option<PathBuf>) -> Result<Option<AesKey>, CliError> {
    path.as_ref()
        .map(|p| {
            let text = read_key_file(p, "--aes-key")?;
            let text = String::from_utf8(text)
                .map_err(|_| CliError("the --aes-key file is not base64 text".into()))?;
            Ok(AesKey::from_base64(&text)?)
        })
        .transpose()
}

pub(crate) fn sign(
    private_key: &PathBuf,
    algorithm: &AlgorithmArgs,
    flags: &V3SignFlags,
    json_out: bool,
    body_path: &Path,
) -> Result<ExitCode, CliError> {
    refuse_v1_algorithm(algorithm)?;
    let missing = |flag: &str| CliError(format!("--v3 needs {flag}"));
    let app_id = flags.app_id.as_deref().ok_or_else(|| missing("--app-id"))?;
    let nonce = flags.nonce.as_deref().ok_or_else(|| missing("--nonce"))?;
    let timestamp = flags.timestamp.ok_or_else(|| missing("--timestamp"))?;
    let method = flags
        .http_method
        .as_deref()
        .ok_or_else(|| missing("--http-method"))?;
    let url = flags.url.as_deref().ok_or_else(|| missing("--url"))?;
    let key = AppPrivateKey::parse(read_key_file(private_key, "--private-key")?)?;
    let aes = read_aes_key(&flags.aes_key)?;
    let raw = read_input(body_path)?;
    let body = String::from_utf8(raw).map_err(|_| {
        CliError("BODY_FILE is not UTF-8 text; v3 signs the JSON body as UTF-8".into())
    })?;
    let v3_body = match &aes {
        Some(key) => V3Body::Encrypted { json: &body, key },
        None => V3Body::Json(&body),
    };
    let identity = V3Identity {
        app_id,
        app_cert_sn: flags.app_cert_sn.as_deref(),
        alipay_root_cert_sn: None,
    };
    let call = V3Call {
        http_method: method,
        path_and_query: url,
        body: v3_body,
        app_auth_token: flags.app_auth_token.as_deref(),
    };
    let signed = UnsignedV3Request::new(&identity, &call, nonce, timestamp)?.sign(&key)?;
    if json_out {
        println!(
            "{}",
            json!({
                "auth_string": signed.auth_string(),
                "sign_string": signed.sign_string(),
                "sign": signed.sign(),
                "authorization": signed.authorization(),
            })
        );
    } else {
        println!("auth string:");
        println!("{}", terminal_safe(signed.auth_string()));
        println!();
        println!("sign string (each line ends in \\n):");
        for line in signed.sign_string().split_terminator('\n') {
            println!("{}", terminal_safe(line));
        }
        println!();
        println!("sign:");
        println!("{}", signed.sign());
        println!();
        println!("Authorization: {}", terminal_safe(signed.authorization()));
        for (name, value) in signed.headers() {
            println!("{name}: {}", terminal_safe(value));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The Alipay key, or one Alipay certificate (certificate mode).
enum Held {
    Key(Box<AlipayPublicKey>),
    Cert(Box<AlipayCertificate>),
}

pub(crate) fn verify(
    alipay_public_key: &PathBuf,
    algorithm: &AlgorithmArgs,
    flags: &V3VerifyFlags,
    json_out: bool,
    body_path: &Path,
) -> Result<ExitCode, CliError> {
    refuse_v1_algorithm(algorithm)?;
    let text = read_key_file(alipay_public_key, "--alipay-public-key")?;
    let held = match AlipayPublicKey::parse(&text) {
        Ok(key) => Held::Key(Box::new(key)),
        Err(key_error) => match AlipayCertificate::parse(&text) {
            Ok(cert) => Held::Cert(Box::new(cert)),
            // Neither: the key error says more to most users.
            Err(_) => return Err(key_error.into()),
        },
    };
    let aes = read_aes_key(&flags.aes_key)?;
    let body = read_input(body_path)?;
    let now = match flags.now {
        Some(ms) => UNIX_EPOCH + Duration::from_millis(ms),
        None => SystemTime::now(),
    };
    // One invocation sees one answer: the guard only judges freshness here.
    let guard = flags
        .max_age
        .map(|secs| ReplayGuard::new(Duration::from_secs(secs), 1));
    let headers = V3ResponseHeaders {
        timestamp: flags.timestamp.as_deref(),
        nonce: flags.nonce.as_deref(),
        signature: flags.signature.as_deref(),
        alipay_sn: flags.alipay_sn.as_deref(),
        trace_id: None,
    };
    let trust = match &held {
        Held::Key(k) => V3Trust::Key(k.as_ref()),
        Held::Cert(c) => V3Trust::Certificate(c),
    };
    let result = verify_v3_response(
        &headers,
        &body,
        &V3VerifyOptions {
            status: flags.status.unwrap_or(200),
            trust,
            now,
            replay: guard.as_ref(),
            aes_key: aes.as_ref(),
        },
    );
    let outcome = match &result {
        Ok(c) => c.outcome(),
        Err(e) => e.outcome(),
    };
    if json_out {
        let mut out = json!({ "outcome": outcome.as_str() });
        if let Ok(V3Checked::Verified(v)) = &result {
            out["body"] = v.parse::<Value>().unwrap_or(Value::Null);
        }
        println!("{out}");
        if let Some(note) = note(&result) {
            eprintln!("note: {note}");
        }
    } else {
        print_human(&result, outcome, &headers, body.len());
    }
    Ok(match outcome {
        V3Outcome::Verified | V3Outcome::VerifiedError => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// A line for stderr that explains the outcome; unverified text only sanitised.
fn note(result: &Result<V3Checked, V3ResponseError>) -> Option<String> {
    match result {
        Ok(V3Checked::Verified(v)) if v.parse::<Value>().is_err() && !v.body().is_empty() => {
            Some("the body verified but is not JSON, so `body` is null".into())
        }
        Ok(V3Checked::Verified(_)) => None,
        Ok(V3Checked::VerifiedError(e)) => Some(format!("verified API error: {e}")),
        Ok(V3Checked::UnsignedError(e)) => Some(e.to_string()),
        Err(e) => Some(e.to_string()),
    }
}

fn print_human(
    result: &Result<V3Checked, V3ResponseError>,
    outcome: V3Outcome,
    headers: &V3ResponseHeaders<'_>,
    body_len: usize,
) {
    println!("outcome:  {outcome}");
    println!(
        "signed:   alipay-timestamp \\n alipay-nonce \\n {body_len} body bytes \\n \
         (timestamp `{}`, nonce `{}`)",
        terminal_safe(headers.timestamp.unwrap_or("")),
        terminal_safe(headers.nonce.unwrap_or(""))
    );
    match result {
        Ok(V3Checked::Verified(v)) => {
            if v.was_encrypted() {
                println!("the body was AES ciphertext; it verified and was decrypted");
            }
            println!("verified body:");
            println!("{}", terminal_safe(v.body()));
        }
        Ok(V3Checked::VerifiedError(e)) => println!("verified API error: {e}"),
        Ok(V3Checked::UnsignedError(e)) => {
            println!("UNVERIFIED error (no signature; anyone could have written it):");
            println!("  {e}");
        }
        Err(e) => println!("note:     {e}"),
    }
}
