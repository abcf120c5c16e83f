//! The whole certification flow on one machine: a tiny merchant web app (axum) beside
//! the embedded sandbox gateway.
//!
//! ```sh
//! cargo run --example certify_flow
//! ```
//!
//! It prints one URL. That page asks for a name and an ID number; submitting it calls
//! `alipay.user.certify.open.initialize` (server side, signed), then redirects the
//! browser to the signed certify page URL (`alipay.user.certify.open.certify`). The
//! sandbox's page offers *pass* and *fail*; either sends the browser back to the
//! merchant's `return_url`, whose page asks `alipay.user.certify.open.query` for the
//! verified result and shows it.
//!
//! With `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY`, `ALIPAY_PUBLIC_KEY` and optionally
//! `ALIPAY_GATEWAY` (`production`, `sandbox` or a URL) set — keys as file paths or
//! values — the same app runs against that gateway. `CERTIFY_FLOW_ADDR` (default
//! `127.0.0.1:0`, a free port) is where the merchant app listens.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use alipay_api::alipay_user_certify_open_initialize::{
    AlipayUserCertifyOpenInitializeRequest as Initialize, BizCode, OpenCertifyIdentityParam,
    OpenCertifyMerchantConfig,
};
use alipay_api::alipay_user_certify_open_query::{
    AlipayUserCertifyOpenQueryRequest as Query, Passed,
};
use alipay_api::{
    AlipayClient, AlipayTrust, AlipayUserCertifyOpenCertifyRequest, ApiMethod as _, Gateway,
    KeySource,
};
use alipay_sandbox::{DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};
use axum::extract::{Form, Query as UrlQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

struct Merchant {
    client: AlipayClient,
    /// This app's own address, for the return_url.
    base: String,
    /// The merchant's orders: outer_order_no -> certify_id.
    orders: Mutex<HashMap<String, String>>,
    next: AtomicU64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let mut _sandbox = None;
    let client = match std::env::var("ALIPAY_APP_ID") {
        Ok(app_id) => {
            let gateway: Gateway = match std::env::var("ALIPAY_GATEWAY") {
                Ok(value) => value.parse()?,
                Err(_) => Gateway::Production,
            };
            let private_key = key_text("ALIPAY_APP_PRIVATE_KEY")?;
            AlipayClient::builder()
                .app_id(&app_id)
                .app_private_key(private_key.as_str())
                .alipay_trust(AlipayTrust::public_key(KeySource::path_or_value(key_text(
                    "ALIPAY_PUBLIC_KEY",
                )?)))
                .gateway(gateway)
                .build()?
        }
        Err(_) => {
            let keys = KeySet::generate()?;
            let sandbox =
                Sandbox::start_local(SandboxConfig::from_key_set(DEFAULT_APP_ID, &keys)?).await?;
            let client = AlipayClient::builder()
                .app_id(DEFAULT_APP_ID)
                .app_private_key(keys.app_private_pem.as_str())
                .alipay_trust(AlipayTrust::public_key(keys.alipay_public_pem.as_str()))
                .gateway(Gateway::Custom(sandbox.url()))
                .build()?;
            _sandbox = Some(sandbox);
            client
        }
    };
    let addr: SocketAddr = std::env::var("CERTIFY_FLOW_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:0".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let merchant = Arc::new(Merchant {
        client,
        base: base.clone(),
        orders: Mutex::new(HashMap::new()),
        next: AtomicU64::new(1),
    });
    let app = axum::Router::new()
        .route("/", get(home))
        .route("/start", post(start))
        .route("/return", get(returned))
        .with_state(merchant);
    println!("merchant app: open {base}/");
    axum::serve(listener, app).await?;
    Ok(())
}

fn layout(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head { meta charset="utf-8"; title { (title) } }
                body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto" {
                    (body)
                }
            }
        }
        .into_string(),
    )
}

async fn home() -> Html<String> {
    layout(
        "Merchant",
        html! {
            h1 { "Merchant: verify your identity" }
            form method="post" action="/start" {
                p { label { "Name " input #cert-name name="cert_name" value="张三" required; } }
                p { label { "ID number " input #cert-no name="cert_no" value="260104197909275964" required; } }
                button #start type="submit" { "Verify with Alipay" }
            }
        },
    )
}

fn error(what: &str) -> Response {
    layout(
        "Error",
        html! { h1 { "Could not continue" } p #error { (what) } },
    )
    .into_response()
}

#[derive(Deserialize)]
struct Person {
    cert_name: String,
    cert_no: String,
}

async fn start(State(m): State<Arc<Merchant>>, Form(person): Form<Person>) -> Response {
    let order = format!(
        "FLOW{}{}",
        std::process::id(),
        m.next.fetch_add(1, Ordering::SeqCst)
    );
    let request = Initialize::builder()
        .outer_order_no(&order)
        .biz_code(BizCode::Face)
        .identity_param(OpenCertifyIdentityParam::resident_id(
            person.cert_name,
            person.cert_no,
        ))
        .merchant_config(OpenCertifyMerchantConfig::returning_to(format!(
            "{}/return?order={order}",
            m.base
        )))
        .build();
    let request = match request {
        Ok(r) => r,
        Err(e) => return error(&e.to_string()),
    };
    let certify_id = match m.client.execute(&request).await {
        Ok(answer) => answer.certify_id,
        Err(e) => return error(&e.to_string()),
    };
    let page = match AlipayUserCertifyOpenCertifyRequest::builder()
        .certify_id(certify_id.clone())
        .build()
    {
        Ok(p) => p,
        Err(e) => return error(&e.to_string()),
    };
    if let Ok(mut orders) = m.orders.lock() {
        orders.insert(order, certify_id);
    }
    // The signed GET URL of the certify page (pageExecute GET).
    match m.client.page_url(&page) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => error(&e.to_string()),
    }
}

#[derive(Deserialize)]
struct Returned {
    order: String,
}

async fn returned(State(m): State<Arc<Merchant>>, UrlQuery(back): UrlQuery<Returned>) -> Response {
    let certify_id = m
        .orders
        .lock()
        .ok()
        .and_then(|orders| orders.get(&back.order).cloned());
    let Some(certify_id) = certify_id else {
        return error("unknown order");
    };
    // What the browser brought back proves nothing: ask the gateway (verified answer).
    let query = match Query::builder().certify_id(&certify_id).build() {
        Ok(q) => q,
        Err(e) => return error(&e.to_string()),
    };
    match m.client.execute(&query).await {
        Ok(answer) => {
            let passed = answer.passed == Passed::Passed;
            layout(
                "Result",
                html! {
                    h1 #result { @if passed { "Verified: passed" } @else { "Verified: not passed" } }
                    p { "order " code { (back.order) } ", certify_id " code #certify-id { (certify_id) } }
                    p { "method " code { (Query::METHOD) } ", passed = " code #passed { (answer.passed.as_str()) } }
                    @if let Some(reason) = &answer.fail_reason { p #fail-reason { "fail_reason: " (reason) } }
                    p { a href="/" { "Start again" } }
                },
            )
            .into_response()
        }
        Err(e) => error(&e.to_string()),
    }
}

/// A key from the environment, as text: the file's content when the value names a
/// file, else the value itself.
fn key_text(name: &str) -> Result<String, String> {
    let value = std::env::var(name)
        .map_err(|_| format!("{name} is not set (a key file path or the key)"))?;
    match std::fs::read_to_string(&value) {
        Ok(text) => Ok(text),
        Err(_) => Ok(value),
    }
}
