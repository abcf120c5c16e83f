//! Certificate mode and AES content encryption against the test gateway.

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_transport::protocol::{AesKey, CertError, CertMaterial, Charset};
use alipay_transport::{
    AcceptCertificateError, AlipayClient, AlipayTrust, BuildError, ClientBuilder, Error, Gateway,
    KeySource, RetryPolicy,
};
use alipay_transport::{AnswerError, VerifyError};
use support::{
    ALIPAY_CERT, ALIPAY_CERT_ROTATED, ALIPAY_PUBLIC_PEM, ALIPAY_ROTATED_PRIVATE_PEM, APP_CERT,
    APP_PRIVATE_PEM, APP_PUBLIC_PEM, CERT_NO, FOREIGN_ALIPAY_CERT, ROOT_CERT, Reply,
    SELF_SIGNED_CERT, SignedReply, TestCertify, TestGateway, cert_path, error_node, success_node,
};

/// 2027-06-01 00:00:00 UTC: inside the fixtures' validity whatever today's date is.
fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_811_808_000)
}

const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";

fn material() -> CertMaterial {
    CertMaterial::new(APP_CERT, ALIPAY_CERT, ROOT_CERT).unwrap()
}

fn rotated_sn() -> String {
    alipay_transport::protocol::AlipayCertificate::parse(ALIPAY_CERT_ROTATED)
        .unwrap()
        .sn()
        .to_owned()
}

fn base(url: &str) -> ClientBuilder {
    AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .gateway(Gateway::Custom(url.into()))
        .no_proxy()
        .retry(RetryPolicy::none())
        .clock(clock)
}

fn cert_builder(url: &str) -> ClientBuilder {
    base(url).alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT))
}

#[tokio::test]
async fn certificate_mode_sends_signed_serials_and_verifies_by_sn() {
    let m = material();
    let sn = m.alipay_cert_sn().to_owned();
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true)).cert_sn(&sn),
    ));
    let client = cert_builder(&gw.url).build().unwrap();
    assert_eq!(client.alipay_cert_sns(), vec![sn.clone()]);
    let response = client.execute(&TestCertify::new("tx-cert")).await.unwrap();
    assert_eq!(response.passed.as_deref(), Some("true"));

    let r = &gw.received()[0];
    assert!(r.signature_ok, "the gateway could not verify our signature");
    assert_eq!(r.param("app_cert_sn"), Some(m.app_cert_sn()));
    assert_eq!(
        r.param("alipay_root_cert_sn"),
        Some(m.alipay_root_cert_sn())
    );
    // Both serials are signed, and travel in the query with the other routing params.
    assert!(
        r.sign_content
            .contains(&format!("app_cert_sn={}", m.app_cert_sn()))
    );
    assert!(
        r.sign_content
            .contains(&format!("alipay_root_cert_sn={}", m.alipay_root_cert_sn()))
    );
    assert!(r.query.iter().any(|(k, _)| k == "app_cert_sn"));
    assert!(r.param("encrypt_type").is_none());

    // Certificate files given as paths and bytes work the same.
    let from_files = base(&gw.url)
        .alipay_trust(AlipayTrust::certificates(
            KeySource::file(cert_path("appCertPublicKey_2021000000000001.crt")),
            KeySource::file(cert_path("alipayCertPublicKey_RSA2.crt")),
            ROOT_CERT.as_bytes(),
        ))
        .build()
        .unwrap();
    from_files
        .execute(&TestCertify::new("tx-files"))
        .await
        .unwrap();
}

#[tokio::test]
async fn certificate_mode_refuses_what_it_cannot_tie_to_a_certificate() {
    let m = material();
    // A success without alipay_cert_sn: refused (as the Java SDK does).
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let err = cert_builder(&gw.url)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-nosn"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(e)) = &err else {
        panic!("{err:?}")
    };
    assert!(e.reason().contains("alipay_cert_sn"), "{err}");

    // A signed error without it is still checked, with the current certificate.
    let gw = TestGateway::always(Reply::Signed(error_node(
        "40004",
        "Business Failed",
        "INVALID_PARAMETER",
        "参数有误",
    )));
    let err = cert_builder(&gw.url)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-err"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert!(g.verified());

    // The right SN with a signature by another key: a signature mismatch.
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true))
            .cert_sn(m.alipay_cert_sn())
            .key(ALIPAY_ROTATED_PRIVATE_PEM),
    ));
    let err = cert_builder(&gw.url)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-forged"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::SignatureMismatch(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn rotated_certificate_is_detected_and_a_chaining_replacement_accepted() {
    let old_sn = material().alipay_cert_sn().to_owned();
    let new_sn = rotated_sn();
    assert_ne!(old_sn, new_sn);
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true))
            .cert_sn(&new_sn)
            .key(ALIPAY_ROTATED_PRIVATE_PEM),
    ));
    let client = cert_builder(&gw.url).build().unwrap();
    let err = client
        .execute(&TestCertify::new("tx-rot"))
        .await
        .unwrap_err();
    let Error::Verify(VerifyError::UnknownAlipayCertificate(unknown)) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(unknown.sn(), new_sn);
    assert_eq!(unknown.known(), std::slice::from_ref(&old_sn));
    let shown = err.to_string();
    assert!(shown.contains(&new_sn), "{shown}");
    assert!(shown.contains("accept_alipay_certificate"), "{shown}");
    assert!(shown.contains("alipayRootCert.crt"), "{shown}");
    assert!(!shown.contains(CERT_NO), "{shown}");
    assert_eq!(err.kind_name(), "unknown_alipay_certificate");
    assert!(!err.is_retryable());

    // Certificates that do not chain to the configured roots are refused.
    for (name, impostor) in [
        ("foreign CA", FOREIGN_ALIPAY_CERT),
        ("self-signed", SELF_SIGNED_CERT),
    ] {
        let refused = client.accept_alipay_certificate(impostor).unwrap_err();
        assert!(
            matches!(
                refused,
                // The foreign CA reuses our CA's names, so its signature is what fails;
                // the self-signed one is a CA certificate, never a signing leaf.
                AcceptCertificateError::Rejected(
                    CertError::UntrustedChain { .. }
                        | CertError::BadSignature { .. }
                        | CertError::NotAlipayCertificate { .. }
                )
            ),
            "{name}: {refused:?}"
        );
    }
    assert!(
        client
            .accept_alipay_certificate("not a certificate")
            .is_err()
    );
    assert_eq!(client.alipay_cert_sns(), vec![old_sn.clone()]);

    // The real replacement chains: accepted, shared by clones, and the call succeeds.
    let clone = client.clone();
    assert_eq!(
        client
            .accept_alipay_certificate(ALIPAY_CERT_ROTATED)
            .unwrap(),
        new_sn
    );
    assert_eq!(
        clone.alipay_cert_sns(),
        vec![old_sn.clone(), new_sn.clone()]
    );
    let ok = clone.execute(&TestCertify::new("tx-rot")).await.unwrap();
    assert_eq!(ok.passed.as_deref(), Some("true"));

    // Answers still signed with the previous certificate keep verifying.
    let gw_old = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true)).cert_sn(&old_sn),
    ));
    let rebuilt = cert_builder(&gw_old.url).build().unwrap();
    rebuilt
        .accept_alipay_certificate(ALIPAY_CERT_ROTATED)
        .unwrap();
    rebuilt.execute(&TestCertify::new("tx-old")).await.unwrap();

    // Public-key mode has no certificates to rotate.
    let key_mode = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .build()
        .unwrap();
    assert!(matches!(
        key_mode.accept_alipay_certificate(ALIPAY_CERT_ROTATED),
        Err(AcceptCertificateError::NotCertificateMode)
    ));
    assert!(key_mode.alipay_cert_sns().is_empty());
}

#[test]
fn certificate_mode_build_checks() {
    let url = "http://127.0.0.1:9/gateway.do";
    let err = |b: ClientBuilder| b.build().unwrap_err();

    // The last trust setting wins, like every setter: a base in certificate mode can
    // be switched to public-key mode and back, and a second key replaces the first.
    let key_mode = cert_builder(url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .build()
        .unwrap();
    assert!(key_mode.alipay_cert_sns().is_empty());
    let cert_mode = base(url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT))
        .build()
        .unwrap();
    assert_eq!(cert_mode.alipay_cert_sns().len(), 1);
    let e = err(base(url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .alipay_trust(AlipayTrust::public_key(APP_PUBLIC_PEM)));
    assert!(matches!(e, BuildError::AlipayKeyIsAppKey(_)), "{e:?}");

    // The app certificate must hold the app private key's public half.
    let e = err(base(url)
        .app_private_key(ALIPAY_ROTATED_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT)));
    assert!(
        matches!(
            e,
            BuildError::Certificate(CertError::AppCertKeyMismatch { .. })
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("appCertPublicKey_"), "{e}");

    // The Alipay certificate must chain to the root bundle.
    let e = err(base(url).alipay_trust(AlipayTrust::certificates(
        APP_CERT,
        FOREIGN_ALIPAY_CERT,
        ROOT_CERT,
    )));
    assert!(
        matches!(e, BuildError::Certificate(CertError::BadSignature { .. })),
        "{e:?}"
    );
    let e = err(base(url).alipay_trust(AlipayTrust::certificates(
        APP_CERT,
        SELF_SIGNED_CERT,
        ROOT_CERT,
    )));
    assert!(
        matches!(
            e,
            BuildError::Certificate(
                CertError::UntrustedChain { .. } | CertError::BadSignature { .. }
            )
        ),
        "{e:?}"
    );

    // ... at the client clock's time.
    let e = err(cert_builder(url).clock(|| UNIX_EPOCH + Duration::from_secs(1_500_000_000)));
    assert!(
        matches!(e, BuildError::Certificate(CertError::NotYetValid { .. })),
        "{e:?}"
    );

    // The app certificate given where the Alipay one belongs.
    let e = err(base(url).alipay_trust(AlipayTrust::certificates(APP_CERT, APP_CERT, ROOT_CERT)));
    assert!(
        matches!(
            e,
            BuildError::Certificate(CertError::AlipayCertIsAppCert { .. })
        ),
        "{e:?}"
    );

    // A missing file names the role and the path.
    let e = err(base(url).alipay_trust(AlipayTrust::certificates(
        KeySource::file("/nonexistent/appCert.crt"),
        ALIPAY_CERT,
        ROOT_CERT,
    )));
    assert!(matches!(e, BuildError::ReadCertFile { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/appCert.crt"), "{e}");

    // A bad AES key is reported without echoing it.
    let e = err(cert_builder(url).aes_key("c2VjcmV0LWtleQ=="));
    assert!(
        matches!(
            e,
            BuildError::InvalidField {
                field: "aes_key",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains("c2VjcmV0LWtleQ"), "{e}");

    // Debug shows serials and whether AES is on, never the AES key.
    let client = cert_builder(url).aes_key(AES_KEY).build().unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains(material().app_cert_sn()), "{shown}");
    assert!(!shown.contains(AES_KEY), "{shown}");
}

#[tokio::test]
async fn aes_requests_are_encrypted_then_signed_and_answers_verified_then_decrypted() {
    let key = AesKey::from_base64(AES_KEY).unwrap();
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(false)).aes(AES_KEY),
    ));
    let client = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .aes_key(AES_KEY)
        .build()
        .unwrap();
    let response = client.execute(&TestCertify::new("tx-aes")).await.unwrap();
    assert_eq!(response.passed.as_deref(), Some("false"));
    assert_eq!(response.failed_reason.as_deref(), Some("人脸比对不通过"));

    let r = &gw.received()[0];
    assert!(r.signature_ok);
    assert_eq!(r.param("encrypt_type"), Some("AES"));
    assert!(r.sign_content.contains("encrypt_type=AES"));
    let biz = r.param("biz_content").unwrap();
    assert!(!biz.contains(CERT_NO), "biz_content travelled in clear");
    assert!(
        r.sign_content.contains(&format!("biz_content={biz}")),
        "the ciphertext is what is signed"
    );
    let plain = key.decrypt(biz, Charset::Utf8).unwrap();
    assert!(plain.contains(CERT_NO) && plain.contains("tx-aes"));

    // prepare() shows the same encrypted envelope.
    let prepared = client.prepare(&TestCertify::new("tx-aes")).unwrap();
    assert_eq!(prepared.param("encrypt_type"), Some("AES"));

    // An encrypted error is decrypted, then reported as a verified gateway error.
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(error_node(
            "40004",
            "Business Failed",
            "INVALID_PARAMETER",
            "参数有误",
        ))
        .aes(AES_KEY),
    ));
    let err = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .aes_key(AES_KEY)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-aes-err"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(g.sub_code(), Some("INVALID_PARAMETER"));
    assert!(g.verified());
}

#[tokio::test]
async fn encrypted_answers_without_the_right_key_are_malformed() {
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true)).aes(AES_KEY),
    ));
    // No key configured: a clear error that says what to set.
    let err = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-nokey"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(e)) = &err else {
        panic!("{err:?}")
    };
    assert!(e.reason().contains("aes_key"), "{err}");

    // The wrong key: verified, then fails to decrypt, never yields garbage as data.
    let err = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .aes_key("mBXPQtHeNMoU5wOTqWbIpK0gpNKUEeBBA+Pq07e/p+c=")
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-wrongkey"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(e)) = &err else {
        panic!("{err:?}")
    };
    assert!(e.reason().contains("AES key"), "{err}");

    // A tampered ciphertext fails the signature before any decryption.
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true))
            .aes(AES_KEY)
            .key(ALIPAY_ROTATED_PRIVATE_PEM),
    ));
    let err = base(&gw.url)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .aes_key(AES_KEY)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-tampered"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::SignatureMismatch(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn certificate_mode_with_aes() {
    let m = material();
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true))
            .aes(AES_KEY)
            .cert_sn(m.alipay_cert_sn()),
    ));
    let client = cert_builder(&gw.url).aes_key(AES_KEY).build().unwrap();
    let ok = client.execute(&TestCertify::new("tx-both")).await.unwrap();
    assert_eq!(ok.passed.as_deref(), Some("true"));
    let r = &gw.received()[0];
    assert!(r.signature_ok);
    assert_eq!(r.param("encrypt_type"), Some("AES"));
    assert_eq!(r.param("app_cert_sn"), Some(m.app_cert_sn()));
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_accepts_rotated_certificates_too() {
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true))
            .cert_sn(rotated_sn())
            .key(ALIPAY_ROTATED_PRIVATE_PEM),
    ));
    let client = alipay_transport::blocking::AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT))
        .gateway(Gateway::Custom(gw.url.clone()))
        .no_proxy()
        .retry(RetryPolicy::none())
        .clock(clock)
        .build()
        .unwrap();
    let err = client.execute(&TestCertify::new("tx-b")).unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::UnknownAlipayCertificate(_))),
        "{err:?}"
    );
    client
        .accept_alipay_certificate(ALIPAY_CERT_ROTATED)
        .unwrap();
    client.execute(&TestCertify::new("tx-b")).unwrap();
}

#[tokio::test]
async fn an_answer_under_an_expired_certificate_is_not_trusted() {
    let sn = material().alipay_cert_sn().to_owned();
    let gw = TestGateway::always(Reply::SignedWith(
        SignedReply::new(success_node(true)).cert_sn(&sn),
    ));
    // Built while the certificate is valid; the clock then passes its notAfter (2049).
    let late = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = late.clone();
    let client = cert_builder(&gw.url)
        .clock(move || {
            let year = if flag.load(std::sync::atomic::Ordering::SeqCst) {
                2051
            } else {
                2027
            };
            UNIX_EPOCH + Duration::from_secs((year - 1970) * 365 * 86_400)
        })
        .build()
        .unwrap();
    client.execute(&TestCertify::new("tx-valid")).await.unwrap();
    late.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = client
        .execute(&TestCertify::new("tx-expired"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Verify(VerifyError::CertificateInvalid(CertError::Expired { .. }))
        ),
        "{err:?}"
    );
    assert_eq!(err.kind_name(), "alipay_certificate_invalid");
    let shown = alipay_transport::ErrorChain(&err).to_string();
    assert!(shown.contains(&sn), "{shown}");
}
