//! The `alipay sign --v3` / `alipay verify --v3` contract, run as a user runs it: every
//! case of `v3.json`, and cases built here that the vectors do not have.

use serde_json::Value;

mod common;

use common::{DATA, alipay};

fn vectors() -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/v3.json")).unwrap()).unwrap()
}

fn data(path: &str) -> String {
    format!("{DATA}/{path}")
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?}, stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn sign(inputs: &Value, extra: &[&str], body: &[u8]) -> std::process::Output {
    let key = data("keys/app_private_pkcs8.pem");
    let mut args = vec![
        "sign",
        "--v3",
        "--private-key",
        &key,
        "--app-id",
        inputs["app_id"].as_str().unwrap(),
        "--nonce",
        inputs["nonce"].as_str().unwrap(),
        "--timestamp",
        inputs["timestamp"].as_str().unwrap(),
        "--http-method",
        inputs["http_method"].as_str().unwrap(),
        "--url",
        inputs["request_url"].as_str().unwrap(),
        "--json",
    ];
    if let Some(sn) = inputs["app_cert_sn"].as_str() {
        args.extend(["--app-cert-sn", sn]);
    }
    if let Some(t) = inputs["app_auth_token"].as_str() {
        args.extend(["--app-auth-token", t]);
    }
    args.extend(extra);
    args.push("-");
    alipay(&args, Some(body))
}

#[test]
fn sign_v3_reproduces_every_request_case() {
    for case in vectors()["requests"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let inputs = &case["inputs"];
        let out = sign(inputs, &[], inputs["body"].as_str().unwrap().as_bytes());
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = stdout_json(&out);
        // Exactly the four members of the contract.
        assert_eq!(v.as_object().unwrap().len(), 4, "{name}: {v}");
        assert_eq!(v["auth_string"], case["expected_auth_string"], "{name}");
        assert_eq!(v["sign_string"], case["expected_sign_string"], "{name}");
        assert_eq!(v["sign"], case["expected_sign"], "{name}");
        assert_eq!(v["authorization"], case["expected_authorization"], "{name}");
    }
}

/// Inputs the vectors do not have (certificate mode with a query and a token on a GET),
/// checked against the rule written out here.
#[test]
fn sign_v3_on_cases_not_in_the_vectors() {
    let inputs = serde_json::json!({
        "app_id": "2021000000000002",
        "app_cert_sn": "fb49f095da221bc9603ae4cf378443ce",
        "nonce": "n-1",
        "timestamp": "1800000000123",
        "http_method": "GET",
        "request_url": "/v3/alipay/user/certify/open/query?certify_id=abc&x=%E4%BA%8C+1",
        "app_auth_token": "202501BBxyz",
    });
    let out = sign(&inputs, &[], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    let auth = "app_id=2021000000000002,app_cert_sn=fb49f095da221bc9603ae4cf378443ce,nonce=n-1,timestamp=1800000000123";
    assert_eq!(v["auth_string"], auth);
    assert_eq!(
        v["sign_string"],
        format!(
            "{auth}\nGET\n/v3/alipay/user/certify/open/query?certify_id=abc&x=%E4%BA%8C+1\n\n202501BBxyz\n"
        )
    );
    let signature = v["sign"].as_str().unwrap();
    assert_eq!(
        v["authorization"],
        format!("ALIPAY-SHA256withRSA {auth},sign={signature}")
    );
    // The signature is over the sign string with the app key.
    let public = alipay_api::protocol::AlipayPublicKey::parse(
        std::fs::read_to_string(data("keys/app_public.pem")).unwrap(),
    )
    .unwrap();
    assert!(
        alipay_api::protocol::verify_base64(
            &public,
            alipay_api::protocol::SignType::Rsa2,
            alipay_api::protocol::Charset::Utf8,
            v["sign_string"].as_str().unwrap(),
            signature,
        )
        .unwrap()
    );
    // PKCS#1 v1.5 is deterministic: the same input signs the same.
    let again = sign_with_body(&inputs, b"");
    assert_eq!(again["sign"], v["sign"]);
    // A different body changes the signature and the body line.
    let other = sign_with_body(&inputs, b"{\"a\":1}");
    assert_ne!(other["sign"], v["sign"]);
    assert!(
        other["sign_string"]
            .as_str()
            .unwrap()
            .contains("\n{\"a\":1}\n")
    );

    // A line break in the URL would forge a sign-string line: refused, exit 2.
    let mut bad = inputs.clone();
    bad["request_url"] = Value::from("/v3/x\nPOST");
    let out = sign(&bad, &[], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("path_and_query"));

    // AES: the body is encrypted and the ciphertext is what is signed (the vector case).
    let case = &vectors()["requests"][5];
    assert_eq!(case["name"], "aes_encrypted_body");
    let key_file = std::env::temp_dir().join(format!("alipay-v3-aes-{}", std::process::id()));
    std::fs::write(&key_file, vectors()["aes_key_base64"].as_str().unwrap()).unwrap();
    // The plaintext behind the vector's ciphertext (zero IV: encryption is
    // deterministic, so the CLI must produce the very ciphertext the Node SDK signed).
    let plain = alipay_protocol_decrypt(
        vectors()["aes_key_base64"].as_str().unwrap(),
        case["inputs"]["body"].as_str().unwrap(),
    );
    let out = sign(
        &case["inputs"],
        &["--aes-key", key_file.to_str().unwrap()],
        plain.as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["sign"], case["expected_sign"]);
}

fn alipay_protocol_decrypt(key_b64: &str, ciphertext: &str) -> String {
    // The CLI's crate depends on the protocol crate; tests reach it through alipay-api.
    let key = alipay_api::protocol::AesKey::from_base64(key_b64).unwrap();
    key.decrypt(ciphertext, alipay_api::protocol::Charset::Utf8)
        .unwrap()
}

fn sign_with_body(inputs: &Value, body: &[u8]) -> Value {
    let out = sign(inputs, &[], body);
    assert!(out.status.success());
    stdout_json(&out)
}

fn verify(
    headers: &Value,
    status: u64,
    body: &[u8],
    key_file: &str,
    extra: &[&str],
) -> std::process::Output {
    let h = |name: &str| headers.get(name).and_then(Value::as_str).unwrap_or("");
    let status = status.to_string();
    let mut args = vec![
        "verify",
        "--v3",
        "--alipay-public-key",
        key_file,
        "--timestamp",
        h("alipay-timestamp"),
        "--nonce",
        h("alipay-nonce"),
        "--signature",
        h("alipay-signature"),
        "--status",
        &status,
        "--json",
    ];
    if let Some(sn) = headers.get("alipay-sn").and_then(Value::as_str) {
        args.extend(["--alipay-sn", sn]);
    }
    args.extend(extra);
    args.push("-");
    alipay(&args, Some(body))
}

#[test]
fn verify_v3_gives_every_response_outcome() {
    let v = vectors();
    let aes = std::env::temp_dir().join(format!("alipay-v3-aes-r-{}", std::process::id()));
    std::fs::write(&aes, v["aes_key_base64"].as_str().unwrap()).unwrap();
    for case in v["responses"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expected = case["expected"].as_str().unwrap();
        // Certificate mode for the case that names a certificate: the Alipay certificate
        // stands in for the key.
        let key = if case["headers"].get("alipay-sn").is_some() {
            data("certs/alipayCertPublicKey_RSA2.crt")
        } else {
            data("keys/alipay_public.pem")
        };
        let out = verify(
            &case["headers"],
            case["status"].as_u64().unwrap(),
            case["body"].as_str().unwrap().as_bytes(),
            &key,
            &["--aes-key", aes.to_str().unwrap()],
        );
        let j = stdout_json(&out);
        assert_eq!(
            j["outcome"],
            expected,
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ok = matches!(expected, "verified" | "verified_error");
        assert_eq!(out.status.code(), Some(if ok { 0 } else { 1 }), "{name}");
        if expected == "verified" {
            assert_eq!(j.as_object().unwrap().len(), 2, "{name}: {j}");
            assert_eq!(j["body"], case["node_sdk"]["data"], "{name}");
        } else {
            assert_eq!(j.as_object().unwrap().len(), 1, "{name}: {j}");
        }
    }
}

fn answer(body: &str) -> (Value, String) {
    // A fresh answer signed here with the Alipay test key, through the protocol crate.
    use alipay_api::protocol::envelope::sign_base64;
    use alipay_api::protocol::{AppPrivateKey, Charset, SignType};
    let key = AppPrivateKey::parse(
        std::fs::read_to_string(data("keys/alipay_private_pkcs1.pem")).unwrap(),
    )
    .unwrap();
    let (ts, nonce) = ("1800000000000", "c3a1e0b2f4d5");
    let message = format!("{ts}\n{nonce}\n{body}\n");
    let sig = sign_base64(&key, SignType::Rsa2, Charset::Utf8, &message).unwrap();
    let headers = serde_json::json!({
        "alipay-timestamp": ts,
        "alipay-nonce": nonce,
        "alipay-signature": sig,
    });
    (headers, body.to_owned())
}

#[test]
fn verify_v3_on_answers_not_in_the_vectors() {
    let key = data("keys/alipay_public.pem");
    let (headers, body) = answer("{\"certify_id\":\"abc\",\"note\":\"a\\nb\"}");
    let out = verify(&headers, 200, body.as_bytes(), &key, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["body"]["certify_id"], "abc");

    // A tampered body.
    let out = verify(
        &headers,
        200,
        b"{\"certify_id\":\"abd\",\"note\":\"a\\nb\"}",
        &key,
        &[],
    );
    assert_eq!(stdout_json(&out)["outcome"], "signature_invalid");
    assert_eq!(out.status.code(), Some(1));

    // --max-age turns the freshness check on: 1 s after signing is fine, 10 min is not.
    let fresh = verify(
        &headers,
        200,
        body.as_bytes(),
        &key,
        &["--max-age", "300", "--now", "1800000001000"],
    );
    assert_eq!(stdout_json(&fresh)["outcome"], "verified");
    let stale = verify(
        &headers,
        200,
        body.as_bytes(),
        &key,
        &["--max-age", "300", "--now", "1800000600000"],
    );
    assert_eq!(stdout_json(&stale)["outcome"], "reject_stale");
    assert_eq!(stale.status.code(), Some(1));

    // A signed 503 is a verified error (exit 0, no body member).
    let (headers_e, body_e) = answer("{\"code\":\"SYSTEM_ERROR\",\"message\":\"busy\"}");
    let out = verify(&headers_e, 503, body_e.as_bytes(), &key, &[]);
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"outcome": "verified_error"})
    );
    assert_eq!(out.status.code(), Some(0));

    // A truncated body does not verify.
    let trimmed = verify(
        &headers,
        200,
        body.trim_end_matches('}').as_bytes(),
        &key,
        &[],
    );
    assert_eq!(stdout_json(&trimmed)["outcome"], "signature_invalid");
}

#[test]
fn verify_v3_shows_a_hostile_unsigned_5xx_only_sanitised() {
    let key = data("keys/alipay_public.pem");
    let hostile = "{\"code\":\"\\u001b[2J\\u001b[31mSUCCESS\",\"message\":\"verified OK\\r\\nid 110101199003077777 \\u202egnp.exe\",\"links\":[]}";
    let empty = serde_json::json!({});
    for json in [true, false] {
        let out = if json {
            verify(&empty, 500, hostile.as_bytes(), &key, &[])
        } else {
            alipay(
                &[
                    "verify",
                    "--v3",
                    "--alipay-public-key",
                    &key,
                    "--timestamp",
                    "",
                    "--nonce",
                    "",
                    "--signature",
                    "",
                    "--status",
                    "500",
                    "-",
                ],
                Some(hostile.as_bytes()),
            )
        };
        assert_eq!(out.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("unsigned_error_response"), "{all}");
        assert!(all.contains("UNVERIFIED"), "{all}");
        assert!(
            !all.contains('\u{1b}') && !all.contains('\r') && !all.contains('\u{202e}'),
            "{all:?}"
        );
        assert!(!all.contains("110101199003077777"), "{all}");
        if json {
            assert_eq!(
                stdout_json(&out),
                serde_json::json!({"outcome": "unsigned_error_response"})
            );
        }
    }
}

#[test]
fn v3_flags_need_v3_and_v1_flags_are_refused_with_it() {
    let key = data("keys/alipay_public.pem");
    // --nonce without --v3 is a usage error.
    let out = alipay(
        &[
            "verify",
            "--alipay-public-key",
            &key,
            "--method",
            "alipay.trade.query",
            "--nonce",
            "x",
            "-",
        ],
        Some(b"{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--nonce"));
    // Missing v3 flags with --v3 are a usage error too.
    let out = alipay(
        &["verify", "--v3", "--alipay-public-key", &key, "-"],
        Some(b"{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    // --v3 with --sign-type RSA is refused: v3 is SHA256withRSA only.
    let out = alipay(
        &[
            "verify",
            "--v3",
            "--alipay-public-key",
            &key,
            "--timestamp",
            "1",
            "--nonce",
            "n",
            "--signature",
            "",
            "--sign-type",
            "RSA",
            "-",
        ],
        Some(b"{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RSA2"));
}
