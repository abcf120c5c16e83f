//! Certificate mode, AES apps, and the key and certificate files the sandbox writes and
//! reads.

use super::*;

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
