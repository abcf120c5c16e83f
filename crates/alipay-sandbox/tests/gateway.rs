//! The sandbox gateway over real HTTP, driven with `alipay-protocol` directly (the
//! client has its own end-to-end tests in the workspace `tests/`).

// The tests live beside this file, in `gateway/`, grouped by theme.
#[path = "gateway/certify.rs"]
mod certify;
#[path = "gateway/certs.rs"]
mod certs;
#[path = "gateway/flows.rs"]
mod flows;
#[path = "gateway/page.rs"]
mod page;
#[path = "gateway/requests.rs"]
mod requests;
#[path = "gateway/upload.rs"]
mod upload;
#[path = "gateway/v3.rs"]
mod v3;

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
