//! The real client against the sandbox gateway over real HTTP on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use alipay_api::protocol::{Charset, CodeClass, SignType};
use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, IdentityParam, Materials,
};
use alipay_api::{
    AlipayClient, AlipayTrust, ApiMethod as _, CallOptions, Error, Gateway, RetryPolicy,
};
use alipay_api::{AnswerError, VerifyError};
use alipay_e2e::{
    ID_NUMBER, NAME, certify_builder, certify_request, client_builder, keys, sandbox,
};
use alipay_sandbox::{DEFAULT_APP_ID, Fault, KeySet};

const METHOD: &str = "zhima.customer.certification.material.certify";

fn gateway_error(result: Result<impl std::fmt::Debug, Error>) -> Box<alipay_api::GatewayError> {
    match result {
        Err(Error::Gateway(e)) => e,
        other => panic!("expected a gateway error, got {other:?}"),
    }
}

#[tokio::test]
async fn passed_not_passed_and_repeated_transaction() {
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox).build().unwrap();

    let ok = client
        .execute(&certify_request("E2E_PASS_1"))
        .await
        .unwrap();
    assert!(ok.passed);
    assert_eq!(ok.failed_reason, "认证完成");
    let biz_no = ok.biz_no.clone();
    assert_eq!(biz_no.len(), 32);

    // Not passed is a value, not an error.
    let no = client
        .execute(&certify_request("E2E_NOTPASS_1"))
        .await
        .unwrap();
    assert!(!no.passed);
    assert_eq!(no.failed_reason, "人脸比对不通过");

    let png = certify_builder("E2E_PNG")
        .materials(Materials::facial_picture_front_jpeg(
            b"\x89PNG\r\n\x1a\n0000",
        ))
        .build()
        .unwrap();
    let no = client.execute(&png).await.unwrap();
    assert!(!no.passed);
    assert!(no.failed_reason.contains("JPEG"));

    // The same transaction id answers the original result.
    let again = client
        .execute(&certify_request("E2E_PASS_1"))
        .await
        .unwrap();
    assert_eq!(again.biz_no, biz_no);
    assert!(again.passed);
    assert_eq!(sandbox.requests().len(), 4);
}

/// A verified success that does not fit the generated response type: the error names
/// the field and what is wrong, as data (path and kind), and keeps the verified node so
/// the fields that did arrive can still be read; neither Display nor Debug shows it.
#[tokio::test]
async fn a_verified_answer_that_does_not_fit_the_generated_type_loses_nothing() {
    use alipay_api::DecodeErrorKind;
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox).build().unwrap();

    sandbox.inject(Fault::OmitField("passed".into()));
    let err = client
        .execute(&certify_request("E2E_OMIT_1"))
        .await
        .unwrap_err();
    let m = err.as_malformed().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(m.path(), Some("passed"));
    assert_eq!(m.decode_error().unwrap().kind(), &DecodeErrorKind::Missing);
    let node: serde_json::Value = serde_json::from_str(m.verified_node().unwrap()).unwrap();
    let biz_no = node["biz_no"].as_str().unwrap();
    assert_eq!(biz_no.len(), 32);
    assert!(node.get("passed").is_none());
    let shown = format!("{err} {err:?} {}", alipay_api::ErrorChain(&err));
    assert!(shown.contains("passed"), "{shown}");
    assert!(
        !shown.contains(biz_no),
        "the node is only behind the accessor: {shown}"
    );

    // A wrongly typed value in the generated type keeps its field (it once came out
    // as `.`, "the value does not have the expected shape").
    sandbox.inject(Fault::ReplaceField("passed".into(), "yes".into()));
    let err = client
        .execute(&certify_request("E2E_OMIT_2"))
        .await
        .unwrap_err();
    let m = err.as_malformed().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(m.path(), Some("passed"));
    assert_eq!(
        m.decode_error().unwrap().kind(),
        &DecodeErrorKind::WrongType {
            expected: "\"true\" or \"false\"",
            found: "another string"
        }
    );
    assert_eq!(
        err.to_string(),
        "the verified response does not match the expected type: field `passed`: expected \
         \"true\" or \"false\", found another string"
    );
    assert!(!err.to_string().contains("yes"), "{err}");

    // A fault naming a field the answer lacks says so instead of passing silently.
    sandbox.inject(Fault::OmitField("pased".into()));
    let err = client
        .execute(&certify_request("E2E_OMIT_3"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(g.sub_code(), Some("sandbox.fault-names-no-field"));
}

#[tokio::test]
async fn gateway_error_classes() {
    let sandbox = sandbox().await;

    // Unknown app: an unsigned error_response, reported as unverified.
    let stranger = client_builder(&sandbox)
        .app_id("2021000000009999")
        .build()
        .unwrap();
    let e = gateway_error(stranger.execute(&certify_request("E2E_APP")).await);
    assert_eq!(
        (e.code(), e.sub_code()),
        ("40002", Some("isv.invalid-app-id"))
    );
    assert!(!e.verified());

    // Our signature is wrong (another key): the gateway echoes its sign content and
    // it equals ours, which tells the user the key, not the content, is wrong.
    let other_keys = KeySet::generate().unwrap();
    let wrong_key = client_builder(&sandbox)
        .app_private_key(other_keys.app_private_pem.as_str())
        .build()
        .unwrap();
    let e = gateway_error(wrong_key.execute(&certify_request("E2E_SIG")).await);
    assert_eq!(e.sub_code(), Some("isv.invalid-signature"));
    assert!(e.verified());
    assert_eq!(e.gateway_sign_content(), e.our_sign_content());
    assert!(e.sign_content_diff().unwrap().is_empty());
    let shown = e.to_string();
    assert!(
        !shown.contains(ID_NUMBER) && !shown.contains(NAME),
        "{shown}"
    );

    // A clock formatting UTC instead of UTC+8 is 8 hours off.
    let skewed = client_builder(&sandbox)
        .clock(|| SystemTime::now() - Duration::from_secs(8 * 3600))
        .build()
        .unwrap();
    let e = gateway_error(skewed.execute(&certify_request("E2E_TS")).await);
    assert_eq!(e.sub_code(), Some("isv.invalid-timestamp"));

    // Business failures (40004), signed.
    let client = client_builder(&sandbox).build().unwrap();
    let wrong_product = certify_builder("E2E_PRODUCT")
        .product_code("w0000000000000000000")
        .build()
        .unwrap();
    let e = gateway_error(client.execute(&wrong_product).await);
    assert_eq!(e.class(), CodeClass::BusinessFailed);
    assert_eq!(e.sub_code(), Some("ARRANGEMENT_ERROR"));
    assert!(e.verified() && !e.is_retryable());

    let bad_check_digit = certify_builder("E2E_ID")
        .identity_param(IdentityParam::resident_id(NAME, "260104197909275965"))
        .build()
        .unwrap();
    let e = gateway_error(client.execute(&bad_check_digit).await);
    assert_eq!(e.sub_code(), Some("INVALID_PARAMETER"));
    assert!(
        e.status()
            .sub_msg
            .as_deref()
            .unwrap()
            .contains("参数[identity_param]")
    );

    let other_scene = certify_builder("E2E_SCENE")
        .biz_code(BizCode::Other("SMART_FACE".into()))
        .build()
        .unwrap();
    let e = gateway_error(client.execute(&other_scene).await);
    assert_eq!(e.sub_code(), Some("UNSUPPORTED_BIZ_CODE"));

    // A method without a spec, through execute_raw, is checked by the gateway.
    let e = gateway_error(
        client
            .execute_raw(METHOD, r#"{"transaction_id":"E2E_RAW"}"#)
            .await,
    );
    assert_eq!(e.sub_code(), Some("INVALID_PARAMETER"));
    assert!(
        e.status()
            .sub_msg
            .as_deref()
            .unwrap()
            .contains("参数[product_code]"),
        "{:?}",
        e.status().sub_msg
    );
}

#[tokio::test]
async fn verification_failures() {
    let sandbox = sandbox().await;
    // The client trusts another Alipay key: every answer fails verification.
    let other = KeySet::generate().unwrap();
    let client = client_builder(&sandbox)
        .alipay_trust(AlipayTrust::public_key(other.alipay_public_pem.as_str()))
        .build()
        .unwrap();
    match client
        .execute(&certify_request("E2E_WRONG_ALIPAY_KEY"))
        .await
    {
        Err(Error::Verify(VerifyError::SignatureMismatch(_))) => {}
        other => panic!("{other:?}"),
    }
    let client = client_builder(&sandbox).build().unwrap();
    sandbox.inject(Fault::BadSignature);
    assert!(matches!(
        client.execute(&certify_request("E2E_BADSIG")).await,
        Err(Error::Verify(VerifyError::SignatureMismatch(_)))
    ));
    sandbox.inject(Fault::TruncatedBody);
    match client.execute(&certify_request("E2E_TRUNC")).await {
        Err(Error::Answer(AnswerError::Malformed(m))) => {
            assert!(m.reason().contains("truncated"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    sandbox.inject(Fault::ServerError);
    match client.execute(&certify_request("E2E_502")).await {
        Err(Error::Answer(AnswerError::HttpStatus(h))) => {
            assert_eq!(h.status(), 502);
            assert!(h.excerpt().contains("502 Bad Gateway"), "{}", h.excerpt());
        }
        other => panic!("{other:?}"),
    }
}

/// A clock that moves one second per reading, so each attempt has its own timestamp.
fn ticking_clock() -> impl Fn() -> SystemTime + Send + Sync + 'static {
    let start = SystemTime::now();
    let ticks = Arc::new(AtomicU64::new(0));
    move || start + Duration::from_secs(ticks.fetch_add(1, Ordering::SeqCst))
}

#[tokio::test]
async fn retries_after_injected_faults_keep_the_transaction_id() {
    let sandbox = sandbox().await;
    let retrying = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
    };
    let client = client_builder(&sandbox)
        .retry(retrying)
        .clock(ticking_clock())
        .build()
        .unwrap();

    sandbox.inject(Fault::UnknownError);
    let ok = client
        .execute(&certify_request("E2E_RETRY_BUSY"))
        .await
        .unwrap();
    assert!(ok.passed);
    let sent = sandbox.requests();
    assert_eq!(sent.len(), 2, "one 20000, then one success");
    assert_eq!(sent[0].param("biz_content"), sent[1].param("biz_content"));
    assert_ne!(sent[0].param("timestamp"), sent[1].param("timestamp"));
    assert_ne!(sent[0].param("sign"), sent[1].param("sign"));

    // A slow answer times out; the retry (no fault queued) succeeds.
    sandbox.inject(Fault::Delay(Duration::from_secs(2)));
    let options = CallOptions::new().timeout(Duration::from_millis(300));
    let ok = client
        .execute_with(&certify_request("E2E_RETRY_SLOW"), options)
        .await
        .unwrap();
    assert!(ok.passed);
    assert_eq!(sandbox.requests().len(), 4);

    // The same method called raw carries no idempotency key that the client knows of:
    // a timeout after sending is not retried (issue 10, defect 6)...
    let biz = certify_request("E2E_RAW_SLOW").to_biz_content().unwrap();
    sandbox.inject(Fault::Delay(Duration::from_secs(2)));
    let raw = client
        .execute_raw_with(
            METHOD,
            &biz,
            CallOptions::new().timeout(Duration::from_millis(300)),
        )
        .await;
    assert!(
        matches!(&raw, Err(Error::Transport(t)) if t.is_timeout()),
        "{raw:?}"
    );
    assert_eq!(sandbox.requests().len(), 5, "a raw call is sent once");
    // ...unless the caller vouches for it: then it is, with the same transaction_id.
    sandbox.inject(Fault::Delay(Duration::from_secs(2)));
    let raw = client
        .execute_raw_with(
            METHOD,
            &biz,
            CallOptions::new()
                .timeout(Duration::from_millis(300))
                .idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(raw.status().code, "10000");
    let sent = sandbox.requests();
    assert_eq!(sent.len(), 7);
    assert!(
        sent[4..]
            .iter()
            .all(|r| r.param("biz_content") == Some(biz.as_str()))
    );

    // Business errors are never retried.
    let before = sandbox.requests().len();
    let bad = certify_builder("E2E_NO_RETRY")
        .product_code("w0000000000000000000")
        .build()
        .unwrap();
    assert!(client.execute(&bad).await.is_err());
    assert_eq!(sandbox.requests().len(), before + 1);

    // Nor is an HTTP error page.
    sandbox.inject(Fault::ServerError);
    assert!(matches!(
        client.execute(&certify_request("E2E_NO_RETRY_502")).await,
        Err(Error::Answer(AnswerError::HttpStatus(_)))
    ));
    assert_eq!(sandbox.requests().len(), before + 2);
}

#[tokio::test]
async fn timeout_without_retry_is_a_transport_error() {
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox).build().unwrap();
    sandbox.inject(Fault::Delay(Duration::from_secs(2)));
    let options = CallOptions::new().timeout(Duration::from_millis(200));
    match client
        .execute_with(&certify_request("E2E_TIMEOUT"), options)
        .await
    {
        Err(Error::Transport(t)) => assert!(t.is_timeout(), "{t}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn gbk_and_legacy_rsa() {
    let sandbox = sandbox().await;
    let gbk = client_builder(&sandbox)
        .charset(Charset::Gbk)
        .build()
        .unwrap();
    let no = gbk
        .execute(&certify_request("E2E_GBK_NOTPASS"))
        .await
        .unwrap();
    assert_eq!(no.failed_reason, "人脸比对不通过");
    assert_eq!(sandbox.requests()[0].param("charset"), Some("gbk"));

    let rsa = client_builder(&sandbox)
        .sign_type(SignType::Rsa)
        .build()
        .unwrap();
    let ok = rsa.execute(&certify_request("E2E_RSA")).await.unwrap();
    assert!(ok.passed);
    assert_eq!(sandbox.requests()[1].param("sign_type"), Some("RSA"));
}

#[tokio::test]
async fn tokens_travel_in_the_body_not_the_url() {
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox)
        .app_auth_token("client-token")
        .build()
        .unwrap();
    client
        .execute(&certify_request("E2E_TOKEN_1"))
        .await
        .unwrap();
    let options = CallOptions::new().app_auth_token("call-token");
    client
        .execute_with(&certify_request("E2E_TOKEN_2"), options)
        .await
        .unwrap();
    let sent = sandbox.requests();
    assert_eq!(sent[0].param("app_auth_token"), Some("client-token"));
    assert_eq!(sent[1].param("app_auth_token"), Some("call-token"));
    // The envelope the client prepares keeps tokens and personal data out of the URL.
    let signed = client.prepare(&certify_request("E2E_TOKEN_3")).unwrap();
    let url = signed.url(&sandbox.url());
    assert!(
        !url.contains("app_auth_token") && !url.contains("biz_content"),
        "{url}"
    );
}

#[test]
fn blocking_client_against_the_sandbox() {
    // The sandbox runs on its own runtime; the blocking client must not be inside one.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(sandbox());
    let client = alipay_api::blocking::AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .app_private_key(keys().app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(keys().alipay_public_pem.as_str()))
        .gateway(Gateway::Custom(sandbox.url()))
        .build()
        .unwrap();
    let ok = client.execute(&certify_request("E2E_BLOCKING")).unwrap();
    assert!(ok.passed);
    let no = client
        .execute(&certify_request("E2E_BLOCKING_NOTPASS"))
        .unwrap();
    assert!(!no.passed);
    let async_client: &AlipayClient = client.as_async();
    assert_eq!(async_client.gateway_url(), sandbox.url());
    runtime.block_on(sandbox.stop());
}

#[tokio::test]
async fn documented_business_codes_are_typed_hinted_and_retried_only_when_transient() {
    use alipay_api::ZhimaCustomerCertificationMaterialCertifyRequest as Request;
    use alipay_api::zhima_customer_certification_material_certify::ZhimaCustomerCertificationMaterialCertifyErrorCode as Code;
    let sandbox = sandbox().await;
    let client = client_builder(&sandbox)
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        })
        .clock(ticking_clock())
        .build()
        .unwrap();

    // The page says TRANSACTION_ERROR is to be sent again later, and the method has an
    // idempotency key: the client sends it again, with the same transaction_id.
    sandbox.inject(Fault::BusinessError("TRANSACTION_ERROR".into()));
    let ok = client
        .execute(&certify_request("E2E_BIZ_RETRY"))
        .await
        .unwrap();
    assert!(ok.passed);
    let sent = sandbox.requests();
    assert_eq!(sent.len(), 2, "one TRANSACTION_ERROR, then one success");
    assert_eq!(sent[0].param("biz_content"), sent[1].param("biz_content"));

    // INVALID_PARAMETER is the request's own fault: not sent again, typed, and the
    // error says what the page advises.
    sandbox.inject(Fault::BusinessError("INVALID_PARAMETER".into()));
    let err = client
        .execute(&certify_request("E2E_BIZ_INVALID"))
        .await
        .unwrap_err();
    assert_eq!(sandbox.requests().len(), 3, "not retried");
    assert_eq!(Request::error_code(&err), Some(Code::InvalidParameter));
    let g = err.as_gateway().unwrap();
    assert!(g.verified());
    assert_eq!(g.documented().map(|d| d.code), Some("INVALID_PARAMETER"));
    let shown = err.to_string();
    assert!(shown.contains("参数有误"), "{shown}");
    assert!(
        shown.contains("what to do: 根据错误码描述修改入参后再重试"),
        "{shown}"
    );

    // A code the page does not list is kept verbatim, with no hint.
    sandbox.inject(Fault::BusinessError("NEW_CODE".into()));
    let err = client
        .execute(&certify_request("E2E_BIZ_NEW"))
        .await
        .unwrap_err();
    assert_eq!(
        Request::error_code(&err),
        Some(Code::Other("NEW_CODE".into()))
    );
    assert!(err.as_gateway().unwrap().documented().is_none());
    assert!(!err.to_string().contains("what to do"));
}
