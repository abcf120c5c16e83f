//! `alipay cert-sn`, run as a user runs it, on the repository's test certificates.

use std::process::Output;

use serde_json::Value;

mod common;

use common::{DATA, alipay};

fn cert(name: &str) -> String {
    format!("{DATA}/certs/{name}")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn every_certsn_vector_as_text_and_json() {
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/certsn.json")).unwrap())
            .unwrap();
    for case in vectors["cases"].as_array().unwrap() {
        let file = format!("{DATA}/{}", case["file"].as_str().unwrap());
        let text = stdout(&alipay(&["cert-sn", &file], None));
        let json: Value =
            serde_json::from_str(&stdout(&alipay(&["cert-sn", "--json", &file], None))).unwrap();
        match case["kind"].as_str().unwrap() {
            "cert_sn" => {
                let java = case["results"]["java_rule_jdk17"].as_str().unwrap();
                assert_eq!(text, format!("{java}\n"), "{file}");
                assert_eq!(json["sn"], java, "{file}");
                let entry = &json["certificates"][0];
                assert_eq!(entry["md5_input"], case["md5_input"], "{file}");
                assert_eq!(entry["issuer"], case["issuer_dn_java_rfc2253"], "{file}");
                assert_eq!(entry["serial"], case["serial_decimal"], "{file}");
            }
            "root_cert_sn" => {
                let expected = case["expected_root_sn"].as_str().unwrap();
                assert_eq!(text.lines().next(), Some(expected), "{file}");
                assert_eq!(json["root_cert_sn"], expected, "{file}");
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

#[test]
fn bundle_lists_each_certificate_with_kept_or_skipped() {
    let text = stdout(&alipay(&["cert-sn", &cert("alipayRootCert.crt")], None));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[0],
        "ec3581008485990ca03f31b6d88e1bcc_b62a283ea92a7515fe523a1a8c140714"
    );
    let expect = [
        (
            "ec3581008485990ca03f31b6d88e1bcc",
            "sha1WithRSAEncryption",
            "kept",
            "CN=Test Financial Root CA,",
        ),
        (
            "b62a283ea92a7515fe523a1a8c140714",
            "sha256WithRSAEncryption",
            "kept",
            "CN=Test Financial Certification Authority R1,",
        ),
        (
            "",
            "ecdsa-with-SHA256",
            "skipped",
            "CN=Test Financial Certification Authority E1,",
        ),
        ("", "SM2-with-SM3", "skipped", "CN=Test Financial SM2 Root,"),
    ];
    for (line, (sn, alg, kept, subject)) in lines[1..].iter().zip(expect) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0].len(), 32, "{line}");
        if !sn.is_empty() {
            assert_eq!(fields[0], sn, "{line}");
        }
        assert_eq!(fields[1], alg, "{line}");
        assert_eq!(fields[2], kept, "{line}");
        assert!(line.contains(subject), "{line}");
    }

    let json: Value = serde_json::from_str(&stdout(&alipay(
        &["cert-sn", "--json", &cert("alipayRootCert.crt")],
        None,
    )))
    .unwrap();
    let kept: Vec<bool> = json["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kept"].as_bool().unwrap())
        .collect();
    assert_eq!(kept, [true, true, false, false]);
    assert_eq!(json["certificates"][3]["public_key_algorithm"], "EC (SM2)");
    assert_eq!(
        json["certificates"][0]["signature_algorithm_oid"],
        "1.2.840.113549.1.1.5"
    );
}

#[test]
fn reads_standard_input_and_leaf_plus_intermediate_files() {
    let pem = std::fs::read(cert("appCertPublicKey_2021000000000001.crt")).unwrap();
    let out = alipay(&["cert-sn", "-"], Some(&pem));
    assert_eq!(stdout(&out), "fb49f095da221bc9603ae4cf378443ce\n");

    // Leaf + intermediate is a two-certificate file: both are listed.
    let mut chain = std::fs::read(cert("alipayCertPublicKey_RSA2.crt")).unwrap();
    chain.extend(std::fs::read(cert("inter.pem")).unwrap());
    let text = stdout(&alipay(&["cert-sn", "-"], Some(&chain)));
    assert!(text.contains("08786043f57c0d43978d8e4880cd1abb"), "{text}");
    assert!(text.contains("f76064d872d341818a2aa14508262373"), "{text}");
}

#[test]
fn errors_exit_2_with_a_message() {
    // A bundle without RSA roots: the lines are shown, then the error.
    let mut no_rsa = std::fs::read(cert("rootC.pem")).unwrap();
    no_rsa.extend(std::fs::read(cert("rootE.pem")).unwrap());
    let out = alipay(&["cert-sn", "-"], Some(&no_rsa));
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains("skipped"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("none is signed with RSA"), "{stderr}");

    // A private key instead of a certificate.
    let out = alipay(
        &["cert-sn", &format!("{DATA}/keys/app_private_pkcs1.pem")],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("private key"), "{stderr}");

    // A missing file names the path.
    let out = alipay(&["cert-sn", "/nonexistent/cert.crt"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/cert.crt"));

    // Garbage and empty input.
    for input in [&b"hello"[..], b""] {
        let out = alipay(&["cert-sn", "-"], Some(input));
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    }

    // Usage error: no FILE.
    let out = alipay(&["cert-sn"], None);
    assert_eq!(out.status.code(), Some(2));
}
