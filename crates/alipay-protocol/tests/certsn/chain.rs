//! The chain check: bundle, validity, signatures and the CA flag.

use super::*;

#[test]
fn chain_to_the_bundle_is_accepted() {
    let bundle = cert_file("alipayRootCert.crt");
    // Leaf + intermediate in one file, as Alipay ships it, in either order.
    let leaf_inter = concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]);
    cert::verify_chain(&leaf_inter, &bundle, now()).unwrap();
    cert::verify_chain(
        concat(&["inter.pem", "alipayCertPublicKey_RSA2.crt"]),
        &bundle,
        now(),
    )
    .unwrap();
    // Leaf-only file with the intermediate given separately.
    cert::verify_chain_with_intermediates(
        cert_file("alipayCertPublicKey_RSA2.crt"),
        cert_file("inter.pem"),
        &bundle,
        now(),
    )
    .unwrap();
    // Any bundle that holds rootA works, whatever else it holds.
    cert::verify_chain(
        &leaf_inter,
        cert_file("alipayRootCert_with_sha512.crt"),
        now(),
    )
    .unwrap();
    cert::verify_chain(&leaf_inter, cert_file("rootA.pem"), now()).unwrap();
    // The app certificate has the same issuer and chains too.
    cert::verify_chain_with_intermediates(
        cert_file("appCertPublicKey_2021000000000001.crt"),
        cert_file("inter.pem"),
        &bundle,
        now(),
    )
    .unwrap();
}

#[test]
fn chain_that_does_not_reach_the_bundle_is_rejected() {
    let bundle = cert_file("alipayRootCert.crt");
    let leaf_inter = concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]);

    // Without its intermediate the leaf's issuer is nowhere.
    let err =
        cert::verify_chain(cert_file("alipayCertPublicKey_RSA2.crt"), &bundle, now()).unwrap_err();
    let CertError::UntrustedChain { sn, issuer, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(sn, ALIPAY_SN);
    assert!(issuer.starts_with("CN=Test Financial Certification Authority Class 1 R1"));
    assert!(err.to_string().contains("intermediate"), "{err}");

    // A certificate from an unrelated CA.
    let err =
        cert::verify_chain(cert_file("appCert_exotic_issuer.crt"), &bundle, now()).unwrap_err();
    assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");
    // ... even with its own CA offered as an intermediate: it is self-signed, not in the
    // bundle.
    let err = cert::verify_chain_with_intermediates(
        cert_file("appCert_exotic_issuer.crt"),
        cert_file("exoticCA.pem"),
        &bundle,
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");

    // Bundles without rootA: rootB only, and the non-RSA roots (skipped, not trusted).
    for roots in [
        cert_file("rootB.pem"),
        concat(&["rootB.pem", "rootC.pem", "rootE.pem"]),
        cert_file("real_alipayRootCert.crt"),
    ] {
        let err = cert::verify_chain(&leaf_inter, &roots, now()).unwrap_err();
        let CertError::UntrustedChain { subject, .. } = &err else {
            panic!("{err:?}");
        };
        // The path got as far as the intermediate, whose issuer (rootA) is missing.
        assert!(subject.starts_with("CN=Test Financial Certification Authority Class 1 R1"));
    }
}

#[test]
fn validity_is_checked_at_the_given_time() {
    let bundle = cert_file("alipayRootCert.crt");
    let leaf_inter = concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]);
    let leaf = Certificate::parse(cert_file("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert_eq!(leaf.not_after().to_string(), "2031-11-27 18:18:08");

    let after = Timestamp::parse_beijing("2032-01-01 00:00:00").unwrap();
    let err = cert::verify_chain(&leaf_inter, &bundle, after).unwrap_err();
    assert_eq!(
        err,
        CertError::Expired {
            subject: leaf.subject_dn().to_owned(),
            sn: ALIPAY_SN.to_owned(),
            not_after: "2031-11-27T10:18:08Z".to_owned(),
            now: "2031-12-31T16:00:00Z".to_owned(),
        }
    );
    assert!(err.to_string().contains("expired"), "{err}");

    // One second past notAfter is out; notAfter itself is in.
    let edge = leaf.not_after().unix_secs();
    cert::verify_chain(&leaf_inter, &bundle, Timestamp::from_unix(edge)).unwrap();
    assert!(matches!(
        cert::verify_chain(&leaf_inter, &bundle, Timestamp::from_unix(edge + 1)),
        Err(CertError::Expired { .. })
    ));

    // The vectors' fixed timestamp (2025-01-15) predates these test certificates.
    let before = Timestamp::parse_beijing("2025-01-15 10:30:00").unwrap();
    let err = cert::verify_chain(&leaf_inter, &bundle, before).unwrap_err();
    assert!(matches!(err, CertError::NotYetValid { .. }), "{err:?}");
}

#[test]
fn a_tampered_certificate_fails_the_signature_check() {
    let leaf = Certificate::parse(cert_file("alipayCertPublicKey_RSA2.crt")).unwrap();
    let mut der = leaf.der().to_vec();
    // The last byte belongs to the signature value.
    *der.last_mut().unwrap() ^= 0x01;
    let tampered = Certificate::from_der(&der).unwrap();
    let inter = Certificate::parse(cert_file("inter.pem")).unwrap();
    let roots = cert::parse_certificates(cert_file("alipayRootCert.crt")).unwrap();
    let err = cert::verify_chain_parsed(&tampered, &[inter], &roots, now()).unwrap_err();
    let CertError::BadSignature { sn, issuer, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(sn, ALIPAY_SN);
    assert_eq!(issuer, leaf.issuer_dn());
}

#[test]
fn an_end_entity_certificate_cannot_act_as_issuer() {
    let err = cert::verify_chain_with_intermediates(
        ISSUED_BY_APP_CERT,
        concat(&["appCertPublicKey_2021000000000001.crt", "inter.pem"]),
        cert_file("alipayRootCert.crt"),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::IssuerNotCa {
            subject: "CN=2021000000000001,OU=Alipay,O=Test Merchant Co Ltd,C=CN".into(),
            sn: APP_SN.into(),
        }
    );
}
