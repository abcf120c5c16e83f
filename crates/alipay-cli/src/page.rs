//! `alipay page`: sign a page-redirect call and print the URL (GET) or the
//! self-submitting HTML form (POST) to send the user's browser to. Nothing is sent.

use std::process::ExitCode;

use alipay_api::{CallStyle, ErrorChain, PageOptions};
use clap::{Args, ValueEnum};

use crate::CliError;
use crate::call::read_biz;
use crate::client_args::ClientArgs;

/// How the browser reaches the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HttpMethod {
    /// A signed URL (every parameter in the query).
    #[value(name = "GET")]
    Get,
    /// An HTML form that posts itself (`biz_content` in the body, not the URL).
    #[value(name = "POST")]
    Post,
}

/// `alipay page`.
#[derive(Debug, Args)]
pub(crate) struct PageArgs {
    /// The page-redirect method, e.g. `alipay.user.certify.open.certify`.
    #[arg(long)]
    method: String,
    /// GET prints the signed URL, POST the self-submitting form.
    #[arg(long, value_enum, default_value = "POST", ignore_case = true)]
    http_method: HttpMethod,
    /// `return_url`: where Alipay sends the browser afterwards.
    #[arg(long, value_name = "URL")]
    return_url: Option<String>,
    /// `notify_url`: where Alipay posts the asynchronous notification.
    #[arg(long, value_name = "URL")]
    notify_url: Option<String>,
    #[command(flatten)]
    client: ClientArgs,
    /// Sign a method that has no spec, with `biz_content` unchecked.
    #[arg(long)]
    raw: bool,
    /// `biz_content` as a JSON object: the JSON text, `@FILE`, or `-` for standard input.
    #[arg(value_name = "BIZ_CONTENT")]
    biz_content: String,
}

pub(crate) fn run(args: PageArgs) -> Result<ExitCode, CliError> {
    let text = read_biz(&args.biz_content)?;
    let biz_content = match alipay_api::method(&args.method) {
        Some(info) if info.call_style != CallStyle::PageRedirect => {
            return Err(CliError(format!(
                "{} is not a page-redirect method ({:?}); call it with `alipay call`",
                info.name, info.call_style
            )));
        }
        Some(info) => (info.check_biz_content)(&text)
            .map_err(|e| CliError(format!("{}; nothing was signed", ErrorChain(&e))))?,
        None if args.raw => text,
        None => {
            let known: Vec<&str> = alipay_api::METHODS
                .iter()
                .filter(|m| m.call_style == CallStyle::PageRedirect)
                .map(|m| m.name)
                .collect();
            return Err(CliError(format!(
                "no spec for page method `{}` (spec'd: {}); pass --raw to sign it unchecked",
                args.method,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )));
        }
    };
    let client = args.client.client()?;
    let mut options = PageOptions::new();
    options.return_url = args.return_url;
    options.notify_url = args.notify_url;
    options.app_auth_token = args.client.app_auth_token.clone();
    let signed = client.sign_page_raw(&args.method, &biz_content, &options)?;
    match args.http_method {
        HttpMethod::Get => println!("{}", signed.page_url(client.gateway_url())),
        HttpMethod::Post => println!("{}", signed.page_form(client.gateway_url())),
    }
    Ok(ExitCode::SUCCESS)
}
