//! Retries: timeouts, refused and dropped connections, and the gateway's 20000 and
//! system-error answers; what is retried, how often, and what is never sent twice.

use super::*;

#[tokio::test]
async fn a_slow_server_times_out_and_an_idempotent_method_is_retried_with_the_same_key() {
    let gw = TestGateway::always(Reply::Delay(
        Duration::from_secs(10),
        Box::new(Reply::Signed(success_node(true))),
    ));
    let c = client(&gw.url);
    let err = c
        .execute_with(
            &TestCertify::new("tx-9"),
            CallOptions::new()
                .timeout(Duration::from_millis(300))
                .retry(fast_retry(1)),
        )
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected Transport, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert!(t.is_timeout());
    assert!(!err.is_retryable(), "the request may have been received");
    assert!(err.is_retryable_if_idempotent());
    assert_eq!(t.attempts(), 2);
    let received = gw.received();
    assert_eq!(received.len(), 2, "the idempotent method is retried");
    for r in &received {
        assert!(
            r.param("biz_content")
                .unwrap()
                .contains(r#""transaction_id":"tx-9""#)
        );
    }
    assert!(std::error::Error::source(t).is_some());
    // The URL (with the signature) is not in the source chain.
    let chain = format!("{:?}", std::error::Error::source(t).unwrap());
    assert!(!chain.contains("sign="), "{chain}");
}

/// Issue 10, defect 6: a delayed gateway received the same refund three times.
#[tokio::test]
async fn a_raw_call_that_times_out_after_sending_is_received_exactly_once() {
    let gw = TestGateway::always(Reply::Delay(
        Duration::from_secs(10),
        Box::new(Reply::Signed(r#"{"code":"10000","msg":"Success"}"#.into())),
    ));
    let refund = r#"{"out_trade_no":"20150320010101001","refund_amount":"88.88"}"#;
    let err = client(&gw.url)
        .execute_raw_with(
            "alipay.trade.refund",
            refund,
            CallOptions::new().timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected Transport, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert_eq!(t.attempts(), 1);
    assert_eq!(gw.attempts(), 1, "the refund was sent again");
    assert_eq!(gw.received()[0].param("biz_content"), Some(refund));
}

#[tokio::test]
async fn a_raw_call_is_retried_after_sending_only_when_marked_idempotent() {
    let close_then_succeed = || {
        TestGateway::start(|_, n| {
            if n == 0 {
                Reply::Close
            } else {
                Reply::Signed(r#"{"code":"10000","msg":"Success"}"#.into())
            }
        })
    };
    let busy_then_succeed = || {
        TestGateway::start(|_, n| {
            if n == 0 {
                Reply::Signed(error_node(
                    "20000",
                    "Service Currently Unavailable",
                    "isp.unknow-error",
                    "系统繁忙",
                ))
            } else {
                Reply::Signed(r#"{"code":"10000","msg":"Success"}"#.into())
            }
        })
    };
    let query = r#"{"out_trade_no":"20150320010101001"}"#;

    // A connection lost after the request was sent, then a verified 20000: not retried
    // by default...
    let gw = close_then_succeed();
    let err = client(&gw.url)
        .execute_raw("alipay.trade.query", query)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Send),
        "{err:?}"
    );
    assert_eq!(gw.attempts(), 1);
    let gw = busy_then_succeed();
    let err = client(&gw.url)
        .execute_raw("alipay.trade.query", query)
        .await
        .unwrap_err();
    assert_eq!(gateway_error(&err).code(), "20000");
    assert!(gateway_error(&err).is_retryable());
    assert_eq!(gw.attempts(), 1);

    // ...and retried with the same biz_content when the caller vouches for the method.
    for gw in [close_then_succeed(), busy_then_succeed()] {
        let raw = client(&gw.url)
            .execute_raw_with(
                "alipay.trade.query",
                query,
                CallOptions::new().idempotent(true),
            )
            .await
            .unwrap();
        assert_eq!(raw.status().code, "10000");
        let received = gw.received();
        assert_eq!(received.len(), 2);
        assert!(
            received
                .iter()
                .all(|r| r.param("biz_content") == Some(query))
        );
    }
}

#[tokio::test]
async fn an_unsigned_20000_is_never_retried() {
    let body = r#"{"error_response":{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}}"#;
    let gw = TestGateway::always(Reply::Body(body.into()));
    let c = client(&gw.url);
    // Not for a raw call, nor for an idempotent method: the code is unverified text.
    let err = c
        .execute_raw("alipay.trade.refund", r#"{"out_trade_no":"1"}"#)
        .await
        .unwrap_err();
    let g = gateway_error(&err);
    assert!(!g.verified());
    assert!(!g.is_retryable());
    assert!(!err.is_retryable_if_idempotent());
    assert_eq!(gw.attempts(), 1);
    let err = c.execute(&TestCertify::new("tx-9c")).await.unwrap_err();
    assert_eq!(gateway_error(&err).code(), "20000");
    assert_eq!(gw.attempts(), 2, "one attempt per call");
}

#[tokio::test]
async fn a_connect_failure_is_retried_for_any_method() {
    // Nothing listens: the request cannot have reached a gateway, so even a raw call
    // of a method that is not idempotent is sent again.
    let err = client(&refused_url())
        .execute_raw("alipay.trade.refund", r#"{"out_trade_no":"1"}"#)
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected Transport, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert!(err.is_retryable());
    assert_eq!(t.attempts(), 3, "1 attempt + 2 retries");
}

#[tokio::test]
async fn connection_refused_is_retried_then_fails() {
    let url = refused_url();
    let err = client(&url)
        .execute(&TestCertify::new("tx-10"))
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected Transport, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert_eq!(t.attempts(), 3, "1 attempt + 2 retries");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

#[tokio::test]
async fn a_one_shot_20000_is_retried_once() {
    let gw = TestGateway::start(|_, n| {
        if n == 0 {
            Reply::Signed(error_node(
                "20000",
                "Service Currently Unavailable",
                "isp.unknow-error",
                "系统繁忙",
            ))
        } else {
            Reply::Signed(success_node(true))
        }
    });
    let c = builder(&gw.url).clock(ticking_clock()).build().unwrap();
    let response = c.execute(&TestCertify::new("tx-13")).await.unwrap();
    assert_eq!(response.passed.as_deref(), Some("true"));
    assert_eq!(gw.attempts(), 2);
}

#[tokio::test]
async fn persistent_20000_gives_up_after_max_retries_with_the_same_biz_content() {
    let gw = TestGateway::always(Reply::Signed(error_node(
        "20000",
        "Service Currently Unavailable",
        "isp.unknow-error",
        "系统繁忙",
    )));
    let c = builder(&gw.url)
        .retry(fast_retry(3))
        .clock(ticking_clock())
        .build()
        .unwrap();
    let err = c.execute(&TestCertify::new("tx-14")).await.unwrap_err();
    assert_eq!(gateway_error(&err).code(), "20000");
    let received = gw.received();
    assert_eq!(received.len(), 4, "1 attempt + max_retries");
    assert!(received.iter().all(|r| r.signature_ok));
    let biz: Vec<&str> = received
        .iter()
        .map(|r| r.param("biz_content").unwrap())
        .collect();
    assert!(
        biz.windows(2).all(|w| w[0] == w[1]),
        "biz_content changed between attempts"
    );
    assert!(biz[0].contains(r#""transaction_id":"tx-14""#));
    let stamps: Vec<&str> = received
        .iter()
        .map(|r| r.param("timestamp").unwrap())
        .collect();
    assert_eq!(
        stamps,
        [
            "2025-01-15 10:30:00",
            "2025-01-15 10:30:01",
            "2025-01-15 10:30:02",
            "2025-01-15 10:30:03"
        ]
    );
    let signs: Vec<&str> = received.iter().map(|r| r.param("sign").unwrap()).collect();
    for (i, a) in signs.iter().enumerate() {
        for b in &signs[i + 1..] {
            assert_ne!(a, b, "each attempt is signed afresh");
        }
    }
}

#[tokio::test]
async fn system_error_sub_code_is_retried_but_40004_is_not() {
    let gw = TestGateway::start(|_, n| {
        if n == 0 {
            Reply::Signed(error_node(
                "40004",
                "Business Failed",
                "SYSTEM_ERROR",
                "系统错误",
            ))
        } else {
            Reply::Signed(success_node(true))
        }
    });
    assert!(
        client(&gw.url)
            .execute(&TestCertify::new("tx-15"))
            .await
            .is_ok()
    );
    assert_eq!(gw.attempts(), 2);

    let gw = TestGateway::always(Reply::Signed(error_node(
        "40004",
        "Business Failed",
        "CERT_NO_INVALID",
        "身份证号码不合法",
    )));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-15b"))
        .await
        .unwrap_err();
    assert_eq!(gateway_error(&err).code(), "40004");
    assert_eq!(gw.attempts(), 1, "40004 is never retried");
}

#[tokio::test]
async fn a_connection_closed_without_answer_is_retried_for_an_idempotent_method() {
    let gw = TestGateway::start(|_, n| {
        if n == 0 {
            Reply::Close
        } else {
            Reply::Signed(success_node(true))
        }
    });
    client(&gw.url)
        .execute(&TestCertify::new("tx-21"))
        .await
        .unwrap();
    assert_eq!(gw.attempts(), 2);
}
