//! Certificate mode: every case of `certsn.json`, the chain check for a rotated Alipay
//! certificate, key extraction and the errors users get for the wrong file.

use alipay_protocol::cert::{
    self, AlipayCertificate, AppCertificate, CertError, CertMaterial, CertRole, Certificate,
};
use alipay_protocol::{AlipayPublicKey, AppPrivateKey, SignType, Signer, Timestamp, Verifier};
use base64::Engine as _;
use serde_json::Value;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn text(path: &str) -> String {
    String::from_utf8(data(path)).unwrap()
}

fn cert_file(name: &str) -> String {
    text(&format!("certs/{name}"))
}

fn concat(names: &[&str]) -> String {
    names.iter().map(|n| cert_file(n)).collect()
}

/// Inside every test certificate's validity (leaf: 2026-11-28 .. 2031-11-27 UTC).
fn now() -> Timestamp {
    Timestamp::parse_beijing("2027-06-01 08:00:00").unwrap()
}

const ALIPAY_SN: &str = "08786043f57c0d43978d8e4880cd1abb";
const APP_SN: &str = "fb49f095da221bc9603ae4cf378443ce";
const ROOT_SN: &str = "ec3581008485990ca03f31b6d88e1bcc_b62a283ea92a7515fe523a1a8c140714";

/// A certificate for a 1024-bit throwaway key, issued (with `openssl x509 -req -CA
/// appCertPublicKey_2021000000000001.crt -CAkey keys/app_private_pkcs1.pem`) by the app
/// certificate, an end-entity certificate. Its chain reaches rootA by names and
/// signatures; only the CA check stops a merchant from minting "Alipay" certificates.
const ISSUED_BY_APP_CERT: &str = "-----BEGIN CERTIFICATE-----
MIICmjCCAYICAQcwDQYJKoZIhvcNAQELBQAwWDELMAkGA1UEBhMCQ04xHTAbBgNV
BAoMFFRlc3QgTWVyY2hhbnQgQ28gTHRkMQ8wDQYDVQQLDAZBbGlwYXkxGTAXBgNV
BAMMEDIwMjEwMDAwMDAwMDAwMDEwHhcNMjYxMTI4MTEzMzQ5WhcNMzExMTI3MTEz
MzQ5WjBSMQswCQYDVQQGEwJDTjEXMBUGA1UECgwOVGVzdCBGaW5hbmNpYWwxDzAN
BgNVBAsMBkFsaXBheTEZMBcGA1UEAwwQMjA4ODAwMDAwMDAwMDAwMDCBnzANBgkq
hkiG9w0BAQEFAAOBjQAwgYkCgYEA30cCdxkgofMSozhUX5MN54GNGQzuIpg6urtN
7yfS3TIIUqfPMVClumr9h3fsumxYvDsytOFq70gyd2Qh5pkSJatY3zn/TNRJR/13
lJZLU9ZZfpAf6+GOwkRqBdvcFxUfHDicjDKQEZM91tnarcCjaRGif3+t116FSAO1
oRBBySsCAwEAATANBgkqhkiG9w0BAQsFAAOCAQEAX9zjCWhEOLhfjm/Xv7/Jhxlu
qYHEzsWiSeJsMAji8qS1asLiItOU+1XX+JIj6q5j8A+z28DgE9wtDAVdfmBnMTcq
OAkL4HM78MqANYaattGyKQEhqL7B1UjuUTNkY3LYQ3P0sPb2XBJBf9rYxY2krQrV
SxlJTYlA+DcPjY1JkXWwYZTN3dXKzEzpeQ/EahqvUt1T6Nn/GWJyzbPYqLl5FBf1
wXK9lI0ITyQpxiY6ZTZihsYUsdW9SEQN1F6oXC9Rah1NUrb9BEttphl5O9gU3znx
gGDEkHbmZQjjF4LCZdXvQiePtWOZZNeoJ8TaRq0rtjNUIp30XuAwYQjMprqjKA==
-----END CERTIFICATE-----
";

#[test]
fn every_certsn_vector_is_reproduced() {
    let vectors: Value = serde_json::from_slice(&data("certsn.json")).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let input = text(file);
        match case["kind"].as_str().unwrap() {
            "cert_sn" => {
                let cert = Certificate::parse(&input).unwrap();
                assert_eq!(
                    cert.issuer_dn(),
                    case["issuer_dn_java_rfc2253"].as_str().unwrap(),
                    "{file}"
                );
                assert_eq!(
                    cert.serial_decimal(),
                    case["serial_decimal"].as_str().unwrap(),
                    "{file}"
                );
                assert_eq!(
                    cert.sn_input(),
                    case["md5_input"].as_str().unwrap(),
                    "{file}"
                );
                // Java is the reference; for ordinary issuers every SDK agrees with it.
                let java = case["results"]["java_rule_jdk17"].as_str().unwrap();
                assert_eq!(cert::cert_sn(&cert), java, "{file}");
                assert_eq!(cert.sn(), java, "{file}");
                if !case["expected_sn"].as_str().unwrap().contains("java") {
                    assert_eq!(java, case["expected_sn"].as_str().unwrap(), "{file}");
                }
            }
            "root_cert_sn" => {
                let expected = case["expected_root_sn"].as_str().unwrap();
                assert_eq!(
                    case["results"]["java_rule_jdk17"].as_str().unwrap(),
                    expected
                );
                assert_eq!(cert::root_cert_sn(&input).unwrap(), expected, "{file}");
            }
            other => panic!("unknown case kind {other}"),
        }
    }
}

#[test]
fn exotic_issuer_follows_java_not_node_or_go() {
    let cert = Certificate::parse(cert_file("appCert_exotic_issuer.crt")).unwrap();
    assert_eq!(
        cert.issuer_dn(),
        "1.2.840.113549.1.9.1=#160e6361406578616d706c652e636f6d,CN=Exotic \\\"Quoted\\\" CA,\
         OU=测试部门,O=Test\\, Inc.,L=Hang Zhou,ST=Zhe Jiang,C=CN"
    );
    assert_eq!(cert.serial_decimal(), "5");
    assert_eq!(cert.sn(), "261e12e776c3d20ffe965cb0a84ce653");
    assert_ne!(
        cert.sn(),
        "f8255ff6d50c736d0f8daff1c14fdc46",
        "Node's value"
    );
    assert_ne!(cert.sn(), "7a7618b87b6b16be64a8187855ca3714", "Go's value");
    // The subject of the exotic CA is the same name, rendered the same way.
    let ca = Certificate::parse(cert_file("exoticCA.pem")).unwrap();
    assert_eq!(ca.subject_dn(), cert.issuer_dn());
}

#[test]
fn root_sn_keeps_rsa_family_in_file_order() {
    let bundle = cert::parse_certificates(cert_file("alipayRootCert.crt")).unwrap();
    let summary: Vec<(String, bool)> = bundle
        .iter()
        .map(|c| (c.signature_algorithm_name(), c.is_rsa_signed()))
        .collect();
    assert_eq!(
        summary,
        [
            ("sha1WithRSAEncryption".to_owned(), true),
            ("sha256WithRSAEncryption".to_owned(), true),
            ("ecdsa-with-SHA256".to_owned(), false),
            ("SM2-with-SM3".to_owned(), false),
        ]
    );
    assert_eq!(cert::root_cert_sn_of(&bundle).unwrap(), ROOT_SN);
    // sha512WithRSA (rootD) is kept, as in Java and Node (Go drops it).
    assert_eq!(
        cert::root_cert_sn(cert_file("alipayRootCert_with_sha512.crt")).unwrap(),
        "b62a283ea92a7515fe523a1a8c140714_6e8c2b202dfa79e69049f472cb5cf0f7"
    );
    // A bundle without any RSA-signed root has no SN.
    let err = cert::root_cert_sn(concat(&["rootC.pem", "rootE.pem"])).unwrap_err();
    assert_eq!(err, CertError::NoRsaRoot { certificates: 2 });
    assert!(err.to_string().contains("alipayRootCert.crt"), "{err}");
}

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

#[test]
fn public_keys_are_extracted_from_certificates() {
    let alipay = AlipayCertificate::parse(cert_file("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert_eq!(alipay.sn(), ALIPAY_SN);
    // The Alipay certificate holds exactly keys/alipay_public.pem ...
    let expected = AlipayPublicKey::parse(data("keys/alipay_public.pem")).unwrap();
    assert_eq!(alipay.public_key(), &expected);
    // ... so it verifies what keys/alipay_private_pkcs1.pem signs.
    let signer = AppPrivateKey::parse(data("keys/alipay_private_pkcs1.pem")).unwrap();
    let sig = signer.sign(SignType::Rsa2, b"response content").unwrap();
    assert!(
        alipay
            .public_key()
            .verify(SignType::Rsa2, b"response content", &sig)
    );
    assert!(
        !alipay
            .public_key()
            .verify(SignType::Rsa2, b"other content", &sig)
    );

    let app = AppCertificate::parse(cert_file("appCertPublicKey_2021000000000001.crt")).unwrap();
    assert_eq!(app.sn(), APP_SN);
    assert_eq!(
        app.public_key(),
        &AlipayPublicKey::parse(data("keys/app_public.pem")).unwrap()
    );

    // ECDSA and SM2 certificates: a clear "not RSA" error naming the algorithm.
    for (file, algorithm) in [("rootC.pem", "EC (P-256)"), ("rootE.pem", "EC (SM2)")] {
        let err = AlipayCertificate::parse(cert_file(file)).unwrap_err();
        let CertError::NotRsaKey {
            role, algorithm: a, ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(*role, CertRole::AlipayCert);
        assert_eq!(a, algorithm);
        assert!(err.to_string().contains("not RSA"), "{err}");
    }
}

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

#[test]
fn certificates_are_read_in_every_shape_users_have() {
    let pem = cert_file("alipayCertPublicKey_RSA2.crt");
    let der = Certificate::parse(&pem).unwrap().der().to_vec();
    let b64 = base64::engine::general_purpose::STANDARD;
    let variants: Vec<Vec<u8>> = vec![
        pem.replace('\n', "\r\n").into_bytes(),
        format!("\u{feff}  \n\n{}\n\n", pem.replace('\n', "\n   ")).into_bytes(),
        // Pasted out of a JSON config: literal `\n` escapes and quotes.
        format!("\"{}\"", pem.trim().replace('\n', "\\n")).into_bytes(),
        der.clone(),
        b64.encode(&der).into_bytes(),
        // alipay.open.app.alipaycert.download returns base64 of the PEM file.
        b64.encode(pem.as_bytes()).into_bytes(),
    ];
    for (i, input) in variants.iter().enumerate() {
        let cert = Certificate::parse(input).unwrap_or_else(|e| panic!("variant {i}: {e}"));
        assert_eq!(cert.sn(), ALIPAY_SN, "variant {i}");
    }

    // Concatenated DER certificates and a multi-block PEM keep file order.
    let inter_der = Certificate::parse(cert_file("inter.pem"))
        .unwrap()
        .der()
        .to_vec();
    let both = cert::parse_certificates([der.as_slice(), &inter_der].concat()).unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(both[1].sn(), "f76064d872d341818a2aa14508262373");
    let bundle = cert::parse_certificates(cert_file("real_alipayRootCert.crt")).unwrap();
    assert_eq!(bundle.len(), 4);
}

#[test]
fn wrong_inputs_get_errors_that_say_what_to_do() {
    let role = CertRole::Certificate;
    assert_eq!(
        Certificate::parse("").unwrap_err(),
        CertError::Empty { role }
    );
    assert_eq!(
        Certificate::parse(" \r\n").unwrap_err(),
        CertError::Empty { role }
    );

    let err = Certificate::parse(data("keys/app_private_pkcs8.pem")).unwrap_err();
    let CertError::NotACertificate { label, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(label, "PRIVATE KEY");
    let message = err.to_string();
    assert!(message.contains("private key"), "{message}");
    // Never echo the input.
    let key_text = text("keys/app_private_pkcs8.pem");
    assert!(
        !message.contains(&key_text.lines().nth(1).unwrap()[..20]),
        "{message}"
    );

    let err = AlipayCertificate::parse(data("keys/alipay_public.pem")).unwrap_err();
    assert!(matches!(
        &err,
        CertError::NotACertificate {
            role: CertRole::AlipayCert,
            ..
        }
    ));
    assert!(err.to_string().contains("公钥模式"), "{err}");

    for garbage in [
        &b"not a certificate at all!"[..],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        &[0x30, 0x82, 0x05],
        &[0x30, 0x03, 0x02, 0x01, 0x01],
        &[0xff, 0xfe, 0x00],
    ] {
        let err = Certificate::parse(garbage).unwrap_err();
        assert!(
            matches!(err, CertError::Malformed { .. }),
            "{:?}: {err:?}",
            String::from_utf8_lossy(garbage)
        );
        assert!(err.to_string().contains("Expected PEM"), "{err}");
    }

    // Every truncation of a real certificate fails cleanly.
    let der = Certificate::parse(cert_file("inter.pem"))
        .unwrap()
        .der()
        .to_vec();
    for len in 0..der.len() {
        assert!(Certificate::from_der(&der[..len]).is_err(), "len {len}");
    }
}

/// Fails when `shown` holds any 16-character window of the base64 body of `pem`.
fn assert_no_window_of(shown: &str, pem: &str) {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(body.len() > 200, "not PEM: {pem}");
    for start in 0..=body.len() - 16 {
        let window = &body[start..start + 16];
        assert!(!shown.contains(window), "input `{window}` shown: {shown}");
    }
}

/// Issue 10, defect 4: a PEM header without its closing dashes made the "label"
/// swallow the base64 body, which the error then quoted; with a private key given as a
/// certificate, that is about 1,800 characters of key. Every certificate entry point.
#[test]
fn malformed_pem_headers_never_put_input_into_certificate_errors() {
    let app = cert_file("appCertPublicKey_2021000000000001.crt");
    let alipay = cert_file("alipayCertPublicKey_RSA2.crt");
    let bundle = cert_file("alipayRootCert.crt");
    for pem in [
        text("keys/app_private_pkcs8.pem"),
        text("keys/app_private_pkcs1.pem"),
        alipay.clone(),
    ] {
        let begin = pem.lines().next().unwrap().to_owned();
        let end = pem.lines().last().unwrap().to_owned();
        let label = begin["-----BEGIN ".len()..begin.len() - 5].to_owned();
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let inputs = [
            pem.replacen(&begin, &format!("-----BEGIN {label}"), 1),
            pem.replacen(
                &begin,
                &format!("-----BEGIN {}-----", label.to_lowercase()),
                1,
            ),
            format!("-----BEGIN {label} {} {end}", body.join(" ")),
            format!(
                "\"{}\"",
                pem.replacen(&begin, &format!("-----BEGIN {label}"), 1)
                    .trim()
                    .replace('\n', "\\n")
            ),
            pem.replace(&end, &format!("-----END {label}")),
            // A good block followed by a broken one.
            format!(
                "{app}{}",
                pem.replacen(&begin, &format!("-----BEGIN {label}"), 1)
            ),
        ];
        for (i, input) in inputs.iter().enumerate() {
            let mut material = CertMaterial::new(&app, &alipay, &bundle).unwrap();
            let errors = [
                Certificate::parse(input).map(drop).unwrap_err(),
                cert::parse_certificates(input).map(drop).unwrap_err(),
                AppCertificate::parse(input).map(drop).unwrap_err(),
                AlipayCertificate::parse(input).map(drop).unwrap_err(),
                cert::root_cert_sn(input).map(drop).unwrap_err(),
                CertMaterial::new(input, &alipay, &bundle)
                    .map(drop)
                    .unwrap_err(),
                CertMaterial::new(&app, input, &bundle)
                    .map(drop)
                    .unwrap_err(),
                CertMaterial::new(&app, &alipay, input)
                    .map(drop)
                    .unwrap_err(),
                cert::verify_chain(input, &bundle, now()).unwrap_err(),
                cert::verify_chain(&alipay, input, now()).unwrap_err(),
                cert::verify_chain_with_intermediates(&alipay, input, &bundle, now()).unwrap_err(),
                material.add_intermediates(input).map(drop).unwrap_err(),
                material.accept_rotated(input, now()).map(drop).unwrap_err(),
            ];
            for (j, err) in errors.iter().enumerate() {
                let shown = format!("{err} {err:?}");
                assert!(
                    matches!(err, CertError::Malformed { .. }),
                    "#{i}.{j}: {shown}"
                );
                assert_no_window_of(&shown, &pem);
                assert!(err.to_string().len() < 400, "#{i}.{j}: {shown}");
            }
        }
    }
}

/// `alipay_cert_sn` arrives unverified in a response; the error quotes it only when it
/// looks like an SN.
#[test]
fn an_unknown_sn_is_quoted_only_when_it_is_shaped_like_one() {
    let material = CertMaterial::new(
        cert_file("appCertPublicKey_2021000000000001.crt"),
        concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]),
        cert_file("alipayRootCert.crt"),
    )
    .unwrap();
    let hostile = format!("{}\n\u{1b}[31m 110101199003077777", "ab".repeat(100));
    let err = material.verifier_for(Some(&hostile)).unwrap_err();
    assert_eq!(
        err,
        CertError::UnknownAlipayCertSn {
            sn: "<225 characters, not a certificate SN>".into()
        }
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("110101") && !shown.contains('\u{1b}'),
        "{shown}"
    );
}
