//! The async client against a real HTTP server on 127.0.0.1.

mod support;

// The tests live beside this file, in `client/`, grouped by theme.
#[path = "client/answers.rs"]
mod answers;
#[path = "client/bodies.rs"]
mod bodies;
#[path = "client/pages.rs"]
mod pages;
#[path = "client/requests.rs"]
mod requests;
#[path = "client/retries.rs"]
mod retries;
#[path = "client/uploads.rs"]
mod uploads;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_transport::protocol::redact::{UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP};
use alipay_transport::{
    AlipayClient, AlipayTrust, CallOptions, ClientBuilder, CodeClass, Error, Gateway, RetryPolicy,
    TransportErrorKind,
};
use alipay_transport::{AnswerError, VerifyError};
use support::{
    ALIPAY_PUBLIC_PEM, APP_PRIVATE_PEM, CERT_NAME, CERT_NO, METHOD, Reply, TestCertify,
    TestGateway, TestPageMethod, error_node, photo_base64, refused_url, success_node,
};

fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    }
}

fn builder(url: &str) -> ClientBuilder {
    AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(url.into()))
        .no_proxy()
        .retry(fast_retry(2))
}

fn client(url: &str) -> AlipayClient {
    builder(url).build().unwrap()
}

/// A clock that starts at 2025-01-15 10:30:00 (Beijing) and advances one second per read.
fn ticking_clock() -> impl Fn() -> SystemTime + Send + Sync + 'static {
    let tick = Arc::new(AtomicU64::new(0));
    move || UNIX_EPOCH + Duration::from_secs(1_736_908_200 + tick.fetch_add(1, Ordering::SeqCst))
}

fn gateway_error(err: &Error) -> &alipay_transport::GatewayError {
    err.as_gateway()
        .unwrap_or_else(|| panic!("expected a gateway error, got {err:?}"))
}
