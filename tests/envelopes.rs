//! Full envelopes with a fixed clock and fixed keys, snapshot-tested with insta, as a
//! user would snapshot what their integration sends. PKCS#1 v1.5 signatures are
//! deterministic, so signatures are part of the snapshots.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_api::{AlipayClient, AlipayTrust, ApiMethod, Gateway, RetryPolicy};
use alipay_e2e::certify_request;
use alipay_sandbox::{Sandbox, SandboxConfig};

const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/alipay-protocol/tests/data/keys"
);
const APP_ID: &str = "2021000000000001";
/// 2025-01-15 10:30:00 in Beijing, the vectors' timestamp.
const FIXED: u64 = 1_736_908_200;

fn key(name: &str) -> String {
    std::fs::read_to_string(format!("{KEYS}/{name}")).unwrap()
}

fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(FIXED)
}

#[tokio::test]
async fn certify_envelope_and_answer() {
    let config = SandboxConfig::new(
        APP_ID,
        key("app_public.pem"),
        key("alipay_private_pkcs1.pem"),
    )
    .unwrap()
    .clock(fixed_clock);
    let sandbox = Sandbox::start_local(config).await.unwrap();
    let client = AlipayClient::builder()
        .app_id(APP_ID)
        .app_private_key(key("app_private_pkcs8.b64"))
        .alipay_trust(AlipayTrust::public_key(key("alipay_public.b64")))
        .gateway(Gateway::Custom(sandbox.url()))
        .retry(RetryPolicy::none())
        .clock(fixed_clock)
        .build()
        .unwrap();
    let request = certify_request("ZGYD201610252323000001234");

    let envelope = client.prepare(&request).unwrap();
    assert_eq!(envelope.param("timestamp"), Some("2025-01-15 10:30:00"));
    insta::assert_snapshot!("certify_sign_content", envelope.sign_content());
    // The URL's host and port change every run; the path and query do not.
    let url = envelope.url("http://gateway.test/gateway.do");
    insta::assert_snapshot!(
        "certify_http_request",
        format!(
            "POST {url}\ncontent-type: {}\n\n{}\n",
            envelope.content_type(),
            envelope.body()
        )
    );

    // What the gateway receives is exactly what was signed.
    let raw = client
        .execute_raw(
            alipay_api::zhima_customer_certification_material_certify::ZhimaCustomerCertificationMaterialCertifyRequest::METHOD,
            &request.to_biz_content().unwrap(),
        )
        .await
        .unwrap();
    let received = &sandbox.requests()[0];
    let mut received_params = received.params.clone();
    received_params.sort();
    let mut sent_params = envelope.params().to_vec();
    sent_params.sort();
    assert_eq!(received_params, sent_params);
    insta::assert_snapshot!("certify_verified_answer", raw.raw());

    let typed = client.execute(&request).await.unwrap();
    assert!(typed.passed);
    sandbox.stop().await;
}
