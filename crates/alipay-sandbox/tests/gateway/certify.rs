//! The certify method as the sandbox plays it: passed, not passed and repeats, business
//! errors that name the field, scripted faults and the bounded request log.

use super::*;

#[tokio::test]
async fn passed_not_passed_and_repeat() {
    let sandbox = sandbox().await;
    let ok = verified(
        &call(&sandbox, &biz("T1", "260104197909275964", JPEG_B64)).await,
        Charset::Utf8,
    );
    assert_eq!(ok["code"], "10000");
    assert_eq!(ok["passed"], "true");
    assert_eq!(ok["biz_no"].as_str().unwrap().len(), 32);

    let no = verified(
        &call(&sandbox, &biz("T2NOTPASS", "260104197909275964", JPEG_B64)).await,
        Charset::Utf8,
    );
    assert_eq!(
        (no["code"].as_str(), no["passed"].as_str()),
        (Some("10000"), Some("false"))
    );
    assert_eq!(no["failed_reason"], "人脸比对不通过");

    let not_jpeg = verified(
        &call(&sandbox, &biz("T3", "260104197909275964", "iVBORw0KGgo=")).await,
        Charset::Utf8,
    );
    assert_eq!(not_jpeg["passed"], "false");
    assert!(not_jpeg["failed_reason"].as_str().unwrap().contains("JPEG"));

    // Same transaction id: same biz_no and result, even with a different photo.
    let again = verified(
        &call(&sandbox, &biz("T1", "260104197909275964", "iVBORw0KGgo=")).await,
        Charset::Utf8,
    );
    assert_eq!(again["biz_no"], ok["biz_no"]);
    assert_eq!(again["passed"], "true");
}

#[tokio::test]
async fn business_errors_name_the_field() {
    let sandbox = sandbox().await;
    let cases: Vec<(String, &str, &str)> = vec![
        (biz("bad-id!", "260104197909275964", JPEG_B64), "INVALID_PARAMETER", "参数[transaction_id]不是有效的入参"),
        (biz(&"A".repeat(33), "260104197909275964", JPEG_B64), "INVALID_PARAMETER", "参数[transaction_id]"),
        (biz("T4", "260104197909275965", JPEG_B64), "INVALID_PARAMETER", "参数[identity_param]"),
        (
            biz("T5", "260104197909275964", JPEG_B64).replace("FACE_API", "SMART_FACE"),
            "UNSUPPORTED_BIZ_CODE",
            "",
        ),
        (
            biz("T6", "260104197909275964", JPEG_B64).replace("w1010100000000002978", "w999"),
            "ARRANGEMENT_ERROR",
            "",
        ),
        (
            json!({"transaction_id": "T7", "product_code": "w1010100000000002978", "biz_code": "FACE_API",
                   "identity_param": "{not json", "materials": "{}"}).to_string(),
            "INVALID_PARAMETER",
            "参数[identity_param]",
        ),
        (
            json!({"product_code": "w1010100000000002978"}).to_string(),
            "INVALID_PARAMETER",
            "参数[transaction_id]",
        ),
    ];
    for (biz_content, sub_code, msg) in cases {
        let node = verified(&call(&sandbox, &biz_content).await, Charset::Utf8);
        assert_eq!(node["code"], "40004", "{node}");
        assert_eq!(node["sub_code"], sub_code, "{node}");
        assert!(node["sub_msg"].as_str().unwrap().contains(msg), "{node}");
    }
}

#[tokio::test]
async fn faults_apply_once_in_order() {
    let sandbox = sandbox().await;
    let biz = biz("F1", "260104197909275964", JPEG_B64);
    sandbox.inject(Fault::ServerError);
    sandbox.inject(Fault::TruncatedBody);
    sandbox.inject(Fault::BadSignature);
    sandbox.inject(Fault::UnknownError);
    let sent = call(&sandbox, &biz).await;
    assert_eq!(sent.status, 502);
    assert!(String::from_utf8_lossy(&sent.body).contains("<title>502 Bad Gateway</title>"));
    let key = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &key,
    };
    let truncated = call(&sandbox, &biz).await;
    assert!(matches!(
        verify_response(&truncated.body, &opts),
        Err(ResponseError::Malformed { .. })
    ));
    let bad = call(&sandbox, &biz).await;
    assert!(matches!(
        verify_response(&bad.body, &opts),
        Err(ResponseError::SignatureInvalid { .. })
    ));
    let busy = verified(&call(&sandbox, &biz).await, Charset::Utf8);
    assert_eq!(
        (busy["code"].as_str(), busy["sub_code"].as_str()),
        (Some("20000"), Some("isp.unknow-error"))
    );
    assert_eq!(
        verified(&call(&sandbox, &biz).await, Charset::Utf8)["passed"],
        "true"
    );
    assert_eq!(sandbox.requests().len(), 5);
    assert_eq!(sandbox.requests()[0].param("method"), Some(METHOD));
    sandbox.stop().await;
}

#[tokio::test]
async fn request_log_is_bounded_and_configurable() {
    let config = |limit: Option<usize>| {
        let c = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys()).unwrap();
        match limit {
            Some(n) => c.record_requests(n),
            None => c,
        }
    };
    // Numbered requests (each answered with an unsigned missing-app-id error).
    let send_numbered = |sandbox: &Sandbox, n: usize| {
        let body = format!("method=m{n}");
        let url = sandbox.url();
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
        }
    };

    let two = Sandbox::start_local(config(Some(2))).await.unwrap();
    for n in 0..3 {
        send_numbered(&two, n).await;
    }
    let kept: Vec<_> = two
        .requests()
        .iter()
        .map(|r| r.param("method").unwrap().to_owned())
        .collect();
    assert_eq!(kept, ["m1", "m2"], "the most recent two, oldest first");

    let none = Sandbox::start_local(config(Some(0))).await.unwrap();
    send_numbered(&none, 0).await;
    assert!(none.requests().is_empty());

    let default = Sandbox::start_local(config(None)).await.unwrap();
    for n in 0..DEFAULT_RECORDED_REQUESTS + 3 {
        send_numbered(&default, n).await;
    }
    let log = default.requests();
    assert_eq!(log.len(), DEFAULT_RECORDED_REQUESTS);
    assert_eq!(log[0].param("method"), Some("m3"));
    assert_eq!(
        log.last().unwrap().param("method"),
        Some(format!("m{}", DEFAULT_RECORDED_REQUESTS + 2).as_str())
    );
}
