//! Certificate material: SN lookup, rotation and separately supplied intermediates.

use super::*;

#[test]
fn cert_material_resolves_sns_and_accepts_only_chained_rotations() {
    let app_file = cert_file("appCertPublicKey_2021000000000001.crt");
    let bundle = cert_file("alipayRootCert.crt");
    let leaf_inter = concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]);

    let material = CertMaterial::new(&app_file, &leaf_inter, &bundle).unwrap();
    assert_eq!(material.app_cert_sn(), APP_SN);
    assert_eq!(material.alipay_root_cert_sn(), ROOT_SN);
    assert_eq!(material.alipay_cert_sn(), ALIPAY_SN);
    material.verify_alipay_cert(now()).unwrap();
    material
        .check_app_key(&AppPrivateKey::parse(data("keys/app_private_pkcs1.pem")).unwrap())
        .unwrap();
    let wrong_key = AppPrivateKey::parse(data("keys/alipay_private_pkcs1.pem")).unwrap();
    assert!(matches!(
        material.check_app_key(&wrong_key),
        Err(CertError::AppCertKeyMismatch { .. })
    ));

    let alipay_key = AlipayPublicKey::parse(data("keys/alipay_public.pem")).unwrap();
    assert_eq!(material.verifier_for(Some(ALIPAY_SN)).unwrap(), &alipay_key);
    assert_eq!(material.verifier_for(None).unwrap(), &alipay_key);
    let err = material
        .verifier_for(Some("0123456789abcdef0123456789abcdef"))
        .unwrap_err();
    assert_eq!(
        err,
        CertError::UnknownAlipayCertSn {
            sn: "0123456789abcdef0123456789abcdef".into()
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("0123456789abcdef0123456789abcdef"),
        "{message}"
    );
    assert!(message.contains("accept_rotated"), "{message}");
    assert!(
        message.contains("alipayCertPublicKey_RSA2.crt"),
        "{message}"
    );

    // Debug names SNs, never key material.
    let debug = format!("{material:?}");
    assert!(
        debug.contains(APP_SN) && debug.contains(ALIPAY_SN),
        "{debug}"
    );
    let key_b64 = text("keys/alipay_public.b64");
    assert!(!debug.contains(&key_b64.trim()[40..80]), "{debug}");

    // Swapped files are caught.
    let err = CertMaterial::new(&app_file, &app_file, &bundle).unwrap_err();
    assert_eq!(err, CertError::AlipayCertIsAppCert { sn: APP_SN.into() });
}

#[test]
fn rotation_accepts_only_a_chained_leaf_with_the_alipay_subject() {
    let app_file = cert_file("appCertPublicKey_2021000000000001.crt");
    let bundle = cert_file("alipayRootCert.crt");
    // The Alipay certificate file holds only the leaf: no intermediate is known yet.
    let mut material = CertMaterial::new(
        &app_file,
        cert_file("alipayCertPublicKey_RSA2.crt"),
        &bundle,
    )
    .unwrap();
    assert_eq!(material.alipay_cert_sn(), ALIPAY_SN);

    // Chaining to the roots is not enough: a CA certificate, or a certificate for
    // another subject (any merchant's app certificate chains to the same roots), is
    // not a replacement for Alipay's.
    for impostor in ["inter.pem", "rootA.pem", "exoticCA.pem"] {
        let err = material
            .accept_rotated(cert_file(impostor), now())
            .unwrap_err();
        assert!(
            matches!(err, CertError::NotAlipayCertificate { .. }),
            "{impostor}: {err:?}"
        );
    }
    // The app's own certificate is named as the mix-up it is.
    let err = material
        .accept_rotated(cert_file("appCert_exotic_issuer.crt"), now())
        .unwrap_err();
    assert!(
        matches!(err, CertError::AlipayCertIsAppCert { .. }),
        "{err:?}"
    );
    // Right subject, but no path to the roots (the intermediate is missing).
    let err = material
        .accept_rotated(cert_file("alipayCertPublicKey_RSA2.crt"), now())
        .unwrap_err();
    assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");
    // Right subject and chain, but expired at the given time.
    let expired = Timestamp::parse_beijing("2032-01-01 00:00:00").unwrap();
    let err = material
        .accept_rotated(
            concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]),
            expired,
        )
        .unwrap_err();
    assert!(matches!(err, CertError::Expired { .. }), "{err:?}");

    // Leaf + intermediate, valid now: accepted and current.
    let sn = material
        .accept_rotated(
            concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]),
            now(),
        )
        .unwrap();
    assert_eq!(sn, ALIPAY_SN);
    let alipay_key = AlipayPublicKey::parse(data("keys/alipay_public.pem")).unwrap();
    assert_eq!(material.verifier_for(Some(ALIPAY_SN)).unwrap(), &alipay_key);
    // SNs arrive as text; uppercase hex still resolves.
    assert_eq!(
        material
            .verifier_for(Some(&ALIPAY_SN.to_uppercase()))
            .unwrap(),
        &alipay_key
    );
    assert_eq!(material.verifier_for(None).unwrap(), &alipay_key);
    assert!(matches!(
        material.verifier_for(Some("00000000000000000000000000000000")),
        Err(CertError::UnknownAlipayCertSn { .. })
    ));
    // Re-accepting a known SN keeps one entry.
    assert_eq!(material.alipay_cert_sns(), [ALIPAY_SN]);

    // A leaf-only download now chains through the intermediate remembered from before.
    let sn = material
        .accept_rotated(cert_file("alipayCertPublicKey_RSA2.crt"), now())
        .unwrap();
    assert_eq!(sn, ALIPAY_SN);
}

#[test]
fn intermediates_can_be_added_separately() {
    let mut material = CertMaterial::new(
        cert_file("appCertPublicKey_2021000000000001.crt"),
        cert_file("alipayCertPublicKey_RSA2.crt"),
        cert_file("alipayRootCert.crt"),
    )
    .unwrap();
    assert_eq!(
        material.add_intermediates(cert_file("inter.pem")).unwrap(),
        1
    );
    assert_eq!(
        material
            .accept_rotated(cert_file("alipayCertPublicKey_RSA2.crt"), now())
            .unwrap(),
        ALIPAY_SN
    );
}
