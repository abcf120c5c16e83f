//! The sandbox gateway over real HTTP, driven with `alipay-protocol` directly (the
//! client has its own end-to-end tests in the workspace `tests/`).

use std::sync::OnceLock;

use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Call, Charset, Checked, CommonParams, ResponseError, SignType,
    SignedRequest, Timestamp, VerifyOptions, verify_response,
};
use alipay_sandbox::{
    DEFAULT_APP_ID, DEFAULT_RECORDED_REQUESTS, Fault, KeySet, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};

const METHOD: &str = "zhima.customer.certification.material.certify";
const JPEG_B64: &str = "/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==";

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

async fn sandbox() -> Sandbox {
    Sandbox::start_local(SandboxConfig::from_key_set(DEFAULT_APP_ID, keys()).unwrap())
        .await
        .unwrap()
}

fn biz(transaction_id: &str, cert_no: &str, photo: &str) -> String {
    json!({
        "transaction_id": transaction_id,
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": json!({
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "收委",
            "cert_no": cert_no,
        }).to_string(),
        "materials": json!({"FACIAL_PICTURE_FRONT": photo}).to_string(),
    })
    .to_string()
}

struct Sent {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

async fn send_params(sandbox: &Sandbox, params: &[(&str, &str)], charset: Charset) -> Sent {
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    let signed =
        SignedRequest::sign_params(params.iter().copied(), SignType::Rsa2, charset, &key).unwrap();
    post(sandbox, &signed).await
}

async fn post(sandbox: &Sandbox, signed: &SignedRequest) -> Sent {
    send(
        &signed.url(&sandbox.url()),
        &signed.content_type(),
        signed.body().into_bytes(),
    )
    .await
}

async fn send(url: &str, content_type: &str, body: Vec<u8>) -> Sent {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Sent {
        status,
        content_type,
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

async fn call(sandbox: &Sandbox, biz_content: &str) -> Sent {
    call_with(
        sandbox,
        biz_content,
        CommonParams::new(DEFAULT_APP_ID),
        Timestamp::now(),
    )
    .await
}

async fn call_with(
    sandbox: &Sandbox,
    biz_content: &str,
    common: CommonParams,
    ts: Timestamp,
) -> Sent {
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    let call = Call {
        method: METHOD,
        biz_content: Some(biz_content),
        timestamp: ts,
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&common, &call, &key).unwrap();
    post(sandbox, &signed).await
}

fn verified(sent: &Sent, charset: Charset) -> Value {
    let key = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset,
        verifier: &key,
    };
    match verify_response(&sent.body, &opts) {
        Ok(Checked::Verified(v)) => v.parse().unwrap(),
        other => panic!(
            "not verified: {other:?} {}",
            String::from_utf8_lossy(&sent.body)
        ),
    }
}

fn unsigned(sent: &Sent) -> Value {
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert!(body.get("sign").is_none());
    body["error_response"].clone()
}

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
async fn keygen_round_trips_through_files() {
    let dir = std::env::temp_dir().join(format!("alipay-sandbox-keys-{}", std::process::id()));
    keys().write_to_dir(&dir).unwrap();
    let read = KeySet::read_from_dir(&dir).unwrap();
    assert_eq!(read.app_private_pem, keys().app_private_pem);
    assert_eq!(read.alipay_public_pem, keys().alipay_public_pem);
    // The pairs match: the app public key is the public half of the app private key.
    let app = AppPrivateKey::parse(&read.app_private_pem).unwrap();
    assert_eq!(
        app.public_key(),
        &AlipayPublicKey::parse(&read.app_public_pem).unwrap()
    );
    assert!(format!("{read:?}").contains("redacted"));
    std::fs::remove_dir_all(dir).unwrap();
}

fn cert_set() -> &'static alipay_sandbox::CertSet {
    static CERTS: OnceLock<alipay_sandbox::CertSet> = OnceLock::new();
    CERTS.get_or_init(|| alipay_sandbox::CertSet::generate(DEFAULT_APP_ID).unwrap())
}

/// Signs `extra` plus the common parameters with the certificate set's app key.
async fn send_cert(sandbox: &Sandbox, extra: &[(&str, &str)]) -> Value {
    let key = AppPrivateKey::parse(&cert_set().keys.app_private_pem).unwrap();
    let timestamp = Timestamp::now().to_string();
    let biz = biz("CERT_1", "260104197909275964", JPEG_B64);
    let mut params = vec![
        ("app_id", DEFAULT_APP_ID),
        ("method", METHOD),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", timestamp.as_str()),
        ("version", "1.0"),
        ("biz_content", biz.as_str()),
    ];
    params.extend_from_slice(extra);
    let signed =
        SignedRequest::sign_params(params.iter().copied(), SignType::Rsa2, Charset::Utf8, &key)
            .unwrap();
    let sent = post(sandbox, &signed).await;
    let text = String::from_utf8(sent.body).unwrap();
    // The real gateway writes `alipay_cert_sn` between the node and `sign`.
    let node_end = text.find(",\"alipay_cert_sn\":").expect("alipay_cert_sn");
    assert!(node_end < text.find(",\"sign\":").unwrap(), "{text}");
    let material = alipay_protocol::CertMaterial::new(
        &cert_set().app_cert_pem,
        &cert_set().alipay_cert_pem,
        &cert_set().root_cert_pem,
    )
    .unwrap();
    let checked = alipay_protocol::verify_response_with(
        text.as_bytes(),
        METHOD,
        SignType::Rsa2,
        Charset::Utf8,
        |node| {
            material
                .verifier_for(node.alipay_cert_sn)
                .map(|k| k as &dyn alipay_protocol::Verifier)
                .map_err(|_| ResponseError::Malformed {
                    reason: "unknown alipay_cert_sn".into(),
                })
        },
    )
    .unwrap();
    let Checked::Verified(v) = checked else {
        panic!("unsigned")
    };
    v.parse().unwrap()
}

#[tokio::test]
async fn certificate_mode_checks_the_serials() {
    let certs = cert_set();
    let sandbox = Sandbox::start_local(SandboxConfig::from_cert_set(certs).unwrap())
        .await
        .unwrap();
    let app_sn = certs.app_cert_sn().unwrap();
    let root_sn = certs.root_cert_sn().unwrap();
    let ok = send_cert(
        &sandbox,
        &[("app_cert_sn", &app_sn), ("alipay_root_cert_sn", &root_sn)],
    )
    .await;
    assert_eq!(ok["code"], "10000", "{ok}");
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 4] = [
        (
            &[("alipay_root_cert_sn", &root_sn)],
            "40001",
            "isv.missing-app-cert-sn",
        ),
        (
            &[
                ("app_cert_sn", "0123456789abcdef0123456789abcdef"),
                ("alipay_root_cert_sn", &root_sn),
            ],
            "40002",
            "isv.invalid-app-cert-sn",
        ),
        (
            &[("app_cert_sn", &app_sn)],
            "40001",
            "isv.missing-alipay-root-cert-sn",
        ),
        (
            &[
                ("app_cert_sn", &app_sn),
                ("alipay_root_cert_sn", "687b59193f3f462dd5336e5abf83c5d8"),
            ],
            "40002",
            "isv.invalid-alipay-root-cert-sn",
        ),
    ];
    for (extra, code, sub_code) in cases {
        let node = send_cert(&sandbox, extra).await;
        assert_eq!(
            (node["code"].as_str(), node["sub_code"].as_str()),
            (Some(code), Some(sub_code)),
            "{node}"
        );
    }

    // After a rotation answers carry the new SN, signed with the new key.
    let new_pem = sandbox.rotate_alipay_certificate().unwrap();
    let new_sn = alipay_protocol::AlipayCertificate::parse(&new_pem)
        .unwrap()
        .sn()
        .to_owned();
    let key = AppPrivateKey::parse(&certs.keys.app_private_pem).unwrap();
    let timestamp = Timestamp::now().to_string();
    let signed = SignedRequest::sign_params(
        [
            ("app_id", DEFAULT_APP_ID),
            ("method", METHOD),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", timestamp.as_str()),
            ("version", "1.0"),
            ("app_cert_sn", app_sn.as_str()),
            ("alipay_root_cert_sn", root_sn.as_str()),
        ],
        SignType::Rsa2,
        Charset::Utf8,
        &key,
    )
    .unwrap();
    let body = String::from_utf8(post(&sandbox, &signed).await.body).unwrap();
    assert!(
        body.contains(&format!("\"alipay_cert_sn\":\"{new_sn}\"")),
        "{body}"
    );
}

#[tokio::test]
async fn aes_apps_check_encrypt_type() {
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .aes_key(DEFAULT_APP_ID, "aYA0GP8JEW+D7/UFaskCWA==")
        .unwrap();
    let sandbox = Sandbox::start_local(config).await.unwrap();
    let timestamp = Timestamp::now().to_string();
    let common = [
        ("app_id", DEFAULT_APP_ID),
        ("method", METHOD),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", timestamp.as_str()),
        ("version", "1.0"),
    ];
    for (extra, sub_code) in [
        (vec![("biz_content", "{}")], "isv.missing-encrypt-type"),
        (
            vec![("biz_content", "{}"), ("encrypt_type", "SM4")],
            "isv.decryption-error-not-valid-encrypt-type",
        ),
        (
            vec![
                ("biz_content", "bm90IGNpcGhlcnRleHQ="),
                ("encrypt_type", "AES"),
            ],
            "isv.decryption-error-unknown",
        ),
    ] {
        let mut params = common.to_vec();
        params.extend(extra);
        let sent = send_params(&sandbox, &params, Charset::Utf8).await;
        let node = verified(&sent, Charset::Utf8);
        assert_eq!(node["sub_code"], sub_code, "{node}");
    }
    assert!(matches!(
        SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
            .unwrap()
            .aes_key("2021000000000999", "aYA0GP8JEW+D7/UFaskCWA=="),
        Err(alipay_sandbox::SandboxError::UnknownApp { .. })
    ));
}

#[test]
fn cert_set_round_trips_through_files() {
    let dir = std::env::temp_dir().join(format!("alipay-sandbox-certs-{}", std::process::id()));
    cert_set().write_to_dir(&dir).unwrap();
    assert!(
        dir.join(alipay_sandbox::app_cert_file(DEFAULT_APP_ID))
            .exists()
    );
    let back = alipay_sandbox::CertSet::read_from_dir(&dir, DEFAULT_APP_ID).unwrap();
    assert_eq!(back.app_cert_pem, cert_set().app_cert_pem);
    assert_eq!(
        back.alipay_cert_sn().unwrap(),
        cert_set().alipay_cert_sn().unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
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
