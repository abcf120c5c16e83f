//! The initialize / query flows of the three families as the sandbox plays them:
//! ids, idempotency, "not yet certified", expiry, the bounded ledger and business
//! errors that name the field.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::*;

pub(crate) const ZHIMA_INIT: &str = "zhima.customer.certification.initialize";
pub(crate) const ZHIMA_QUERY: &str = "zhima.customer.certification.query";
pub(crate) const OPEN_INIT: &str = "alipay.user.certify.open.initialize";
pub(crate) const OPEN_QUERY: &str = "alipay.user.certify.open.query";
pub(crate) const FACE_INIT: &str = "datadigital.fincloud.generalsaas.face.certify.initialize";
pub(crate) const FACE_VERIFY: &str = "datadigital.fincloud.generalsaas.face.certify.verify";
pub(crate) const FACE_QUERY: &str = "datadigital.fincloud.generalsaas.face.certify.query";
pub(crate) const ID_NO: &str = "260104197909275964";

/// A clock tests can move forward; the sandbox and the signed timestamps share it.
#[derive(Clone)]
pub(crate) struct TestClock(Arc<AtomicU64>);

impl TestClock {
    pub(crate) fn new() -> TestClock {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        TestClock(Arc::new(AtomicU64::new(now)))
    }
    pub(crate) fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
    pub(crate) fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
    pub(crate) fn timestamp(&self) -> Timestamp {
        Timestamp::from_system_time(self.now())
    }
}

pub(crate) async fn sandbox_with(f: impl FnOnce(SandboxConfig) -> SandboxConfig) -> Sandbox {
    let config = f(SandboxConfig::from_key_set(DEFAULT_APP_ID, keys()).unwrap());
    Sandbox::start_local(config).await.unwrap()
}

/// A signed server call of `method`, its verified node.
pub(crate) async fn call_at(
    sandbox: &Sandbox,
    method: &str,
    biz_content: &str,
    ts: Timestamp,
) -> Value {
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    let call = Call {
        method,
        biz_content: Some(biz_content),
        timestamp: ts,
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&CommonParams::new(DEFAULT_APP_ID), &call, &key).unwrap();
    let sent = post(sandbox, &signed).await;
    let alipay = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
    let opts = VerifyOptions {
        method,
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &alipay,
    };
    match verify_response(&sent.body, &opts) {
        Ok(Checked::Verified(v)) => v.parse().unwrap(),
        other => panic!(
            "not verified: {other:?} {}",
            String::from_utf8_lossy(&sent.body)
        ),
    }
}

pub(crate) async fn call_method(sandbox: &Sandbox, method: &str, biz_content: &str) -> Value {
    call_at(sandbox, method, biz_content, Timestamp::now()).await
}

pub(crate) fn zhima_init(transaction_id: &str, cert_no: &str) -> String {
    json!({
        "transaction_id": transaction_id,
        "product_code": "w1010100000000002978",
        "biz_code": "FACE",
        "identity_param": json!({
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "收委",
            "cert_no": cert_no,
        }).to_string(),
    })
    .to_string()
}

pub(crate) fn open_init(outer_order_no: &str, return_url: &str) -> String {
    json!({
        "outer_order_no": outer_order_no,
        "biz_code": "FACE",
        "identity_param": {
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "张三",
            "cert_no": ID_NO,
        },
        "merchant_config": {"return_url": return_url},
    })
    .to_string()
}

pub(crate) fn face_init(outer_order_no: &str) -> String {
    json!({
        "outer_order_no": outer_order_no,
        "biz_code": "FUTURE_TECH_BIZ_FACE_SDK",
        "identity_param": {
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "张三",
            "cert_no": ID_NO,
        },
        "merchant_config": {"return_url": "https://merchant.example/face-done"},
    })
    .to_string()
}

fn assert_business_error(node: &Value, sub_code: &str, field: &str) {
    assert_eq!(node["code"], "40004", "{node}");
    assert_eq!(node["sub_code"], sub_code, "{node}");
    let msg = node["sub_msg"].as_str().unwrap();
    assert!(msg.contains(&format!("参数[{field}]")), "{msg}");
}

#[tokio::test]
async fn zhima_initialize_is_idempotent_and_query_before_the_page_is_not_certified() {
    let sandbox = sandbox().await;
    let first = call_method(&sandbox, ZHIMA_INIT, &zhima_init("ZT1", ID_NO)).await;
    assert_eq!(first["code"], "10000", "{first}");
    let biz_no = first["biz_no"].as_str().unwrap();
    assert!(biz_no.starts_with("ZM") && biz_no.len() == 32, "{biz_no}");
    // A repeat (even with another person) answers the original biz_no.
    let again = call_method(
        &sandbox,
        ZHIMA_INIT,
        &zhima_init("ZT1", "11010519491231002X"),
    )
    .await;
    assert_eq!(again["biz_no"], biz_no);
    let other = call_method(&sandbox, ZHIMA_INIT, &zhima_init("ZT2", ID_NO)).await;
    assert_ne!(other["biz_no"], biz_no);

    let query = call_method(
        &sandbox,
        ZHIMA_QUERY,
        &json!({ "biz_no": biz_no }).to_string(),
    )
    .await;
    assert_eq!(query["code"], "10000", "{query}");
    assert_eq!(query["passed"], "false");
    assert!(
        query["failed_reason"].as_str().unwrap().contains("尚未"),
        "{query}"
    );
}

#[tokio::test]
async fn zhima_initialize_errors_name_the_field() {
    let sandbox = sandbox().await;
    let cases = [
        (zhima_init("bad-id!", ID_NO), "transaction_id"),
        (zhima_init(&"A".repeat(33), ID_NO), "transaction_id"),
        (zhima_init("ZT3", "260104197909275965"), "identity_param"),
        (zhima_init("ZT4", ID_NO).replace("\"FACE\"", "\"SMART_FACE\""), "biz_code"),
        (
            zhima_init("ZT5", ID_NO).replace("w1010100000000002978", "w999"),
            "product_code",
        ),
        (
            json!({"transaction_id": "ZT6", "product_code": "w1010100000000002978", "biz_code": "FACE"})
                .to_string(),
            "identity_param",
        ),
    ];
    for (biz, field) in cases {
        let node = call_method(&sandbox, ZHIMA_INIT, &biz).await;
        assert_business_error(&node, "INVALID_PARAMETER", field);
    }
    // Nothing of a refused initialize is kept: the query does not know the id.
    let unknown = call_method(
        &sandbox,
        ZHIMA_QUERY,
        &json!({ "biz_no": "ZM000000000000000000000000000000" }).to_string(),
    )
    .await;
    assert_business_error(&unknown, "INVALID_PARAMETER", "biz_no");
}

#[tokio::test]
async fn open_certify_initialize_query_and_errors() {
    let sandbox = sandbox().await;
    let init = call_method(
        &sandbox,
        OPEN_INIT,
        &open_init("OO1", "https://m.example/back"),
    )
    .await;
    assert_eq!(init["code"], "10000", "{init}");
    let id = init["certify_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let again = call_method(
        &sandbox,
        OPEN_INIT,
        &open_init("OO1", "https://m.example/other"),
    )
    .await;
    assert_eq!(again["certify_id"], id.as_str());

    let query = call_method(
        &sandbox,
        OPEN_QUERY,
        &json!({ "certify_id": id }).to_string(),
    )
    .await;
    assert_eq!(
        (query["code"].as_str(), query["passed"].as_str()),
        (Some("10000"), Some("F"))
    );
    assert!(
        query["fail_reason"].as_str().unwrap().contains("尚未"),
        "{query}"
    );

    // A certify_id of another family is unknown here.
    let zhima = call_method(&sandbox, ZHIMA_INIT, &zhima_init("OO1", ID_NO)).await;
    let cross = call_method(
        &sandbox,
        OPEN_QUERY,
        &json!({ "certify_id": zhima["biz_no"] }).to_string(),
    )
    .await;
    assert_business_error(&cross, "INVALID_PARAMETER", "certify_id");

    for (biz, field) in [
        (open_init("OO2", "javascript:alert(1)"), "merchant_config"),
        (open_init("OO3", "https://"), "merchant_config"),
        (
            open_init("OO-4", "https://m.example/back"),
            "outer_order_no",
        ),
        (
            open_init("OO5", "https://m.example/back")
                .replace("\"CERT_INFO\"", "\"AGENT_CERT_INFO\"")
                .replace(&format!(",\"cert_no\":\"{ID_NO}\""), "")
                .replace(&format!("\"cert_no\":\"{ID_NO}\","), ""),
            "identity_param",
        ),
        (
            open_init("OO6", "https://m.example/back").replace("\"FACE\"", "\"PALM\""),
            "biz_code",
        ),
    ] {
        let node = call_method(&sandbox, OPEN_INIT, &biz).await;
        assert_business_error(&node, "INVALID_PARAMETER", field);
    }
}

#[tokio::test]
async fn face_initialize_verify_answers_the_sandbox_face_page_and_query() {
    let sandbox = sandbox().await;
    let init = call_method(&sandbox, FACE_INIT, &face_init("FO1")).await;
    assert_eq!(init["code"], "10000", "{init}");
    let id = init["certify_id"].as_str().unwrap().to_owned();
    let again = call_method(&sandbox, FACE_INIT, &face_init("FO1")).await;
    assert_eq!(again["certify_id"], id.as_str());
    // Same outer_order_no in another family: another certification.
    let open = call_method(
        &sandbox,
        OPEN_INIT,
        &open_init("FO1", "https://m.example/b"),
    )
    .await;
    assert_ne!(open["certify_id"], id.as_str());

    let biz = json!({ "certify_id": id }).to_string();
    let verify = call_method(&sandbox, FACE_VERIFY, &biz).await;
    assert_eq!(verify["code"], "10000", "{verify}");
    let url = verify["certify_url"].as_str().unwrap();
    let prefix = format!(
        "http://{}/certify/face?certify_id={id}&ticket=",
        sandbox.addr()
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.len() >= prefix.len() + 32, "{url}");
    let verify_again = call_method(&sandbox, FACE_VERIFY, &biz).await;
    assert_eq!(verify_again["certify_url"], url);

    let query = call_method(&sandbox, FACE_QUERY, &biz).await;
    assert_eq!(
        (query["code"].as_str(), query["passed"].as_str()),
        (Some("10000"), Some("F"))
    );

    let unknown = call_method(
        &sandbox,
        FACE_VERIFY,
        &json!({ "certify_id": "0".repeat(32) }).to_string(),
    )
    .await;
    assert_business_error(&unknown, "INVALID_PARAMETER", "certify_id");
    let bad = call_method(
        &sandbox,
        FACE_INIT,
        &face_init("FO2").replace("FUTURE_TECH_BIZ_FACE_SDK", "X"),
    )
    .await;
    assert_business_error(&bad, "INVALID_PARAMETER", "biz_code");
}

#[tokio::test]
async fn an_unused_certification_expires_after_the_configured_time() {
    let clock = TestClock::new();
    let sandbox_clock = clock.clone();
    let sandbox = sandbox_with(|c| {
        c.clock(move || sandbox_clock.now())
            .certify_ttl(Duration::from_secs(60))
    })
    .await;
    let init = call_at(&sandbox, FACE_INIT, &face_init("EX1"), clock.timestamp()).await;
    let biz = json!({ "certify_id": init["certify_id"] }).to_string();
    let fresh = call_at(&sandbox, FACE_VERIFY, &biz, clock.timestamp()).await;
    assert_eq!(fresh["code"], "10000", "{fresh}");

    clock.advance(Duration::from_secs(61));
    let late = call_at(&sandbox, FACE_VERIFY, &biz, clock.timestamp()).await;
    assert_business_error(&late, "INVALID_PARAMETER", "certify_id");
    assert!(late["sub_msg"].as_str().unwrap().contains("过期"), "{late}");
    let query = call_at(&sandbox, FACE_QUERY, &biz, clock.timestamp()).await;
    assert_eq!(query["passed"], "F");
    assert!(
        query["fail_reason"].as_str().unwrap().contains("过期"),
        "{query}"
    );
}

#[tokio::test]
async fn the_ledger_is_bounded_and_forgets_the_oldest() {
    let sandbox = sandbox_with(|c| c.certification_capacity(2)).await;
    let mut ids = Vec::new();
    for n in ["B1", "B2", "B3"] {
        let init = call_method(&sandbox, ZHIMA_INIT, &zhima_init(n, ID_NO)).await;
        ids.push(init["biz_no"].as_str().unwrap().to_owned());
    }
    let query = |id: &str| json!({ "biz_no": id }).to_string();
    let oldest = call_method(&sandbox, ZHIMA_QUERY, &query(&ids[0])).await;
    assert_business_error(&oldest, "INVALID_PARAMETER", "biz_no");
    for id in &ids[1..] {
        let kept = call_method(&sandbox, ZHIMA_QUERY, &query(id)).await;
        assert_eq!(kept["code"], "10000", "{kept}");
    }
}

#[tokio::test]
async fn material_certify_results_are_bounded_too() {
    let sandbox = sandbox_with(|c| c.certification_capacity(1)).await;
    let first = verified(
        &call(&sandbox, &biz("M1", ID_NO, JPEG_B64)).await,
        Charset::Utf8,
    );
    assert_eq!(first["passed"], "true");
    // While remembered, a repeat answers the original result whatever it sends.
    let repeat = verified(
        &call(&sandbox, &biz("M1", ID_NO, "iVBORw0KGgo=")).await,
        Charset::Utf8,
    );
    assert_eq!(repeat["passed"], "true");
    call(&sandbox, &biz("M2", ID_NO, JPEG_B64)).await;
    // M1 was forgotten to make room for M2: it is decided afresh.
    let forgotten = verified(
        &call(&sandbox, &biz("M1", ID_NO, "iVBORw0KGgo=")).await,
        Charset::Utf8,
    );
    assert_eq!(forgotten["passed"], "false");
}
