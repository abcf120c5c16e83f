//! The OpenAPI v3 paths: who is admitted (signature, timestamp, nonce, certificate
//! serials), and that every answer, refusals included, is signed the v3 way.

use std::time::SystemTime;

use alipay_protocol::v3::{
    ReplayGuard, UnsignedV3Request, V3Body, V3Call, V3Checked, V3Identity, V3ResponseHeaders,
    V3Trust, V3VerifyOptions, epoch_millis, verify_v3_response,
};
use alipay_protocol::{AlipayPublicKey, AppPrivateKey};
use alipay_sandbox::{DEFAULT_APP_ID, Sandbox};
use serde_json::{Value, json};

use super::{keys, sandbox};

const INITIALIZE: &str = "/v3/alipay/user/certify/open/initialize";

fn initialize_body(order: &str, cert_no: &str) -> String {
    json!({
        "outer_order_no": order,
        "biz_code": "FACE",
        "identity_param": {
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "张三",
            "cert_no": cert_no,
        },
        "merchant_config": {"return_url": "https://merchant.example/return"},
    })
    .to_string()
}

struct V3Sent {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl V3Sent {
    /// Verifies the answer as a client would (without freshness: the sandbox clock is
    /// the system's) and returns the checked outcome.
    fn check(&self) -> V3Checked {
        let key = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
        let headers = V3ResponseHeaders::from_pairs(
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        )
        .unwrap();
        verify_v3_response(
            &headers,
            &self.body,
            &V3VerifyOptions {
                status: self.status,
                trust: V3Trust::Key(&key),
                now: SystemTime::now(),
                replay: Some(&ReplayGuard::default()),
                aes_key: None,
            },
        )
        .unwrap_or_else(|e| panic!("the sandbox's answer does not verify: {e}"))
    }

    /// A verified error's `code`.
    fn error_code(&self) -> String {
        match self.check() {
            V3Checked::VerifiedError(e) => e.code.unwrap_or_default(),
            other => panic!("expected a verified error, got {other:?}"),
        }
    }
}

/// Signs a call with the app key, `nonce` and `timestamp_ms`; returns the method, the
/// path and query, the Authorization header and the body.
fn signed(
    method: &str,
    path_and_query: &str,
    body: &str,
    nonce: &str,
    timestamp_ms: u64,
) -> (String, String, String, String) {
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    let request = UnsignedV3Request::new(
        &V3Identity {
            app_id: DEFAULT_APP_ID,
            app_cert_sn: None,
            alipay_root_cert_sn: None,
        },
        &V3Call {
            http_method: method,
            path_and_query,
            body: if body.is_empty() {
                V3Body::Empty
            } else {
                V3Body::Json(body)
            },
            app_auth_token: None,
        },
        nonce,
        timestamp_ms,
    )
    .unwrap()
    .sign(&key)
    .unwrap();
    (
        method.to_owned(),
        path_and_query.to_owned(),
        request.authorization().to_owned(),
        body.to_owned(),
    )
}

fn now_ms() -> u64 {
    epoch_millis(SystemTime::now()).unwrap()
}

async fn send(
    sandbox: &Sandbox,
    (method, path, authorization, body): &(String, String, String, String),
) -> V3Sent {
    let mut request = reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", sandbox.url().trim_end_matches("/gateway.do")),
        )
        .header("authorization", authorization.as_str());
    if !body.is_empty() {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let body = response.bytes().await.unwrap().to_vec();
    V3Sent {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn a_signed_initialize_is_answered_signed_and_its_id_is_queried() {
    let sandbox = sandbox().await;
    let body = initialize_body("V3A1", "11010519491231002X");
    let sent = send(
        &sandbox,
        &signed("POST", INITIALIZE, &body, "n-1", now_ms()),
    )
    .await;
    assert_eq!(sent.status, 200);
    let V3Checked::Verified(answer) = sent.check() else {
        panic!("not verified");
    };
    let id = serde_json::from_str::<Value>(answer.body()).unwrap()["certify_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let query = format!("/v3/alipay/user/certify/open/query?certify_id={id}");
    let sent = send(&sandbox, &signed("GET", &query, "", "n-2", now_ms())).await;
    let V3Checked::Verified(answer) = sent.check() else {
        panic!("not verified");
    };
    let answer: Value = serde_json::from_str(answer.body()).unwrap();
    assert_eq!(answer["passed"], "F");
    assert!(answer["fail_reason"].is_string());
}

#[tokio::test]
async fn a_replayed_stale_tampered_or_unsigned_request_is_refused_with_a_signed_error() {
    let sandbox = sandbox().await;
    let body = initialize_body("V3A2", "11010519491231002X");
    let call = signed("POST", INITIALIZE, &body, "replayed-nonce", now_ms());
    assert_eq!(send(&sandbox, &call).await.status, 200);
    // The same signed request again: a replay.
    let again = send(&sandbox, &call).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (401, "invalid-nonce")
    );

    // Signed 20 minutes ago (the window is 15).
    let old = now_ms() - 20 * 60 * 1000;
    let stale = send(&sandbox, &signed("POST", INITIALIZE, &body, "n-3", old)).await;
    assert_eq!(
        (stale.status, stale.error_code().as_str()),
        (401, "invalid-timestamp")
    );

    // Signed over one body, sent with another.
    let mut tampered = signed("POST", INITIALIZE, &body, "n-4", now_ms());
    tampered.3 = initialize_body("V3A3", "11010519491231002X");
    let refused = send(&sandbox, &tampered).await;
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (401, "invalid-signature")
    );

    // Signed for another path.
    let mut moved = signed("POST", INITIALIZE, &body, "n-5", now_ms());
    moved.1 = "/v3/alipay/user/certify/open/query".into();
    let refused = send(&sandbox, &moved).await;
    assert_eq!(refused.error_code(), "invalid-signature");

    // No Authorization, another scheme, a repeated field, an unknown app.
    let auth = signed("POST", INITIALIZE, &body, "n-6", now_ms()).2;
    for (header, code) in [
        (String::new(), "invalid-auth"),
        (
            auth.replace("ALIPAY-SHA256withRSA", "ALIPAY-SHA1withRSA"),
            "invalid-auth",
        ),
        (auth.replace(",nonce=", ",nonce=x,nonce="), "invalid-auth"),
        (
            auth.replace(DEFAULT_APP_ID, "2021000000000999"),
            "invalid-app-id",
        ),
    ] {
        let call = (
            "POST".to_owned(),
            INITIALIZE.to_owned(),
            header,
            body.clone(),
        );
        let refused = send(&sandbox, &call).await;
        assert_eq!((refused.status, refused.error_code().as_str()), (401, code));
    }
}

#[tokio::test]
async fn business_rules_are_those_of_gateway_do() {
    let sandbox = sandbox().await;
    // A wrong check character in the resident ID.
    let body = initialize_body("V3A4", "110105194912310021");
    let refused = send(
        &sandbox,
        &signed("POST", INITIALIZE, &body, "n-7", now_ms()),
    )
    .await;
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (400, "INVALID_PARAMETER")
    );
    // Never issued.
    let query = format!(
        "/v3/alipay/user/certify/open/query?certify_id={}",
        "0".repeat(32)
    );
    let refused = send(&sandbox, &signed("GET", &query, "", "n-8", now_ms())).await;
    assert_eq!(refused.status, 400);
    // The wrong HTTP method for the path, a repeated query parameter.
    let refused = send(&sandbox, &signed("GET", INITIALIZE, "", "n-9", now_ms())).await;
    assert_eq!(refused.status, 405);
    let twice = "/v3/alipay/user/certify/open/query?certify_id=a&certify_id=b";
    let refused = send(&sandbox, &signed("GET", twice, "", "n-10", now_ms())).await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn an_answer_timestamp_is_the_sandbox_clock_in_milliseconds() {
    let sandbox = sandbox().await;
    let body = initialize_body("V3A6", "11010519491231002X");
    let before = now_ms();
    let sent = send(
        &sandbox,
        &signed("POST", INITIALIZE, &body, "n-11", now_ms()),
    )
    .await;
    let stamp: u64 = sent
        .headers
        .iter()
        .find(|(n, _)| n == "alipay-timestamp")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(stamp >= before && stamp <= now_ms() + 1, "{stamp}");
}

#[tokio::test]
async fn a_certificate_mode_sandbox_signs_refusals_with_its_certificate() {
    let certs = alipay_sandbox::CertSet::generate(DEFAULT_APP_ID).unwrap();
    let sandbox =
        Sandbox::start_local(alipay_sandbox::SandboxConfig::from_cert_set(&certs).unwrap())
            .await
            .unwrap();
    let material = alipay_protocol::CertMaterial::new(
        certs.app_cert_pem.as_bytes(),
        certs.alipay_cert_pem.as_bytes(),
        certs.root_cert_pem.as_bytes(),
    )
    .unwrap();
    // No Authorization at all: refused before any app is known.
    let call = (
        "POST".to_owned(),
        INITIALIZE.to_owned(),
        String::new(),
        "{}".to_owned(),
    );
    let sent = send(&sandbox, &call).await;
    assert_eq!(sent.status, 401);
    assert!(sent.headers.iter().any(|(n, _)| n == "alipay-sn"));
    let headers =
        V3ResponseHeaders::from_pairs(sent.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .unwrap();
    let checked = verify_v3_response(
        &headers,
        &sent.body,
        &V3VerifyOptions {
            status: sent.status,
            trust: V3Trust::Certificates(&material),
            now: SystemTime::now(),
            replay: None,
            aes_key: None,
        },
    )
    .unwrap();
    assert!(
        matches!(checked, V3Checked::VerifiedError(_)),
        "{checked:?}"
    );
}
