//! The gateway's checks on a request: common parameters, the timestamp window, the
//! signature, charsets, unknown methods, and unsigned errors in the request's charset.

use super::*;

#[tokio::test]
async fn common_parameter_checks() {
    let sandbox = sandbox().await;
    let now = Timestamp::now().to_string();
    let base = |skip: &str| -> Vec<(&'static str, String)> {
        [
            ("app_id", DEFAULT_APP_ID.to_owned()),
            ("method", METHOD.to_owned()),
            ("charset", "utf-8".to_owned()),
            ("sign_type", "RSA2".to_owned()),
            ("timestamp", now.clone()),
            ("version", "1.0".to_owned()),
            ("biz_content", biz("T8", "260104197909275964", JPEG_B64)),
        ]
        .into_iter()
        .filter(|(k, _)| *k != skip)
        .collect()
    };
    let send = |params: Vec<(&'static str, String)>| {
        let sandbox = &sandbox;
        async move {
            let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send_params(sandbox, &refs, Charset::Utf8).await
        }
    };
    let e = unsigned(&send(base("method")).await);
    assert_eq!(
        (e["code"].as_str(), e["sub_code"].as_str()),
        (Some("40001"), Some("isv.missing-method"))
    );
    let e = unsigned(&send(base("app_id")).await);
    assert_eq!(e["sub_code"], "isv.missing-app-id");
    let mut p = base("");
    p[0].1 = "2021999999999999".into();
    let e = unsigned(&send(p).await);
    assert_eq!(
        (e["code"].as_str(), e["sub_code"].as_str()),
        (Some("40002"), Some("isv.invalid-app-id"))
    );
    let n = verified(&send(base("timestamp")).await, Charset::Utf8);
    assert_eq!(n["sub_code"], "isv.missing-timestamp");
    let n = verified(&send(base("version")).await, Charset::Utf8);
    assert_eq!(n["sub_code"], "isv.missing-version");
    let mut p = base("");
    p[4].1 = "2025/01/15 10:30".into();
    assert_eq!(
        verified(&send(p).await, Charset::Utf8)["sub_code"],
        "isv.invalid-timestamp"
    );
    let mut p = base("");
    p.push(("format", "xml".into()));
    assert_eq!(
        verified(&send(p).await, Charset::Utf8)["sub_code"],
        "isv.invalid-format"
    );
    let mut p = base("");
    p[5].1 = "2.0".into();
    assert_eq!(
        verified(&send(p).await, Charset::Utf8)["sub_code"],
        "isv.invalid-version"
    );
    let mut p = base("");
    p[1].1 = "alipay.trade.nonexistent".into();
    let body: Value = serde_json::from_slice(&send(p).await.body).unwrap();
    assert_eq!(body["error_response"]["sub_code"], "isv.invalid-method");
    let mut p = base("");
    p[3].1 = "MD5".into();
    assert_eq!(
        verified(&send(p).await, Charset::Utf8)["sub_code"],
        "isv.invalid-signature-type"
    );
}

#[tokio::test]
async fn timestamp_window_is_fifteen_minutes_in_utc8() {
    let sandbox = sandbox().await;
    let now = Timestamp::now().unix_secs();
    let biz = biz("T9", "260104197909275964", JPEG_B64);
    let common = || CommonParams::new(DEFAULT_APP_ID);
    let ok = call_with(
        &sandbox,
        &biz,
        common(),
        Timestamp::from_unix(now - 14 * 60),
    )
    .await;
    assert_eq!(verified(&ok, Charset::Utf8)["code"], "10000");
    // A client formatting UTC instead of UTC+8 is 8 hours off.
    let late = call_with(
        &sandbox,
        &biz,
        common(),
        Timestamp::from_unix(now - 8 * 3600),
    )
    .await;
    assert_eq!(
        verified(&late, Charset::Utf8)["sub_code"],
        "isv.invalid-timestamp"
    );
    let early = call_with(
        &sandbox,
        &biz,
        common(),
        Timestamp::from_unix(now + 16 * 60),
    )
    .await;
    assert_eq!(
        verified(&early, Charset::Utf8)["sub_code"],
        "isv.invalid-timestamp"
    );
}

/// The window is checked against the configured clock (the client's `Clock` trait),
/// not the host's: a request stamped 2025-01-15 passes a sandbox living on that day
/// and fails one living on the host's clock.
#[tokio::test]
async fn timestamp_window_follows_the_configured_clock() {
    use std::time::{Duration, UNIX_EPOCH};
    let fixed = 1_736_908_200;
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .clock(move || UNIX_EPOCH + Duration::from_secs(fixed));
    let then = Sandbox::start_local(config).await.unwrap();
    let host_time = sandbox().await;
    let biz = biz("T10", "260104197909275964", JPEG_B64);
    let stamp = Timestamp::from_unix(fixed as i64 + 60);
    let common = || CommonParams::new(DEFAULT_APP_ID);
    let ok = call_with(&then, &biz, common(), stamp).await;
    assert_eq!(verified(&ok, Charset::Utf8)["code"], "10000");
    let stale = call_with(&host_time, &biz, common(), stamp).await;
    assert_eq!(
        verified(&stale, Charset::Utf8)["sub_code"],
        "isv.invalid-timestamp"
    );
}

#[tokio::test]
async fn bad_signature_echoes_the_gateway_sign_content() {
    let sandbox = sandbox().await;
    let wrong = AppPrivateKey::parse(&keys().alipay_private_pem).unwrap();
    let now = Timestamp::now().to_string();
    let params = [
        ("app_id", DEFAULT_APP_ID),
        ("method", METHOD),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", now.as_str()),
        ("version", "1.0"),
    ];
    let signed = SignedRequest::sign_params(params, SignType::Rsa2, Charset::Utf8, &wrong).unwrap();
    let node = verified(&post(&sandbox, &signed).await, Charset::Utf8);
    assert_eq!(node["sub_code"], "isv.invalid-signature");
    let status: alipay_protocol::GatewayStatus = serde_json::from_value(node).unwrap();
    assert_eq!(
        status.gateway_sign_content().as_deref(),
        Some(signed.sign_content())
    );
}

#[tokio::test]
async fn gbk_requests_and_responses() {
    let sandbox = sandbox().await;
    let mut common = CommonParams::new(DEFAULT_APP_ID);
    common.charset = Charset::Gbk;
    let sent = call_with(
        &sandbox,
        &biz("G1NOTPASS", "260104197909275964", JPEG_B64),
        common,
        Timestamp::now(),
    )
    .await;
    // The body is GBK: the Chinese failed_reason is not valid UTF-8.
    assert!(std::str::from_utf8(&sent.body).is_err());
    let node = verified(&sent, Charset::Gbk);
    assert_eq!(node["failed_reason"], "人脸比对不通过");
    // The name travelled as GBK and was decoded as such (else the check would fail).
    assert_eq!(node["code"], "10000");
}

/// Checks a body as a client with `sign_type` and `charset` would, for `method`.
fn check_as(
    sent: &Sent,
    method: &str,
    sign_type: SignType,
    charset: Charset,
) -> Result<Checked, ResponseError> {
    let key = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
    let opts = VerifyOptions {
        method,
        sign_type,
        charset,
        verifier: &key,
    };
    verify_response(&sent.body, &opts)
}

#[tokio::test]
async fn unknown_method_is_answered_in_the_clients_sign_type() {
    let sandbox = sandbox().await;
    let unknown = "alipay.trade.nonexistent";
    let now = Timestamp::now().to_string();
    let params = |sign_type: Option<&'static str>| {
        let mut p = vec![
            ("app_id", DEFAULT_APP_ID),
            ("method", unknown),
            ("charset", "utf-8"),
            ("timestamp", now.as_str()),
            ("version", "1.0"),
        ];
        if let Some(t) = sign_type {
            p.push(("sign_type", t));
        }
        p
    };
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    // An RSA (SHA-1) app sees a verified gateway error, not a signature mismatch.
    for (name, sign_type) in [("RSA", SignType::Rsa), ("RSA2", SignType::Rsa2)] {
        let signed =
            SignedRequest::sign_params(params(Some(name)), sign_type, Charset::Utf8, &key).unwrap();
        let sent = post(&sandbox, &signed).await;
        match check_as(&sent, unknown, sign_type, Charset::Utf8) {
            Ok(Checked::Verified(v)) => {
                assert_eq!(v.node(), &alipay_protocol::Node::Error);
                let node: Value = v.parse().unwrap();
                assert_eq!(node["sub_code"], "isv.invalid-method", "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Without a usable sign_type no algorithm is meaningful: unsigned, whatever the
    // client verifies with.
    for sign_type in [None, Some("MD5")] {
        let signed =
            SignedRequest::sign_params(params(sign_type), SignType::Rsa2, Charset::Utf8, &key)
                .unwrap();
        let sent = post(&sandbox, &signed).await;
        for client in [SignType::Rsa, SignType::Rsa2] {
            match check_as(&sent, unknown, client, Charset::Utf8) {
                Ok(Checked::UnsignedError(e)) => {
                    assert_eq!(e.status.sub_code.as_deref(), Some("isv.invalid-method"));
                }
                other => panic!("{sign_type:?}: {other:?}"),
            }
        }
    }
}

async fn post_raw(sandbox: &Sandbox, body: &[u8]) -> Sent {
    send(
        &sandbox.url(),
        "application/x-www-form-urlencoded",
        body.to_vec(),
    )
    .await
}

#[tokio::test]
async fn unsigned_errors_are_encoded_in_the_request_charset() {
    let sandbox = sandbox().await;
    let unsigned_in =
        |sent: &Sent, charset: Charset| match check_as(sent, METHOD, SignType::Rsa2, charset) {
            Ok(Checked::UnsignedError(e)) => e.status,
            other => panic!("{other:?}"),
        };
    // Missing method, unknown app: a GBK client decodes the Chinese sub_msg.
    let cases: [(&[u8], &str, &str); 3] = [
        (b"charset=GBK&app_id=9021000000000001", "isv.missing-method", "缺少方法名参数"),
        (
            b"charset=gbk&method=zhima.customer.certification.material.certify&app_id=2021999999999999",
            "isv.invalid-app-id",
            "无效的AppID参数",
        ),
        // 0xFF is no GBK byte: the charset parsed, a value is not valid in it.
        (b"charset=gbk&method=%FF%FF", "isv.invalid-charset", "参数[method]不是有效的gbk编码"),
    ];
    for (body, sub_code, sub_msg) in cases {
        let sent = post_raw(&sandbox, body).await;
        assert_eq!(sent.content_type, "text/html;charset=gbk", "{sub_code}");
        assert!(
            std::str::from_utf8(&sent.body).is_err(),
            "{sub_code}: GBK bytes"
        );
        let status = unsigned_in(&sent, Charset::Gbk);
        assert_eq!(status.sub_code.as_deref(), Some(sub_code));
        assert_eq!(status.sub_msg.as_deref(), Some(sub_msg));
    }
    // Only an unknown charset falls back to UTF-8, and says so.
    let sent = post_raw(&sandbox, b"charset=latin1&method=x&app_id=y").await;
    assert_eq!(sent.content_type, "text/html;charset=utf-8");
    let status = unsigned_in(&sent, Charset::Utf8);
    assert_eq!(status.sub_code.as_deref(), Some("isv.invalid-charset"));
    assert_eq!(status.sub_msg.as_deref(), Some("字符集错误"));
}

#[tokio::test]
async fn a_flood_of_parameters_is_refused_before_decoding_and_answers_cannot_run_script() {
    let sandbox = sandbox().await;
    // 200,000 tiny distinct names: refused at once, not deduplicated pair by pair.
    let body: Vec<u8> = (0..200_000)
        .map(|i| format!("a{i}"))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes();
    let sent = post_raw(&sandbox, &body).await;
    let status = unsigned(&sent);
    assert_eq!(status["sub_code"], "isv.invalid-parameter", "{status}");
    assert!(sandbox.requests().is_empty(), "nothing recorded");

    // An error echoing a hostile parameter name is served so a browser never runs it.
    let resp = reqwest::Client::new()
        .get(format!(
            "{}?%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=%FF",
            sandbox.url()
        ))
        .send()
        .await
        .unwrap();
    let headers = resp.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "default-src 'none'");
}
