//! `alipay call`: call a spec'd method from the command line and print the verified
//! response.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alipay_api::protocol::{Charset, SignType};
use alipay_api::{AlipayClient, AlipayTrust, CallOptions, Error, ErrorChain, Gateway, KeySource};
use clap::Args;
use serde_json::json;

use crate::{CliError, read_input};

/// `alipay call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The method, e.g. `zhima.customer.certification.material.certify`.
    #[arg(long)]
    method: String,
    /// The app id.
    #[arg(long, env = "ALIPAY_APP_ID")]
    app_id: String,
    /// The app private key: a file, or the key itself (PEM or bare base64).
    #[arg(
        long,
        env = "ALIPAY_APP_PRIVATE_KEY",
        value_name = "FILE|KEY",
        hide_env_values = true
    )]
    app_private_key: String,
    /// The Alipay public key (支付宝公钥): a file, or the key itself.
    #[arg(
        long,
        env = "ALIPAY_PUBLIC_KEY",
        value_name = "FILE|KEY",
        hide_env_values = true
    )]
    alipay_public_key: String,
    /// `production`, `sandbox` (Alipay's), or a gateway URL (e.g. `alipay sandbox serve`'s).
    #[arg(long, env = "ALIPAY_GATEWAY", default_value = "production")]
    gateway: String,
    /// RSA2 or RSA.
    #[arg(long, default_value = "RSA2")]
    sign_type: String,
    /// utf-8 or gbk.
    #[arg(long, default_value = "utf-8")]
    charset: String,
    /// `app_auth_token` when calling for a merchant.
    #[arg(long, env = "ALIPAY_APP_AUTH_TOKEN", hide_env_values = true)]
    app_auth_token: Option<String>,
    /// Send a method that has no spec, with `biz_content` unchecked (still verified).
    #[arg(long)]
    raw: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// `biz_content` as a JSON object: the JSON text, `@FILE`, or `-` for standard input.
    #[arg(value_name = "BIZ_CONTENT")]
    biz_content: String,
}

fn read_biz(arg: &str) -> Result<String, CliError> {
    let bytes = match arg.strip_prefix('@') {
        Some(path) => read_input(&PathBuf::from(path))?,
        None if arg == "-" => read_input(Path::new("-"))?,
        None => arg.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).map_err(|_| CliError("BIZ_CONTENT is not UTF-8 text".into()))
}

pub(crate) fn run(args: CallArgs) -> Result<ExitCode, CliError> {
    let text = read_biz(&args.biz_content)?;
    let biz_content = match alipay_api::method(&args.method) {
        Some(info) => {
            if info.legacy {
                eprintln!(
                    "note: {} is a legacy method that Alipay is retiring; new integrations should use {}",
                    info.name,
                    info.replaced_by.join(" or ")
                );
            }
            // The same checks the typed request makes: nothing malformed is sent.
            (info.check_biz_content)(&text)
                .map_err(|e| CliError(format!("{}; nothing was sent", ErrorChain(&e))))?
        }
        None if args.raw => text,
        None => {
            let known: Vec<&str> = alipay_api::METHODS.iter().map(|m| m.name).collect();
            return Err(CliError(format!(
                "no spec for method `{}` (spec'd: {}); pass --raw to send it unchecked",
                args.method,
                known.join(", ")
            )));
        }
    };
    let gateway: Gateway = match args.gateway.parse() {
        Ok(g) => g,
        Err(never) => match never {},
    };
    let sign_type: SignType = args.sign_type.parse()?;
    let charset: Charset = args.charset.parse()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(async {
        let client = AlipayClient::builder()
            .app_id(&args.app_id)
            .app_private_key(KeySource::path_or_value(&args.app_private_key))
            .alipay_trust(AlipayTrust::public_key(KeySource::path_or_value(
                &args.alipay_public_key,
            )))
            .gateway(gateway)
            .sign_type(sign_type)
            .charset(charset)
            .build()?;
        // A method whose spec declares an idempotency key may be retried after the
        // request may have reached the gateway; any other (or an unknown) method may not.
        let idempotent =
            alipay_api::method(&args.method).is_some_and(|info| info.idempotency_key.is_some());
        let mut options = CallOptions::new().idempotent(idempotent);
        if let Some(token) = &args.app_auth_token {
            options = options.app_auth_token(token);
        }
        Ok::<_, CliError>(
            client
                .execute_raw_with(&args.method, &biz_content, options)
                .await,
        )
    })?;
    match result {
        Ok(response) => {
            let fields = response.to_value()?;
            if args.json {
                println!("{}", json!({"outcome": "verified", "response": fields}));
            } else {
                println!("verified response of {}:", args.method);
                println!("{}", serde_json::to_string_pretty(&fields)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            report_error(&error, args.json);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn report_error(error: &Error, as_json: bool) {
    use alipay_protocol::redact::{UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, sanitize_unverified};
    let gateway = error.as_gateway();
    // An unsigned answer may come from anyone on the path: its text is shown as one
    // capped line with ID-like numbers masked, after saying it is unverified. Verified
    // text is Alipay's, shown whole but never with raw control characters.
    let shown = |verified: bool, text: &str, cap: usize| {
        if verified {
            crate::terminal_safe(text)
        } else {
            sanitize_unverified(text, cap)
        }
    };
    if as_json {
        let mut v = json!({"outcome": "error", "kind": error.kind_name(), "message": ErrorChain(error).to_string()});
        if let Some(g) = gateway {
            let ok = g.verified();
            v["verified"] = json!(ok);
            v["code"] = json!(shown(ok, g.code(), UNVERIFIED_CODE_CAP));
            v["sub_code"] = json!(g.sub_code().map(|s| shown(ok, s, UNVERIFIED_CODE_CAP)));
            // The invalid-signature answer echoes the request, personal data included.
            if !g.echoes_request() {
                v["sub_msg"] = json!(g.status().sub_msg.as_deref().map(|s| shown(
                    ok,
                    s,
                    UNVERIFIED_TEXT_CAP
                )));
            }
        }
        println!("{v}");
        return;
    }
    eprintln!("error ({}): {}", error.kind_name(), ErrorChain(error));
    if let Some(g) = gateway {
        let ok = g.verified();
        if !ok {
            eprintln!("  (the gateway did not sign this answer: what follows is unverified)");
        }
        eprintln!(
            "  code:     {} {}",
            shown(ok, g.code(), UNVERIFIED_CODE_CAP),
            shown(ok, &g.status().msg, UNVERIFIED_TEXT_CAP)
        );
        eprintln!(
            "  sub_code: {}",
            g.sub_code()
                .map_or("-".into(), |s| shown(ok, s, UNVERIFIED_CODE_CAP))
        );
        if !g.echoes_request() {
            eprintln!(
                "  sub_msg:  {}",
                g.status().sub_msg.as_deref().map_or("-".into(), |s| shown(
                    ok,
                    s,
                    UNVERIFIED_TEXT_CAP
                ))
            );
        }
        if let Some(diff) = g.sign_content_diff() {
            eprintln!("  sign content vs the gateway's: {diff}");
            eprintln!("  compare in detail with `alipay sign` on the same parameters");
        }
    }
    if let Some(trace) = error.trace_id() {
        eprintln!("  trace id: {trace}");
    }
}
