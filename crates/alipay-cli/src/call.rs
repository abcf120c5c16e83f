//! `alipay call`: call a spec'd method from the command line and print the verified
//! response.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alipay_api::{CallOptions, CallStyle, Error, ErrorChain, Placement, RequestParams, UploadFile};
use clap::Args;
use serde_json::{Value, json};

use crate::client_args::ClientArgs;
use crate::{CliError, read_input};

/// `alipay call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The method, e.g. `zhima.customer.certification.material.certify`.
    #[arg(long)]
    method: String,
    #[command(flatten)]
    client: ClientArgs,
    /// Send a method that has no spec, with `biz_content` unchecked (still verified).
    #[arg(long)]
    raw: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// `biz_content` as a JSON object: the JSON text, `@FILE`, or `-` for standard input.
    /// For a method whose parameters are top-level form fields, the same object gives
    /// them; a file field's value `@PATH` uploads that file.
    #[arg(value_name = "BIZ_CONTENT")]
    biz_content: String,
}

pub(crate) fn read_biz(arg: &str) -> Result<String, CliError> {
    let bytes = match arg.strip_prefix('@') {
        Some(path) => read_input(&PathBuf::from(path))?,
        None if arg == "-" => read_input(Path::new("-"))?,
        None => arg.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).map_err(|_| CliError("BIZ_CONTENT is not UTF-8 text".into()))
}

pub(crate) fn run(args: CallArgs) -> Result<ExitCode, CliError> {
    let text = read_biz(&args.biz_content)?;
    let info = alipay_api::method(&args.method);
    if let Some(info) = info.filter(|i| i.call_style != CallStyle::ServerCall) {
        return Err(CliError(format!(
            "{} is not a server call ({:?}): build its URL or form with `alipay page`",
            info.name, info.call_style
        )));
    }
    let form = match info {
        Some(info) if info.parameters == Placement::Form => {
            Some(form_params(&text, info.file_fields)?)
        }
        _ => None,
    };
    let biz_content = match info {
        Some(_) if form.is_some() => String::new(),
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(async {
        let client = args.client.client()?;
        // A method whose spec declares an idempotency key may be retried after the
        // request may have reached the gateway; any other (or an unknown) method may not.
        let idempotent =
            alipay_api::method(&args.method).is_some_and(|info| info.idempotency_key.is_some());
        let mut options = CallOptions::new().idempotent(idempotent);
        if let Some(token) = &args.client.app_auth_token {
            options = options.app_auth_token(token);
        }
        Ok::<_, CliError>(match form {
            Some(params) => {
                client
                    .execute_raw_params_with(&args.method, params, options)
                    .await
            }
            None => {
                client
                    .execute_raw_with(&args.method, &biz_content, options)
                    .await
            }
        })
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

/// The top-level parameters of a form-placement method from a JSON object: strings as
/// they are, other values as their JSON text, and a file field's `@PATH` as that file
/// (streamed when sent; its size is known now).
fn form_params(text: &str, file_fields: &[&str]) -> Result<RequestParams<'static>, CliError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        CliError(format!(
            "the parameters are not JSON: {e}; nothing was sent"
        ))
    })?;
    let Value::Object(fields) = value else {
        return Err(CliError(
            "the parameters must be a JSON object; nothing was sent".into(),
        ));
    };
    let mut params = RequestParams::form();
    for (name, value) in fields {
        if file_fields.contains(&name.as_str()) {
            let path = value
                .as_str()
                .and_then(|v| v.strip_prefix('@'))
                .ok_or_else(|| {
                    CliError(format!(
                        "`{name}` is a file field: give it as \"@PATH\"; nothing was sent"
                    ))
                })?;
            let file = UploadFile::from_path(path).map_err(|e| {
                CliError(format!(
                    "cannot read the file for `{name}`: {e}; nothing was sent"
                ))
            })?;
            params = params.file(name, file);
        } else {
            let value = match value {
                Value::String(s) => s,
                Value::Null => continue,
                other => other.to_string(),
            };
            params = params.text(name, value);
        }
    }
    Ok(params)
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
