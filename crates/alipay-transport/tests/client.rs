//! The async client against a real HTTP server on 127.0.0.1.

mod support;

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

#[tokio::test]
async fn success_is_verified_and_typed() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = builder(&gw.url).clock(ticking_clock()).build().unwrap();
    let response = c.execute(&TestCertify::new("tx-1")).await.unwrap();
    assert_eq!(response.code, "10000");
    assert_eq!(response.passed.as_deref(), Some("true"));
    assert_eq!(
        response.certify_id.as_deref(),
        Some("ZM201612013000000393900404029253")
    );

    let received = gw.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert!(r.signature_ok, "the gateway could not verify our signature");
    assert_eq!(r.path, "/gateway.do");
    assert_eq!(r.param("method"), Some(METHOD));
    assert_eq!(r.param("app_id"), Some("2021000000000001"));
    assert_eq!(r.param("sign_type"), Some("RSA2"));
    assert_eq!(r.param("charset"), Some("utf-8"));
    assert_eq!(r.param("timestamp"), Some("2025-01-15 10:30:00"));
    // Personal data travels in the body, never in the URL (access logs).
    assert!(r.query.iter().all(|(k, _)| k != "biz_content"));
    let biz = r.form.iter().find(|(k, _)| k == "biz_content").unwrap();
    assert!(biz.1.contains(CERT_NO) && biz.1.contains(&photo_base64()));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded;charset=utf-8")
    );
    assert!(
        r.header("user-agent")
            .unwrap()
            .starts_with("alipay-rust-sdk/")
    );
}

#[tokio::test]
async fn not_passed_is_a_value_not_an_error() {
    let gw = TestGateway::always(Reply::Signed(success_node(false)));
    let response = client(&gw.url)
        .execute(&TestCertify::new("tx-2"))
        .await
        .unwrap();
    assert_eq!(response.passed.as_deref(), Some("false"));
    assert_eq!(response.failed_reason.as_deref(), Some("人脸比对不通过"));
}

#[tokio::test]
async fn each_gateway_code_class_is_a_gateway_error_with_fields() {
    let cases = [
        (
            "20000",
            "Service Currently Unavailable",
            "isp.unknow-error",
            "系统繁忙",
            CodeClass::ServiceUnavailable,
            true,
        ),
        (
            "20001",
            "Insufficient Token Permissions",
            "aop.invalid-app-auth-token",
            "无效的应用授权令牌",
            CodeClass::InsufficientTokenPermissions,
            false,
        ),
        (
            "40001",
            "Missing Required Arguments",
            "isv.missing-method",
            "缺少方法名参数",
            CodeClass::MissingArguments,
            false,
        ),
        (
            "40004",
            "Business Failed",
            "CERT_NO_INVALID",
            "身份证号码不合法",
            CodeClass::BusinessFailed,
            false,
        ),
        (
            "40006",
            "Insufficient Permissions",
            "isv.insufficient-isv-permissions",
            "ISV权限不足",
            CodeClass::InsufficientPermissions,
            false,
        ),
    ];
    for (code, msg, sub_code, sub_msg, class, retryable) in cases {
        let gw = TestGateway::always(Reply::Signed(error_node(code, msg, sub_code, sub_msg)));
        let err = builder(&gw.url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
            .execute(&TestCertify::new("tx-3"))
            .await
            .unwrap_err();
        let g = gateway_error(&err);
        assert_eq!(g.code(), code);
        assert_eq!(g.status().msg, msg);
        assert_eq!(g.sub_code(), Some(sub_code));
        assert_eq!(g.status().sub_msg.as_deref(), Some(sub_msg));
        assert!(g.verified(), "{code}: a signed answer is verified");
        assert_eq!(g.class(), class);
        assert_eq!(g.is_retryable(), retryable, "{code}");
        assert_eq!(g.trace_id(), Some("0b0000testtrace"));
        assert!(g.raw().contains(sub_code));
        assert!(
            err.to_string().contains(code) && err.to_string().contains(sub_code),
            "{err}"
        );
        assert_eq!(gw.attempts(), 1);
    }
}

#[tokio::test]
async fn invalid_signature_40002_carries_both_sign_contents_and_a_diff() {
    // The "gateway" echoes what it verified, having read `version` differently.
    let gw = TestGateway::start(|r, _| {
        let echoed = r
            .sign_content
            .replace("version=1.0", "version=2.0")
            .replace('&', "&amp;");
        Reply::Signed(error_node(
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature",
            &format!(
                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{echoed}"
            ),
        ))
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-4"))
        .await
        .unwrap_err();
    let g = gateway_error(&err);
    assert_eq!(g.code(), "40002");
    assert!(!g.is_retryable());
    let diff = g.sign_content_diff().expect("a diff");
    assert_eq!(diff.different, vec!["version"]);
    assert!(diff.only_ours.is_empty() && diff.only_gateway.is_empty());
    let ours = g.our_sign_content().unwrap();
    assert_eq!(ours, gw.received()[0].sign_content);
    assert!(g.gateway_sign_content().unwrap().contains("&version=2.0"));
    // Display and Debug name the parameter, never the values (which hold personal data).
    let shown = format!("{err} | {err:?}");
    assert!(shown.contains("version"), "{shown}");
    for secret in [CERT_NO, CERT_NAME, &photo_base64(), "biz_content="] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(gw.attempts(), 1, "40002 is never retried");
}

#[tokio::test]
async fn html_5xx_is_an_http_status_error_with_a_safe_excerpt() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>\
                <p>request id 12345</p><hr><center>Tengine</center></body></html>";
    let gw = TestGateway::always(Reply::Http {
        status: 502,
        reason: "Bad Gateway",
        headers: vec![
            ("content-type", "text/html".into()),
            ("eagleeye-traceid", "0bb1c2d3".into()),
        ],
        body: page.as_bytes().to_vec(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-5"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::HttpStatus(h)) = &err else {
        panic!("expected HttpStatus, got {err:?}")
    };
    assert_eq!(h.status(), 502);
    assert_eq!(h.excerpt(), "502 Bad Gateway");
    assert_eq!(err.trace_id(), Some("0bb1c2d3"));
    assert!(!err.to_string().contains('<'), "{err}");
    assert_eq!(gw.attempts(), 1, "HTTP errors are not retried");

    // Without a title: the text, tags stripped, bounded.
    let body = format!(
        "<html><body><p>Service <b>down</b></p>{}</body></html>",
        "x".repeat(5000)
    );
    let gw = TestGateway::always(Reply::Http {
        status: 503,
        reason: "Service Unavailable",
        headers: vec![],
        body: body.into_bytes(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-5b"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::HttpStatus(h)) = &err else {
        panic!("expected HttpStatus, got {err:?}")
    };
    assert!(h.excerpt().starts_with("Service down x"), "{}", h.excerpt());
    assert!(h.excerpt().chars().count() <= 201);
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_transport_body_error() {
    let body = format!(
        r#"{{"{}_response":{{"code":"10000""#,
        METHOD.replace('.', "_")
    );
    let gw = TestGateway::always(Reply::LyingLength {
        declared: body.len() + 500,
        body: body.into_bytes(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-6"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Body, "{err:?}"),
        other => panic!("expected Transport(Body), got {other:?}"),
    }
    assert_eq!(
        gw.attempts(),
        1,
        "a failure after the answer began is not retried"
    );
}

#[tokio::test]
async fn a_body_cut_mid_json_is_malformed() {
    let body = format!(
        r#"{{"{}_response":{{"code":"10000","msg":"Succ"#,
        METHOD.replace('.', "_")
    );
    let gw = TestGateway::always(Reply::Body(body));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-7"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(m)) = &err else {
        panic!("expected MalformedResponse, got {err:?}")
    };
    assert!(m.reason().contains("truncated"), "{}", m.reason());
    assert_eq!(m.path(), None);
    assert_eq!(gw.attempts(), 1);
}

#[tokio::test]
async fn an_html_page_with_status_200_is_malformed() {
    let gw = TestGateway::always(Reply::Body(
        "<html><body>login required</body></html>".into(),
    ));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-7b"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::Malformed(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_cut_off_at_the_limit() {
    // Declared too large: refused before reading.
    let gw = TestGateway::always(Reply::LyingLength {
        declared: 50 * 1024 * 1024,
        body: b"{".to_vec(),
    });
    let err = builder(&gw.url)
        .max_response_size(64 * 1024)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-8"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::TooLarge { limit: 65536 })),
        "{err:?}"
    );

    // Streamed without a length: reading stops at the limit, long before the end.
    let total = 64 * 1024 * 1024;
    let gw = TestGateway::always(Reply::Chunked { total });
    let err = builder(&gw.url)
        .max_response_size(64 * 1024)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-8b"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::TooLarge { limit: 65536 })),
        "{err:?}"
    );
    assert_eq!(gw.attempts(), 1);
    // The client stopped reading (and closed), so the server could not push it all.
    assert!(
        gw.chunked_bytes_written() < total / 2,
        "{}",
        gw.chunked_bytes_written()
    );
}

#[tokio::test]
async fn default_limit_accepts_normal_answers() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = builder(&gw.url).max_response_size(600).build().unwrap();
    // A signed success is ~500 bytes: under 600, accepted.
    assert!(c.execute(&TestCertify::new("tx-8c")).await.is_ok());
    let c = builder(&gw.url).max_response_size(100).build().unwrap();
    assert!(matches!(
        c.execute(&TestCertify::new("tx-8d")).await,
        Err(Error::Answer(AnswerError::TooLarge { limit: 100 }))
    ));
}

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
async fn a_bad_signature_is_a_signature_mismatch() {
    let gw = TestGateway::always(Reply::SignedWithWrongKey(success_node(true)));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-11"))
        .await
        .unwrap_err();
    let Error::Verify(VerifyError::SignatureMismatch(s)) = &err else {
        panic!("expected SignatureMismatch, got {err:?}")
    };
    assert!(!s.is_missing());
    assert_eq!(
        s.node(),
        "zhima_customer_certification_material_certify_response"
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("支付宝公钥"), "{shown}");
    assert!(!shown.contains("ZM2016"), "response data leaked: {shown}");
    assert_eq!(gw.attempts(), 1, "signature mismatches are never retried");

    // A success without any signature is refused as well.
    let body = format!(
        r#"{{"{}_response":{}}}"#,
        METHOD.replace('.', "_"),
        success_node(true)
    );
    let gw = TestGateway::always(Reply::Body(body));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-11b"))
        .await
        .unwrap_err();
    let Error::Verify(VerifyError::SignatureMismatch(s)) = &err else {
        panic!("expected SignatureMismatch, got {err:?}")
    };
    assert!(s.is_missing());
}

#[tokio::test]
async fn an_unsigned_error_response_is_an_unverified_gateway_error() {
    let body = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}}"#;
    let gw = TestGateway::always(Reply::Body(body.into()));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-12"))
        .await
        .unwrap_err();
    let g = gateway_error(&err);
    assert!(!g.verified());
    assert_eq!(g.code(), "40002");
    assert_eq!(g.sub_code(), Some("isv.invalid-app-id"));
    assert_eq!(g.status().sub_msg.as_deref(), Some("无效的AppID参数"));
    assert!(err.to_string().contains("(unverified"), "{err}");
    assert!(err.to_string().contains("无效的AppID参数"), "{err}");
}

/// Issue 10, defect 7: an unsigned answer's text reached `Display` as it was.
#[tokio::test]
async fn hostile_unsigned_error_text_is_marked_sanitised_and_capped() {
    let id = "110101199003078515";
    let filler = "长".repeat(3_500); // 10.5 KB
    let sub_msg = format!(
        "系统繁忙\n2025-01-15 10:30:00 INFO alipay call succeeded\x1b[31m {id} \u{202e}\u{2066}{filler}"
    );
    let body = serde_json::json!({
        "error_response": {
            "code": "40002",
            "msg": "Invalid Arguments\r\nforged",
            "sub_code": "isv.invalid-app-id",
            "sub_msg": sub_msg,
        }
    })
    .to_string();
    let gw = TestGateway::always(Reply::Body(body));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-12b"))
        .await
        .unwrap_err();
    let g = gateway_error(&err);
    assert!(!g.verified());
    // The field keeps what arrived (documented as hostile)...
    assert_eq!(g.status().sub_msg.as_deref(), Some(sub_msg.as_str()));
    // ...while Display and Debug show a marked, one-line, capped, masked version.
    let display = err.to_string();
    assert!(display.contains("(unverified"), "{display}");
    assert!(display.contains("isv.invalid-app-id"), "{display}");
    assert!(display.contains("系统繁忙"), "{display}");
    for shown in [display.clone(), format!("{err:?}")] {
        for raw in [
            "\n",
            "\r",
            "\x1b",
            "\u{202e}",
            "\u{2066}",
            id,
            "1101",
            &filler[..603],
        ] {
            assert!(!shown.contains(raw), "{raw:?} shown in {shown}");
        }
    }
    let cap = UNVERIFIED_TEXT_CAP + 2 * UNVERIFIED_CODE_CAP;
    // The rest is fixed text: the marker and the trace id.
    assert!(
        display.chars().count() <= cap + 120,
        "{} chars: {display}",
        display.chars().count()
    );
    assert!(display.contains("…"), "the cut is marked: {display}");
    assert_eq!(gw.attempts(), 1);
}

/// Issue 10, defect 7: a top-level JSON string was quoted in the decode error.
#[tokio::test]
async fn a_json_string_body_is_malformed_without_being_quoted() {
    let gw = TestGateway::always(Reply::Body(format!("\"{CERT_NAME} {CERT_NO}\"")));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-12c"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(m)) = &err else {
        panic!("expected MalformedResponse, got {err:?}")
    };
    assert!(m.reason().contains("found a string"), "{}", m.reason());
    let shown = format!("{err} {err:?}");
    for secret in [CERT_NAME, CERT_NO, &CERT_NO[..6]] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
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
async fn invalid_requests_are_rejected_before_sending() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    let err = c.execute(&TestCertify::new("")).await.unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("expected InvalidRequest, got {err:?}")
    };
    assert_eq!(v.field(), "transaction_id");
    let err = c.execute(&TestPageMethod).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = c.execute_raw(METHOD, "{not json").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = c.execute_raw("bad method name", "{}").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(gw.attempts(), 0, "nothing was sent");
}

#[tokio::test]
async fn execute_raw_verifies_and_returns_the_node() {
    let gw = TestGateway::always(Reply::Signed(
        r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","total_amount":"88.88"}"#.into(),
    ));
    let c = client(&gw.url);
    let raw = c
        .execute_raw(
            "alipay.trade.query",
            r#"{"out_trade_no":"20150320010101001"}"#,
        )
        .await
        .unwrap();
    assert_eq!(raw.status().code, "10000");
    assert_eq!(raw.trace_id(), Some("0b0000testtrace"));
    let value = raw.to_value().unwrap();
    assert_eq!(value["total_amount"], "88.88");
    assert!(raw.raw().starts_with('{'));
    assert!(!format!("{raw:?}").contains("88.88"));
    let r = &gw.received()[0];
    assert!(r.signature_ok);
    assert_eq!(r.param("method"), Some("alipay.trade.query"));
    assert_eq!(
        r.param("biz_content"),
        Some(r#"{"out_trade_no":"20150320010101001"}"#)
    );

    // A raw error is verified the same way.
    let gw = TestGateway::always(Reply::SignedWithWrongKey(
        r#"{"code":"10000","msg":"Success"}"#.into(),
    ));
    let err = client(&gw.url)
        .execute_raw("alipay.trade.query", "{}")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::SignatureMismatch(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_typed_mismatch_names_the_json_path_without_the_value() {
    let gw = TestGateway::always(Reply::Signed(format!(
        r#"{{"code":"10000","msg":"Success","passed":{{"name":"{CERT_NAME}"}}}}"#
    )));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-16"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(m)) = &err else {
        panic!("expected MalformedResponse, got {err:?}")
    };
    assert_eq!(m.path(), Some("passed"));
    assert!(!format!("{err} {err:?}").contains(CERT_NAME));
}

#[tokio::test]
async fn app_auth_token_per_client_and_per_call_is_signed_and_in_the_body() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = builder(&gw.url)
        .app_auth_token("client-token")
        .build()
        .unwrap();
    c.execute(&TestCertify::new("tx-17")).await.unwrap();
    c.execute_with(
        &TestCertify::new("tx-18"),
        CallOptions::new()
            .app_auth_token("call-token")
            .auth_token("user-token")
            .connect_timeout(Duration::from_secs(3)),
    )
    .await
    .unwrap();
    let received = gw.received();
    assert!(received.iter().all(|r| r.signature_ok));
    assert_eq!(received[0].param("app_auth_token"), Some("client-token"));
    assert_eq!(received[1].param("app_auth_token"), Some("call-token"));
    assert_eq!(received[1].param("auth_token"), Some("user-token"));
    // Tokens are credentials: not in the URL.
    for r in &received {
        assert!(r.query.iter().all(|(k, _)| !k.ends_with("auth_token")));
    }
}

#[tokio::test]
async fn one_connection_pool_is_reused_across_calls_and_clones() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    for i in 0..3 {
        c.clone()
            .execute(&TestCertify::new(&format!("tx-19-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(gw.attempts(), 3);
    assert_eq!(gw.connections(), 1);
}

#[tokio::test]
async fn futures_are_send_and_can_be_spawned() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    let request = TestCertify::new("tx-20");
    let future = c.execute(&request);
    drop(request); // the future does not borrow the request
    assert_send(&future);
    let response = tokio::spawn(future).await.unwrap().unwrap();
    assert_eq!(response.code, "10000");
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
