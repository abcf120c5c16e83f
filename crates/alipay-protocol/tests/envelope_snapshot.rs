//! Snapshots of the documentation example's envelope with a fixed clock and key.
//! PKCS#1 v1.5 signatures are deterministic, so the signature is part of the snapshot.

use alipay_protocol::{AppPrivateKey, Call, CommonParams, SignedRequest, Timestamp};

fn doc_example_biz_content() -> String {
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sign.json"))
            .unwrap(),
    )
    .unwrap();
    let case = &vectors["cases"][0];
    assert_eq!(case["name"], "zhima_material_certify_doc_example_RSA2");
    case["params"]["biz_content"].as_str().unwrap().to_owned()
}

#[test]
fn doc_example_envelope() {
    let key = AppPrivateKey::parse(include_str!("data/keys/app_private_pkcs1.pem")).unwrap();
    let mut common = CommonParams::new("2021000000000001");
    common.app_auth_token = Some("202501BBc2d3e4f5a6b7c8d9e0f1a2b3c4d5eX99".into());
    let biz = doc_example_biz_content();
    let call = Call {
        method: "zhima.customer.certification.material.certify",
        biz_content: Some(&biz),
        timestamp: Timestamp::parse_beijing("2025-01-15 10:30:00").unwrap(),
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&common, &call, &key).unwrap();
    insta::assert_snapshot!("doc_example_sign_content", signed.sign_content());
    // The snapshot's signature is a real one over that content.
    use alipay_protocol::Verifier as _;
    use base64::Engine as _;
    let app_public =
        alipay_protocol::AlipayPublicKey::parse(include_str!("data/keys/app_public.pem")).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(signed.sign())
        .unwrap();
    assert!(app_public.verify(
        alipay_protocol::SignType::Rsa2,
        signed.sign_content().as_bytes(),
        &raw
    ));
    insta::assert_snapshot!(
        "doc_example_http_parts",
        format!(
            "POST {}\ncontent-type: {}\n\n{}\n",
            signed.url("https://openapi.alipay.com/gateway.do"),
            signed.content_type(),
            signed.body()
        )
    );
}
