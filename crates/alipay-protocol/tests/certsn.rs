//! Certificate mode: every case of `certsn.json`, the chain check for a rotated Alipay
//! certificate, key extraction and the errors users get for the wrong file.

use alipay_protocol::cert::{
    self, AlipayCertificate, AppCertificate, CertError, CertMaterial, CertRole, Certificate,
};
use alipay_protocol::{AlipayPublicKey, AppPrivateKey, SignType, Signer, Timestamp, Verifier};
use base64::Engine as _;
use serde_json::Value;

// A test target's own modules live beside it, in `certsn/`.
#[path = "certsn/chain.rs"]
mod chain;
#[path = "certsn/errors.rs"]
mod errors;
#[path = "certsn/rotation.rs"]
mod rotation;

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
