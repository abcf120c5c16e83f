//! Verified answers and gateway errors: success and `passed`, every gateway code class,
//! signature mismatches, unsigned and hostile error text, raw calls and typed decoding.

use super::*;

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
