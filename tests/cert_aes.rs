//! Certificate mode and AES content encryption end to end: the real client against the
//! sandbox gateway over HTTP on 127.0.0.1, with a CA chain the sandbox generated.

use std::sync::OnceLock;

use alipay_api::VerifyError;
use alipay_api::protocol::AlipayCertificate;
use alipay_api::{
    AcceptCertificateError, AlipayClient, AlipayTrust, ClientBuilder, Error, Gateway, RetryPolicy,
};
use alipay_e2e::{ID_NUMBER, certify_request};
use alipay_sandbox::{CertSet, DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};

/// A fresh 128-bit content-encryption key (base64), as the console shows one.
const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";

/// One certificate set per test binary: key generation is the slow part.
fn certs() -> &'static CertSet {
    static CERTS: OnceLock<CertSet> = OnceLock::new();
    CERTS.get_or_init(|| CertSet::generate(DEFAULT_APP_ID).expect("certificate generation"))
}

fn cert_client(sandbox: &Sandbox) -> ClientBuilder<AlipayClient> {
    let c = certs();
    AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .app_private_key(c.keys.app_private_pem.as_str())
        .alipay_trust(AlipayTrust::certificates(
            c.app_cert_pem.as_str(),
            c.alipay_cert_pem.as_str(),
            c.root_cert_pem.as_str(),
        ))
        .gateway(Gateway::Custom(sandbox.url()))
        .retry(RetryPolicy::none())
}

async fn cert_sandbox(aes: bool) -> Sandbox {
    let mut config = SandboxConfig::from_cert_set(certs()).unwrap();
    if aes {
        config = config.aes_key(DEFAULT_APP_ID, AES_KEY).unwrap();
    }
    Sandbox::start_local(config).await.unwrap()
}

fn sn_of(pem: &str) -> String {
    AlipayCertificate::parse(pem).unwrap().sn().to_owned()
}

#[tokio::test]
async fn certify_in_certificate_mode() {
    let sandbox = cert_sandbox(false).await;
    let client = cert_client(&sandbox).build().unwrap();
    let ok = client
        .execute(&certify_request("E2E_CERT_1"))
        .await
        .unwrap();
    assert!(ok.passed);
    let not = client
        .execute(&certify_request("E2E_CERT_NOTPASS"))
        .await
        .unwrap();
    assert!(!not.passed);

    let request = &sandbox.requests()[0];
    assert_eq!(
        request.param("app_cert_sn"),
        Some(certs().app_cert_sn().unwrap().as_str())
    );
    assert_eq!(
        request.param("alipay_root_cert_sn"),
        Some(certs().root_cert_sn().unwrap().as_str())
    );

    // A public-key-mode client of the same app: the sandbox wants the serials.
    let key_mode = AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .app_private_key(certs().keys.app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(
            certs().keys.alipay_public_pem.as_str(),
        ))
        .gateway(Gateway::Custom(sandbox.url()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = key_mode
        .execute(&certify_request("E2E_CERT_KEYMODE"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(
        (g.code(), g.sub_code()),
        ("40001", Some("isv.missing-app-cert-sn"))
    );
}

#[tokio::test]
async fn certify_with_aes_content_encryption() {
    let keys = alipay_e2e::keys();
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys)
        .unwrap()
        .aes_key(DEFAULT_APP_ID, AES_KEY)
        .unwrap();
    let sandbox = Sandbox::start_local(config).await.unwrap();
    let client = alipay_e2e::client_builder(&sandbox)
        .aes_key(AES_KEY)
        .build()
        .unwrap();
    let ok = client.execute(&certify_request("E2E_AES_1")).await.unwrap();
    assert!(ok.passed);
    let request = &sandbox.requests()[0];
    assert_eq!(request.param("encrypt_type"), Some("AES"));
    assert!(
        !request.param("biz_content").unwrap().contains(ID_NUMBER),
        "biz_content travelled in clear"
    );

    // Business errors come back encrypted too, and are decrypted after verification.
    let bad = alipay_api::zhima_customer_certification_material_certify::ZhimaCustomerCertificationMaterialCertifyRequest::builder()
        .transaction_id("E2E_AES_BAD")
        .product_code("w0000000000000000000")
        .biz_code(alipay_api::zhima_customer_certification_material_certify::BizCode::FaceApi)
        .identity_param(
            alipay_api::zhima_customer_certification_material_certify::IdentityParam::resident_id(
                alipay_e2e::NAME,
                ID_NUMBER,
            ),
        )
        .materials(
            alipay_api::zhima_customer_certification_material_certify::Materials::facial_picture_front_jpeg(
                alipay_e2e::FACE_JPEG,
            ),
        )
        .build()
        .unwrap();
    let err = client.execute(&bad).await.unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(g.sub_code(), Some("ARRANGEMENT_ERROR"));
    assert!(g.verified());

    // An app with encryption on refuses a plaintext request.
    let plain = alipay_e2e::client_builder(&sandbox).build().unwrap();
    let err = plain
        .execute(&certify_request("E2E_AES_PLAIN"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(g.sub_code(), Some("isv.missing-encrypt-type"));
}

#[tokio::test]
async fn certify_in_certificate_mode_with_aes() {
    let sandbox = cert_sandbox(true).await;
    let client = cert_client(&sandbox).aes_key(AES_KEY).build().unwrap();
    let ok = client
        .execute(&certify_request("E2E_CERT_AES"))
        .await
        .unwrap();
    assert!(ok.passed);
    let request = &sandbox.requests()[0];
    assert_eq!(request.param("encrypt_type"), Some("AES"));
    assert!(request.param("app_cert_sn").is_some());
}

#[tokio::test]
async fn rotated_alipay_certificate_is_detected_and_replaced() {
    let sandbox = cert_sandbox(false).await;
    let client = cert_client(&sandbox).build().unwrap();
    client
        .execute(&certify_request("E2E_ROT_BEFORE"))
        .await
        .unwrap();

    let new_pem = sandbox.rotate_alipay_certificate().unwrap();
    let new_sn = sn_of(&new_pem);
    assert_ne!(new_sn, sn_of(&certs().alipay_cert_pem));
    assert_eq!(sandbox.alipay_cert_pem().as_deref(), Some(new_pem.as_str()));

    // The client sees an SN it does not know and says which one.
    let err = client
        .execute(&certify_request("E2E_ROT_AFTER"))
        .await
        .unwrap_err();
    let Error::Verify(VerifyError::UnknownAlipayCertificate(unknown)) = &err else {
        panic!("expected an unknown certificate, got {err:?}")
    };
    assert_eq!(unknown.sn(), new_sn);
    assert!(err.to_string().contains(&new_sn), "{err}");
    assert!(!err.to_string().contains(ID_NUMBER), "{err}");

    // A certificate from another CA (and that CA's self-signed root) is refused.
    let stranger = CertSet::generate(DEFAULT_APP_ID).unwrap();
    for impostor in [&stranger.alipay_cert_pem, &stranger.root_cert_pem] {
        let refused = client.accept_alipay_certificate(impostor).unwrap_err();
        assert!(
            matches!(refused, AcceptCertificateError::Rejected(_)),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("not accepted"), "{refused}");
    }
    // So is what chains to the very same roots but is not Alipay's certificate: another
    // merchant's app certificate (whose key that merchant holds) and the CA itself.
    let other_merchant = KeySet::generate().unwrap();
    let their_cert = certs()
        .issue_app_cert("2021000000009999", &other_merchant.app_public_pem)
        .unwrap();
    for impostor in [&their_cert, &certs().ca_cert_pem] {
        let refused = client.accept_alipay_certificate(impostor).unwrap_err();
        assert!(
            matches!(
                refused,
                AcceptCertificateError::Rejected(
                    alipay_api::protocol::cert::CertError::NotAlipayCertificate { .. }
                )
            ),
            "{refused:?}"
        );
    }

    // The real replacement chains to the root bundle: accepted, and calls succeed.
    assert_eq!(client.accept_alipay_certificate(&new_pem).unwrap(), new_sn);
    let ok = client
        .execute(&certify_request("E2E_ROT_AFTER"))
        .await
        .unwrap();
    assert!(ok.passed);
}
