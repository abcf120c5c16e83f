//! The blocking client against the local test gateway (running on its own thread).
//! These are unit tests so that a plain `cargo test`, which enables no feature,
//! still exercises the blocking client.

use std::time::Duration;

use crate::test_support::{
    ALIPAY_PUBLIC_PEM, APP_PRIVATE_PEM, METHOD, Reply, TestCertify, TestGateway, error_node,
    refused_url, success_node,
};
use crate::{AlipayTrust, CallOptions, Error, Gateway, RetryPolicy, TransportErrorKind};

fn client(url: &str) -> super::AlipayClient {
    super::AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(url.into()))
        .no_proxy()
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .build()
        .unwrap()
}

#[test]
fn blocking_success_and_not_passed() {
    let gw = TestGateway::start(|_, n| Reply::Signed(success_node(n == 0)));
    let c = client(&gw.url);
    let first = c.execute(&TestCertify::new("tx-b-1")).unwrap();
    assert_eq!(first.passed.as_deref(), Some("true"));
    let second = c.clone().execute(&TestCertify::new("tx-b-2")).unwrap();
    assert_eq!(second.passed.as_deref(), Some("false"));
    let received = gw.received();
    assert!(received.iter().all(|r| r.signature_ok));
    // One pool for the client and its clones.
    assert_eq!(gw.connections(), 1);
}

#[test]
fn blocking_gateway_error_and_retries() {
    let gw = TestGateway::start(|_, n| {
        if n == 0 {
            Reply::Signed(error_node(
                "20000",
                "Service Currently Unavailable",
                "isp.unknow-error",
                "系统繁忙",
            ))
        } else {
            Reply::Signed(error_node(
                "40004",
                "Business Failed",
                "INVALID_PARAMETER",
                "参数有误",
            ))
        }
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-b-3"))
        .unwrap_err();
    let g = err.as_gateway().expect("gateway error");
    assert_eq!(g.code(), "40004");
    assert!(g.verified());
    assert_eq!(gw.attempts(), 2);
}

#[test]
fn blocking_timeout_and_connection_refused() {
    let gw = TestGateway::always(Reply::Delay(
        Duration::from_secs(5),
        Box::new(Reply::Signed(success_node(true))),
    ));
    let err = client(&gw.url)
        .execute_with(
            &TestCertify::new("tx-b-4"),
            CallOptions::new()
                .timeout(Duration::from_millis(300))
                .retry(RetryPolicy::none()),
        )
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout, "{err:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }

    let err = client(&refused_url())
        .execute(&TestCertify::new("tx-b-5"))
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.kind(), TransportErrorKind::Connect, "{err:?}");
            assert_eq!(t.attempts(), 3);
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[test]
fn blocking_raw_call() {
    let gw = TestGateway::always(Reply::Signed(
        r#"{"code":"10000","msg":"Success","x":1}"#.into(),
    ));
    let raw = client(&gw.url)
        .execute_raw(METHOD, r#"{"transaction_id":"tx-b-6"}"#)
        .unwrap();
    assert_eq!(raw.to_value().unwrap()["x"], 1);
    assert_eq!(raw.trace_id(), Some("0b0000testtrace"));
}

#[test]
fn blocking_inside_a_runtime_is_an_error_not_a_panic() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(async { c.execute(&TestCertify::new("tx-b-7")) })
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.kind(), TransportErrorKind::BlockingInAsyncContext)
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(gw.attempts(), 0);
    // Dropping the client (and its runtime) inside an async context must not panic.
    rt.block_on(async move { drop(c) });
}
