//! The `alipay sign` / `alipay verify` contract, run as a user runs it.

use serde_json::Value;

mod common;

use common::{DATA, alipay};

fn vectors(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/{name}")).unwrap()).unwrap()
}

fn key(path: &str) -> String {
    format!("{DATA}/keys/{path}")
}

fn tmp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alipay-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn sign_reproduces_every_vector_as_json() {
    for case in vectors("sign.json")["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let params = serde_json::to_vec(&case["params"]).unwrap();
        let out = alipay(
            &[
                "sign",
                "--private-key",
                &key("app_private_pkcs8.b64"),
                "--json",
                "-",
            ],
            Some(&params),
        );
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let (content, sign) = match case.get("java_rule_sign_content") {
            Some(c) => (c, &case["java_rule_sign"]),
            None => (&case["expected_sign_content"], &case["expected_sign"]),
        };
        assert_eq!(&v["sign_content"], content, "{name}");
        assert_eq!(&v["sign"], sign, "{name}");
        assert_eq!(
            v.as_object().unwrap().len(),
            2,
            "{name}: exactly two members"
        );
    }
}

#[test]
fn sign_human_output_and_errors() {
    let params = tmp_file(
        "p.json",
        br#"{"app_id":"1","method":"m","biz_content":"{}"}"#,
    );
    let out = alipay(
        &[
            "sign",
            "--private-key",
            &key("app_private_pkcs1.pem"),
            params.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("app_id=1&biz_content={}&method=m"), "{text}");

    let bad = tmp_file("bad.json", br#"{"app_id":"1","total":12}"#);
    let out = alipay(
        &[
            "sign",
            "--private-key",
            &key("app_private_pkcs1.pem"),
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("`total` is a JSON number"), "{err}");

    let out = alipay(
        &[
            "sign",
            "--private-key",
            &key("app_public.pem"),
            params.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("is a public key"), "{err}");

    let out = alipay(
        &["sign", "--private-key", "/nonexistent/key.pem", "-"],
        Some(b"{}"),
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/nonexistent/key.pem"), "{err}");
}

#[test]
fn verify_reproduces_every_response_vector() {
    for case in vectors("response.json")["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let body = case["body"].as_str().unwrap();
        let charset = case["charset"].as_str().unwrap();
        let bytes = if charset == "gbk" {
            encoding_rs::GBK.encode(body).0.into_owned()
        } else {
            body.as_bytes().to_vec()
        };
        let out = alipay(
            &[
                "verify",
                "--alipay-public-key",
                &key("alipay_public.pem"),
                "--method",
                case["method"].as_str().unwrap(),
                "--sign-type",
                case["sign_type"].as_str().unwrap(),
                "--charset",
                charset,
                "--json",
                "-",
            ],
            Some(&bytes),
        );
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let expected = case["expected_outcome"].as_str().unwrap();
        assert_eq!(v["outcome"], expected, "{name}");
        let ok = expected.starts_with("verified");
        assert_eq!(out.status.success(), ok, "{name}: exit status");
        for key in ["outcome", "node", "code", "sub_code", "fields"] {
            assert!(v.get(key).is_some(), "{name}: missing {key}");
        }
        if ok && case.get("key_base64").is_none() {
            let parsed: Value = serde_json::from_str(body).unwrap();
            let response_key = case["response_key"].as_str().unwrap();
            let node = if parsed.get(response_key).is_some() {
                response_key
            } else {
                "error_response"
            };
            assert_eq!(v["node"], node, "{name}");
            for (k, want) in case["expected_fields"].as_object().unwrap() {
                if k != "alipay_cert_sn" {
                    assert_eq!(&v["fields"][k], want, "{name}: {k}");
                }
            }
            assert_eq!(v["code"], case["expected_fields"]["code"], "{name}");
        }
        assert_eq!(
            v.as_object().unwrap().len(),
            5,
            "{name}: exactly the contract's members"
        );
        if expected == "signature_invalid" {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let span = case["signed_content"].as_str().unwrap();
            assert!(
                stderr.contains(span),
                "{name}: the checked span is shown: {stderr}"
            );
            assert_eq!(
                v["fields"],
                serde_json::json!({}),
                "{name}: no unverified data"
            );
        }
        if expected == "unsigned_error_response" {
            assert_eq!(v["node"], "error_response");
            assert_eq!(v["sub_code"], case["expected_fields"]["sub_code"]);
        }
    }
}

#[test]
fn verify_points_at_the_sign_type_mistake() {
    let case = vectors("response.json")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "rsa_sha1_response")
        .unwrap()
        .clone();
    let out = alipay(
        &[
            "verify",
            "--alipay-public-key",
            &key("alipay_public.b64"),
            "--method",
            "alipay.trade.query",
            "-",
        ],
        Some(case["body"].as_str().unwrap().as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("signature_invalid"), "{text}");
    assert!(text.contains("verifies with --sign-type RSA"), "{text}");
}

#[test]
fn verify_diagnoses_own_public_key() {
    let out = alipay(
        &[
            "verify",
            "--alipay-public-key",
            &key("app_public.pem"),
            "--app-private-key",
            &key("app_private_pkcs1.b64"),
            "--method",
            "x",
            "-",
        ],
        Some(b"{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("your app's own public key"), "{err}");
}
