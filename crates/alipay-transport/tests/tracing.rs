//! Tracing output never contains personal data, request content or keys.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_transport::{AlipayClient, AlipayTrust, CallOptions, Gateway, RetryPolicy};
use support::{
    ALIPAY_PUBLIC_PEM, APP_PRIVATE_PEM, APP_PRIVATE_PKCS8_B64, CERT_NAME, CERT_NO, METHOD, Reply,
    TestCertify, TestGateway, error_node, photo_base64, success_node,
};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn trace_output_has_the_method_but_no_personal_data_or_keys() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Every outcome that logs: success after a retry, a 40002 whose sub_msg echoes the
    // sign content (and so the personal data), a bad signature, a timeout.
    let gw = TestGateway::start(|r, n| match n {
        0 => Reply::Signed(error_node(
            "20000",
            "Service Currently Unavailable",
            "isp.unknow-error",
            "系统繁忙",
        )),
        1 => Reply::Signed(success_node(true)),
        2 => Reply::Signed(error_node(
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature",
            &format!(
                "验签出错，网关生成的验签字符串为：{}",
                r.sign_content.replace('&', "&amp;")
            ),
        )),
        3 => Reply::SignedWithWrongKey(success_node(true)),
        4 => Reply::Delay(
            Duration::from_secs(5),
            Box::new(Reply::Signed(success_node(true))),
        ),
        _ => Reply::Signed(r#"{"code":"10000","msg":"Success"}"#.into()),
    });
    let client = AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(gw.url.clone()))
        .no_proxy()
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        })
        .build()
        .unwrap();
    tracing::trace!(client = ?client, "built");
    let request = TestCertify::new("tx-trace-1");
    assert!(client.execute(&request).await.is_ok());
    let err = client.execute(&request).await.unwrap_err();
    tracing::error!(error = %err, debug = ?err, "application logs the error");
    let err = client.execute(&request).await.unwrap_err();
    tracing::error!(error = %err, debug = ?err, "application logs the error");
    let err = client
        .execute_with(
            &request,
            CallOptions::new()
                .timeout(Duration::from_millis(200))
                .retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, "application logs the error");
    let raw_biz = serde_json::json!({ "cert_no": CERT_NO, "cert_name": CERT_NAME }).to_string();
    assert!(client.execute_raw(METHOD, &raw_biz).await.is_ok());
    drop(_guard);

    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    // It did log, and said something useful.
    for expected in [
        "alipay.call",
        "method=\"zhima.customer.certification.material.certify\"",
        "app_id=\"2021000000000001\"",
        "attempt=2",
        "latency_ms=",
        "code=\"10000\"",
        "sub_code=\"isv.invalid-signature\"",
        "trace_id=\"0b0001testtrace\"",
        "outcome=\"signature_mismatch\"",
        "outcome=\"transport.timeout\"",
        "retrying",
    ] {
        assert!(
            output.contains(expected),
            "missing {expected:?} in:\n{output}"
        );
    }
    // And nothing it must not.
    let photo = photo_base64();
    let mut forbidden: Vec<String> = vec![
        CERT_NO.into(),
        CERT_NAME.into(),
        photo.clone(),
        photo[..16].into(),
        "face-photo-bytes".into(),
        "biz_content".into(),
        "tx-trace-1".into(),
        "sign=".into(),
        "ZM2016".into(),
    ];
    for pem in [APP_PRIVATE_PEM, ALIPAY_PUBLIC_PEM] {
        forbidden.extend(
            pem.lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 20)
                .map(|l| l[..20].to_owned()),
        );
    }
    let pkcs8: String = APP_PRIVATE_PKCS8_B64.split_whitespace().collect();
    forbidden.push(pkcs8[40..80].to_owned());
    for secret in &forbidden {
        assert!(
            !output.contains(secret.as_str()),
            "{secret:?} leaked into:\n{output}"
        );
    }
}

/// Issue 10, defect 7: the text of an unsigned answer was recorded as it came (a forged
/// log line with a newline, an ANSI escape and an ID number). Only its sanitised codes
/// may be logged.
#[tokio::test]
async fn unverified_answers_log_only_their_sanitised_codes() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let id = "110101199003078515";
    let forged_line = "2025-01-15T10:30:00.000000Z  INFO alipay.call: alipay call succeeded";
    let hostile = move |code: &str| {
        serde_json::json!({
            "error_response": {
                "code": code,
                "msg": format!("Service Unavailable\n{forged_line}"),
                "sub_code": "isp.unknow-error\u{1b}[2K",
                "sub_msg": format!("系统繁忙\n{forged_line}\u{1b}[31m {id} \u{202e}{}", "长".repeat(3_500)),
            }
        })
        .to_string()
    };
    let gw = TestGateway::start(move |_, n| {
        Reply::Body(if n == 0 {
            hostile("20000")
        } else {
            hostile(&format!("4000{id}"))
        })
    });
    let client = AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(gw.url.clone()))
        .no_proxy()
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        })
        .build()
        .unwrap();
    let err = client
        .execute(&TestCertify::new("tx-trace-2"))
        .await
        .unwrap_err();
    // An application that logs the error it got.
    tracing::error!(error = %err, debug = ?err, "application logs the error");
    let err = client
        .execute_raw("alipay.trade.refund", r#"{"out_trade_no":"1"}"#)
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, "application logs the error");
    drop(_guard);
    assert_eq!(gw.attempts(), 2, "unsigned answers are never retried");

    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let masked_code = format!("code=\"{}\"", "*".repeat(22));
    for expected in [
        "code=\"20000\"",
        "sub_code=\"isp.unknow-error [2K\"",
        masked_code.as_str(),
        "outcome=\"gateway\"",
        "(unverified",
    ] {
        assert!(
            output.contains(expected),
            "missing {expected:?} in:\n{output}"
        );
    }
    let long_run = "长".repeat(201);
    // Part of the ID too (log timestamps hold at most 6 digits in a row).
    for forbidden in ["\u{1b}", "\u{202e}", id, &id[..8], long_run.as_str()] {
        assert!(
            !output.contains(forbidden),
            "{forbidden:?} leaked into:\n{output}"
        );
    }
    // The client's own events carry no message text of the answer at all.
    for line in output.lines().filter(|l| !l.contains("application logs")) {
        assert!(
            !line.contains("系统繁忙")
                && !line.contains("Service Unavailable")
                && !line.contains("alipay call succeeded"),
            "unverified message text logged: {line}"
        );
    }
    // Every line is a real event: the forged one never starts a line.
    assert!(
        output
            .lines()
            .all(|l| !l.starts_with("2025-01-15T10:30:00")),
        "{output}"
    );
}
