//! `alipay sign` and `alipay verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use alipay_protocol::response::{Checked, ResponseError};
use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Charset, Outcome, SignType, SignedRequest, VerifyOptions,
    verify_response,
};
use clap::Args;
use serde_json::{Map, Value, json};

use crate::sign_verify_v3::{V3SignFlags, V3VerifyFlags};
use crate::{AlgorithmArgs, CliError, read_input, read_key_file, sign_verify_v3, terminal_safe};

/// `alipay sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The app private key (PKCS#1 or PKCS#8; PEM or bare base64).
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    #[command(flatten)]
    algorithm: AlgorithmArgs,
    /// Print one JSON object `{"sign_content": ..., "sign": ...}` (with --v3:
    /// `{"auth_string", "sign_string", "sign", "authorization"}`).
    #[arg(long)]
    json: bool,
    /// Sign an OpenAPI v3 request (`Authorization: ALIPAY-SHA256withRSA`): the input is
    /// then the body exactly as sent.
    #[arg(long)]
    v3: bool,
    #[command(flatten)]
    v3_flags: V3SignFlags,
    /// A JSON object of string parameters: everything to transmit except `sign`
    /// (with --v3: the request body; empty for none).
    #[arg(value_name = "PARAMS_FILE|BODY_FILE|-")]
    params: PathBuf,
}

/// `alipay verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The Alipay public key (支付宝公钥), SPKI or PKCS#1, PEM or bare base64.
    #[arg(long, value_name = "FILE")]
    alipay_public_key: PathBuf,
    /// The method that was called, e.g. `alipay.trade.query` (not with --v3).
    #[arg(long, required_unless_present = "v3", conflicts_with = "v3")]
    method: Option<String>,
    #[command(flatten)]
    algorithm: AlgorithmArgs,
    /// Optional: the app private key, to diagnose an Alipay public key that is really
    /// the app's own public key.
    #[arg(long, value_name = "FILE")]
    app_private_key: Option<PathBuf>,
    /// Print one JSON object `{"outcome", "node", "code", "sub_code", "fields"}` (with
    /// --v3: `{"outcome"}`, plus `"body"` when verified).
    #[arg(long)]
    json: bool,
    /// Verify an OpenAPI v3 answer: the signature headers are given as flags, the input
    /// is the body exactly as received.
    #[arg(long)]
    v3: bool,
    #[command(flatten)]
    v3_flags: V3VerifyFlags,
    /// The raw response body bytes.
    #[arg(value_name = "RESPONSE_FILE|BODY_FILE|-")]
    response: PathBuf,
}

fn parse_sign_type(s: &str) -> Result<SignType, CliError> {
    Ok(s.parse::<SignType>()?)
}

fn parse_charset(s: &str) -> Result<Charset, CliError> {
    Ok(s.parse::<Charset>()?)
}

pub(crate) fn sign(args: SignArgs) -> Result<ExitCode, CliError> {
    if args.v3 {
        return sign_verify_v3::sign(
            &args.private_key,
            &args.algorithm,
            &args.v3_flags,
            args.json,
            &args.params,
        );
    }
    sign_verify_v3::refuse_without_v3(args.v3_flags.first_given())?;
    let key = AppPrivateKey::parse(read_key_file(&args.private_key, "--private-key")?)?;
    let raw = read_input(&args.params)?;
    let value: Value = serde_json::from_slice(&raw).map_err(|e| {
        CliError(format!(
            "PARAMS_FILE is not valid JSON ({e}); expected an object such as {{\"app_id\": \"...\", \"method\": \"...\"}}"
        ))
    })?;
    let Value::Object(object) = value else {
        return Err(CliError(
            "PARAMS_FILE must hold a JSON object of string parameters".into(),
        ));
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in object {
        match v {
            Value::String(s) => params.push((k, s)),
            Value::Null => params.push((k, String::new())),
            other => {
                return Err(CliError(format!(
                    "parameter `{k}` is a JSON {}, not a string; the gateway signs text exactly as sent, so \
                     pass it as a string (for biz_content: the JSON text as a string)",
                    kind(&other)
                )));
            }
        }
    }
    if params.iter().any(|(k, _)| k == "sign") {
        return Err(CliError(
            "PARAMS_FILE contains `sign`; the sign is computed over everything else, so remove it"
                .into(),
        ));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let sign_type = resolve(
        "sign_type",
        args.algorithm.sign_type.as_deref(),
        param("sign_type"),
        "RSA2",
    )?;
    let sign_type = parse_sign_type(sign_type)?;
    let charset = resolve(
        "charset",
        args.algorithm.charset.as_deref(),
        param("charset"),
        "utf-8",
    )?;
    let charset = parse_charset(charset)?;
    key.check_sign_type(sign_type)?;
    for (k, v) in &params {
        if v.is_empty() {
            eprintln!(
                "note: parameter `{k}` is empty: it is not signed and must not be sent (gateway rule)"
            );
        }
    }
    let signed = SignedRequest::sign_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        sign_type,
        charset,
        &key,
    )?;
    if args.json {
        println!(
            "{}",
            json!({"sign_content": signed.sign_content(), "sign": signed.sign()})
        );
    } else {
        println!("sign content ({sign_type}, {charset}):");
        println!("{}", signed.sign_content());
        println!();
        println!("sign:");
        println!("{}", signed.sign());
    }
    Ok(ExitCode::SUCCESS)
}

/// The flag wins; a parameter of the same name must agree with it, because the gateway
/// checks the signature with the algorithm and charset the parameters name.
fn resolve<'a>(
    name: &str,
    flag: Option<&'a str>,
    param: Option<&'a str>,
    default: &'a str,
) -> Result<&'a str, CliError> {
    match (flag, param) {
        (Some(f), Some(p)) if !f.eq_ignore_ascii_case(p) => Err(CliError(format!(
            "--{} {f} disagrees with the parameter {name}={p}; the gateway verifies with the parameter's \
             value, so make them match",
            name.replace('_', "-")
        ))),
        (Some(f), _) => Ok(f),
        (None, Some(p)) => Ok(p),
        (None, None) => Ok(default),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(crate) fn verify(args: VerifyArgs) -> Result<ExitCode, CliError> {
    if args.v3 {
        return sign_verify_v3::verify(
            &args.alipay_public_key,
            &args.algorithm,
            &args.v3_flags,
            args.json,
            &args.response,
        );
    }
    sign_verify_v3::refuse_without_v3(args.v3_flags.first_given())?;
    let method = args
        .method
        .as_deref()
        .ok_or_else(|| CliError("verify needs --method (or --v3)".into()))?;
    let key = AlipayPublicKey::parse(read_key_file(
        &args.alipay_public_key,
        "--alipay-public-key",
    )?)?;
    if let Some(path) = &args.app_private_key {
        let app = AppPrivateKey::parse(read_key_file(path, "--app-private-key")?)?;
        alipay_protocol::check_not_own_key(&app, &key)?;
    }
    let sign_type = parse_sign_type(args.algorithm.sign_type.as_deref().unwrap_or("RSA2"))?;
    let charset = parse_charset(args.algorithm.charset.as_deref().unwrap_or("utf-8"))?;
    key.check_sign_type(sign_type)?;
    let body = read_input(&args.response)?;
    let opts = VerifyOptions {
        method,
        sign_type,
        charset,
        verifier: &key,
    };
    let result = verify_response(&body, &opts);
    let mut report = Report::from_result(&result);
    if report.outcome == Outcome::SignatureInvalid {
        // A signature made with the other algorithm is a frequent, easily fixed mistake.
        let other = match sign_type {
            SignType::Rsa2 => SignType::Rsa,
            SignType::Rsa => SignType::Rsa2,
        };
        let retry = VerifyOptions {
            sign_type: other,
            ..opts
        };
        if matches!(verify_response(&body, &retry), Ok(Checked::Verified(_))) {
            report.hint = Some(format!(
                "the signature verifies with --sign-type {other}: the app is configured for {other}, not {sign_type}"
            ));
        }
    }
    if args.json {
        println!("{}", report.to_json());
        report.print_diagnostics();
    } else {
        report.print_human(method, &key, sign_type, charset);
    }
    Ok(match report.outcome {
        Outcome::Verified | Outcome::VerifiedWithSlashFallback => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// What `verify` prints, in either form.
struct Report {
    outcome: Outcome,
    node: Option<String>,
    code: Option<String>,
    sub_code: Option<String>,
    /// Members of the node: verified ones, or an unsigned error's (marked by the outcome).
    fields: Map<String, Value>,
    /// The exact text checked when the signature did not match.
    checked_span: Option<String>,
    message: Option<String>,
    hint: Option<String>,
    encrypted: bool,
}

impl Report {
    fn from_result(result: &Result<Checked, ResponseError>) -> Report {
        let mut report = Report {
            outcome: match result {
                Ok(c) => c.outcome(),
                Err(e) => e.outcome(),
            },
            node: None,
            code: None,
            sub_code: None,
            fields: Map::new(),
            checked_span: None,
            message: None,
            hint: None,
            encrypted: false,
        };
        match result {
            Ok(Checked::Verified(v)) => {
                report.node = Some(v.node().key().to_owned());
                report.encrypted = v.is_encrypted();
                if let Some(s) = v.status() {
                    report.code = Some(s.code.clone());
                    report.sub_code = s.sub_code.clone();
                }
                match v.parse::<Value>() {
                    Ok(Value::Object(m)) => report.fields = m,
                    _ if v.is_encrypted() => {}
                    // Verified but not readable here (e.g. a lone surrogate escape):
                    // say so rather than show an empty field list.
                    _ => {
                        report.message = Some(
                            "the node verified but cannot be read as a JSON object here, so no \
                             fields are shown"
                                .into(),
                        )
                    }
                }
                if v.outcome() == Outcome::VerifiedWithSlashFallback {
                    report.message = Some(
                        "the signature matches only after replacing every `\\/` with `/` (accepted, as the \
                         Java SDK does)"
                            .into(),
                    );
                }
            }
            Ok(Checked::UnsignedError(u)) => {
                use alipay_protocol::redact::{
                    UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, sanitize_unverified,
                };
                // Unverified, so hostile: every value is shown as one capped line with
                // ID-like numbers masked, in JSON as on the terminal.
                report.node = Some(u.node.key().to_owned());
                report.code = Some(sanitize_unverified(&u.status.code, UNVERIFIED_CODE_CAP));
                report.sub_code = u
                    .status
                    .sub_code
                    .as_deref()
                    .map(|s| sanitize_unverified(s, UNVERIFIED_CODE_CAP));
                if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&u.raw) {
                    report.fields = m
                        .into_iter()
                        .map(|(k, v)| {
                            let text = match v {
                                Value::String(s) => s,
                                other => other.to_string(),
                            };
                            (
                                sanitize_unverified(&k, UNVERIFIED_CODE_CAP),
                                Value::String(sanitize_unverified(&text, UNVERIFIED_TEXT_CAP)),
                            )
                        })
                        .collect();
                }
                report.message = Some(
                    "the gateway answered an error without a signature: nothing was verified; typical \
                     causes are a wrong app_id, a missing parameter or a bad request signature"
                        .into(),
                );
            }
            Err(
                e @ ResponseError::SignatureInvalid {
                    node, signed_span, ..
                },
            ) => {
                report.node = Some(node.key().to_owned());
                report.checked_span = Some(signed_span.clone());
                report.message = Some(e.to_string());
            }
            Err(e @ ResponseError::UnsignedSuccess { node }) => {
                report.node = Some(node.key().to_owned());
                report.message = Some(e.to_string());
            }
            Err(e) => report.message = Some(e.to_string()),
        }
        report
    }

    /// Exactly the contract's five members; diagnostics go to stderr (see
    /// [`Report::print_diagnostics`]) so the JSON stays what scripts expect.
    fn to_json(&self) -> Value {
        json!({
            "outcome": self.outcome.as_str(),
            "node": self.node,
            "code": self.code,
            "sub_code": self.sub_code,
            "fields": self.fields,
        })
    }

    /// With `--json`: the note, the hint and the checked span, on stderr.
    fn print_diagnostics(&self) {
        if let Some(m) = &self.message {
            eprintln!("note: {m}");
        }
        if let Some(h) = &self.hint {
            eprintln!("hint: {h}");
        }
        if self.encrypted {
            eprintln!("note: the node is AES-encrypted; its ciphertext verified");
        }
        if let Some(span) = &self.checked_span {
            eprintln!("checked span ({} bytes, exactly as received):", span.len());
            eprintln!("{}", terminal_safe(span));
        }
    }

    fn print_human(
        &self,
        method: &str,
        key: &AlipayPublicKey,
        sign_type: SignType,
        charset: Charset,
    ) {
        println!("outcome:  {}", self.outcome);
        println!("node:     {}", self.node.as_deref().unwrap_or("-"));
        println!(
            "code:     {}",
            terminal_safe(self.code.as_deref().unwrap_or("-"))
        );
        println!(
            "sub_code: {}",
            terminal_safe(self.sub_code.as_deref().unwrap_or("-"))
        );
        if let Some(m) = &self.message {
            println!("note:     {m}");
        }
        if self.encrypted {
            println!("the node is AES-encrypted; its ciphertext verified");
        }
        if !self.fields.is_empty() {
            let label = if self.outcome == Outcome::UnsignedErrorResponse {
                "fields (UNVERIFIED):"
            } else {
                "verified fields:"
            };
            println!("{label}");
            for (k, v) in &self.fields {
                // Unverified fields are hostile text; even verified ones are printed so
                // that no control character reaches the terminal as is.
                let k = terminal_safe(k);
                match v {
                    Value::String(s) => println!("  {k} = {}", terminal_safe(s)),
                    other => println!("  {k} = {}", terminal_safe(&other.to_string())),
                }
            }
        }
        match self.outcome {
            Outcome::SignatureInvalid => {
                if let Some(span) = &self.checked_span {
                    println!("checked span ({} bytes, exactly as received):", span.len());
                    println!("{}", terminal_safe(span));
                }
                if let Some(h) = &self.hint {
                    println!("hint: {h}");
                }
                println!("what to check:");
                println!(
                    "  - the Alipay public key (fingerprint {}) must be the 支付宝公钥 shown for this app, \
                     not the 应用公钥 you uploaded; pass --app-private-key to detect that mix-up",
                    key.fingerprint()
                );
                println!("  - --sign-type must be the app's algorithm (now {sign_type})");
                println!("  - --charset must be the request charset (now {charset})");
                println!(
                    "  - the file must hold the body bytes exactly as received (no reformatting)"
                );
            }
            Outcome::RejectMalformed => {
                println!(
                    "what to check: the file must be the raw JSON body of a `{method}` call, complete \
                     and unmodified, with each top-level key once"
                );
            }
            _ => {}
        }
    }
}
