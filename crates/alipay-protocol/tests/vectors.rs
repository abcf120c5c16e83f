//! Reproduces the official-SDK vectors in `tests/data` (copied from the shared vector
//! set) byte for byte, through every built-in crypto path and every key format.

use std::path::PathBuf;

use alipay_protocol::response::{Checked, ResponseError};
use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Charset, Outcome, RustCryptoSigner, RustCryptoVerifier,
    SignType, SignedRequest, Signer, Verifier, VerifyOptions, verify_response,
};
use serde_json::Value;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap()
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// The app key in every format Alipay users hold it in.
fn app_keys() -> Vec<(&'static str, AppPrivateKey)> {
    [
        "keys/app_private_pkcs1.pem",
        "keys/app_private_pkcs8.pem",
        "keys/app_private_pkcs1.b64",
        "keys/app_private_pkcs8.b64",
    ]
    .into_iter()
    .map(|p| (p, AppPrivateKey::parse(read(p)).unwrap()))
    .collect()
}

fn alipay_keys() -> Vec<(&'static str, AlipayPublicKey)> {
    [
        "keys/alipay_public.pem",
        "keys/alipay_public.b64",
        "keys/alipay_public_pkcs1.pem",
    ]
    .into_iter()
    .map(|p| (p, AlipayPublicKey::parse(read(p)).unwrap()))
    .collect()
}

fn params_of(case: &Value) -> Vec<(String, String)> {
    case["params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn sign_vectors_every_key_format_and_backend() {
    let vectors = json("sign.json");
    let keys = app_keys();
    let app_public = AlipayPublicKey::parse(read("keys/app_public.pem")).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let sign_type: SignType = case["sign_type"].as_str().unwrap().parse().unwrap();
        let charset: Charset = case["charset"].as_str().unwrap().parse().unwrap();
        // Where Python signs empty values, the Java rule is the correct one.
        let (content, sign) = match case.get("java_rule_sign_content") {
            Some(c) => (c, &case["java_rule_sign"]),
            None => (&case["expected_sign_content"], &case["expected_sign"]),
        };
        let (content, sign) = (content.as_str().unwrap(), sign.as_str().unwrap());
        let params = params_of(case);
        for (key_name, key) in &keys {
            let rc = RustCryptoSigner(key);
            let signers: [(&str, &dyn Signer); 2] = [("default", key), ("rustcrypto", &rc)];
            for (backend, signer) in signers {
                let signed = SignedRequest::sign_params(
                    params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    sign_type,
                    charset,
                    signer,
                )
                .unwrap();
                assert_eq!(signed.sign_content(), content, "{name} content");
                assert_eq!(signed.sign(), sign, "{name} sign via {key_name}/{backend}");
                // Empty values are not transmitted either.
                assert!(signed.params().iter().all(|(_, v)| !v.is_empty()), "{name}");
            }
        }
        if let Some(hex) = case.get("expected_sign_content_gbk_hex") {
            let bytes = charset.encode(content).unwrap();
            assert_eq!(
                hex::encode(&bytes),
                hex.as_str().unwrap(),
                "{name} gbk bytes"
            );
        }
        if let Some(sha) = case.get("expected_sign_content_sha256") {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(content.as_bytes());
            assert_eq!(hex::encode(digest), sha.as_str().unwrap(), "{name}");
        }
        // Both verifiers accept the vector's signature with the app public key.
        let raw = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(sign)
                .unwrap()
        };
        let bytes = charset.encode(content).unwrap();
        assert!(app_public.verify(sign_type, &bytes, &raw), "{name}");
        assert!(
            RustCryptoVerifier(&app_public).verify(sign_type, &bytes, &raw),
            "{name}"
        );
    }
}

#[test]
fn node_natural_requests_without_format() {
    // Node never sends `format`; signing what it sends gives its signature.
    let vectors = json("sign.json");
    let key = AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap();
    let mut checked = 0;
    for case in vectors["cases"].as_array().unwrap() {
        let node = &case["crosscheck"]["node_alipay_sdk_4_14_0"];
        let (Some(content), Some(sign)) = (
            node["natural_sign_content_without_format"].as_str(),
            node["natural_sign"].as_str(),
        ) else {
            continue;
        };
        let params = params_of(case);
        // Node signs `k=` for empty values (a defect we do not copy): not comparable.
        if params.iter().any(|(_, v)| v.is_empty()) {
            continue;
        }
        let sign_type: SignType = case["sign_type"].as_str().unwrap().parse().unwrap();
        let signed = SignedRequest::sign_params(
            params
                .iter()
                .filter(|(k, _)| k != "format")
                .map(|(k, v)| (k.as_str(), v.as_str())),
            sign_type,
            Charset::Utf8,
            &key,
        )
        .unwrap();
        assert_eq!(signed.sign_content(), content);
        assert_eq!(signed.sign(), sign);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} node cases");
}

fn body_bytes(case: &Value) -> Vec<u8> {
    let body = case["body"].as_str().unwrap();
    match case.get("body_encoding").and_then(Value::as_str) {
        Some("gbk") => Charset::Gbk.encode(body).unwrap().into_owned(),
        _ => body.as_bytes().to_vec(),
    }
}

#[test]
fn response_vectors_every_verifier() {
    let vectors = json("response.json");
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for (key_name, key) in alipay_keys() {
        let rc = RustCryptoVerifier(&key);
        let verifiers: [(&str, &dyn Verifier); 2] = [("aws-lc", &key), ("rustcrypto", &rc)];
        for (backend, verifier) in verifiers {
            for case in cases {
                let name = case["name"].as_str().unwrap();
                let ctx = format!("{name} via {key_name}/{backend}");
                let opts = VerifyOptions {
                    method: case["method"].as_str().unwrap(),
                    sign_type: case["sign_type"].as_str().unwrap().parse().unwrap(),
                    charset: case["charset"].as_str().unwrap().parse().unwrap(),
                    verifier,
                };
                let expected = case["expected_outcome"].as_str().unwrap();
                let result = verify_response(&body_bytes(case), &opts);
                let outcome = match &result {
                    Ok(c) => c.outcome(),
                    Err(e) => e.outcome(),
                };
                assert_eq!(outcome.as_str(), expected, "{ctx}: {result:?}");
                let signed = case["signed_content"].as_str();
                match result {
                    Ok(Checked::Verified(v)) => {
                        if outcome == Outcome::Verified {
                            assert_eq!(Some(v.raw()), signed, "{ctx}");
                        }
                        check_fields(case, &v.parse::<Value>().ok(), v.alipay_cert_sn(), &ctx);
                    }
                    Ok(Checked::UnsignedError(u)) => {
                        let node: Value = serde_json::from_str(&u.raw).unwrap();
                        check_fields(case, &Some(node), None, &ctx);
                        assert_eq!(u.status.code, case["expected_fields"]["code"], "{ctx}");
                    }
                    Err(ResponseError::SignatureInvalid { signed_span, .. }) => {
                        assert_eq!(Some(signed_span.as_str()), signed, "{ctx}");
                    }
                    Err(_) => {}
                }
            }
        }
    }
}

fn check_fields(case: &Value, node: &Option<Value>, cert_sn: Option<&str>, ctx: &str) {
    let Some(node) = node.as_ref().filter(|n| n.is_object()) else {
        // Encrypted responses are checked for their span only until decryption exists.
        assert!(
            case.get("key_base64").is_some(),
            "{ctx}: node is not an object"
        );
        return;
    };
    for (k, v) in case["expected_fields"].as_object().unwrap() {
        if k == "alipay_cert_sn" {
            assert_eq!(cert_sn, v.as_str(), "{ctx}");
        } else {
            assert_eq!(&node[k], v, "{ctx}: field {k}");
        }
    }
}

#[test]
fn truncated_and_garbage_bodies_are_malformed() {
    let vectors = json("response.json");
    let key = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    let case = &vectors["cases"][0];
    let body = case["body"].as_str().unwrap();
    let opts = VerifyOptions {
        method: case["method"].as_str().unwrap(),
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &key,
    };
    for cut in [1, 10, body.len() / 2, body.len() - 1] {
        let err = verify_response(&body.as_bytes()[..cut], &opts).unwrap_err();
        assert_eq!(err.outcome(), Outcome::RejectMalformed, "cut at {cut}");
    }
    let err = verify_response(b"<html>502 Bad Gateway</html>", &opts).unwrap_err();
    assert_eq!(err.outcome(), Outcome::RejectMalformed);
    assert!(err.to_string().contains("not a JSON object"), "{err}");
    let err = verify_response(b"{\"other_response\":{}}", &opts).unwrap_err();
    assert!(err.to_string().contains("error_response"), "{err}");
}

#[test]
fn envelope_matches_python_capture() {
    // The gateway sees the union of query and body; ours must carry the same
    // parameters with the same values and signature as the captured Python request.
    let vectors = json("envelope.json");
    let py = &vectors["python_alipay_sdk_3_7_1411"];
    let key = AppPrivateKey::parse(read("keys/app_private_pkcs8.b64")).unwrap();
    let mut sent: Vec<(String, String)> = Vec::new();
    for list in ["query_params_in_order", "body_params_in_order"] {
        for pair in py[list].as_array().unwrap() {
            sent.push((
                pair[0].as_str().unwrap().into(),
                pair[1].as_str().unwrap().into(),
            ));
        }
    }
    let unsigned: Vec<(&str, &str)> = sent
        .iter()
        .filter(|(k, _)| k != "sign")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = SignedRequest::sign_params(unsigned, SignType::Rsa2, Charset::Utf8, &key).unwrap();
    assert_eq!(signed.sign_content(), py["sign_content"].as_str().unwrap());
    let mut ours: Vec<(String, String)> = form_pairs(&signed.query())
        .chain(form_pairs(&signed.body()))
        .collect();
    let mut theirs = sent.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    // biz_content is percent-encoded the same way (space as '+').
    let biz = signed
        .body()
        .split('&')
        .find(|p| p.starts_with("biz_content="))
        .unwrap()
        .to_owned();
    assert_eq!(biz, py["body"].as_str().unwrap());
    // Personal data stays out of the URL; the token too.
    assert!(!signed.query().contains("biz_content"));
    assert!(!signed.query().contains("app_auth_token"));
    assert!(signed.query().contains("sign="));
    assert_eq!(
        signed.content_type(),
        "application/x-www-form-urlencoded;charset=utf-8"
    );
}

fn form_pairs(s: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(s.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

#[test]
fn aes_vectors() {
    use alipay_protocol::AesKey;
    let vectors = json("aes.json");
    assert_eq!(vectors["cases"].as_array().unwrap().len(), 4);
    for case in vectors["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let key = AesKey::from_base64(case["key_base64"].as_str().unwrap()).unwrap();
        let plain = case["plaintext"].as_str().unwrap();
        let cipher = case["ciphertext_base64"].as_str().unwrap();
        assert_eq!(key.encrypt(plain, Charset::Utf8).unwrap(), cipher, "{name}");
        assert_eq!(key.decrypt(cipher, Charset::Utf8).unwrap(), plain, "{name}");
    }
    // Encrypt, then sign: the request vector's ciphertext and signature.
    let req = &vectors["encrypted_request"];
    let key = AesKey::from_base64(req["key_base64"].as_str().unwrap()).unwrap();
    let cipher = key
        .encrypt(
            req["biz_content_plaintext"].as_str().unwrap(),
            Charset::Utf8,
        )
        .unwrap();
    assert_eq!(cipher, req["params"]["biz_content"].as_str().unwrap());
    let app = AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap();
    let params = params_of(req);
    let signed = SignedRequest::sign_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignType::Rsa2,
        Charset::Utf8,
        &app,
    )
    .unwrap();
    assert_eq!(
        signed.sign_content(),
        req["expected_sign_content"].as_str().unwrap()
    );
    assert_eq!(signed.sign(), req["expected_sign"].as_str().unwrap());
    // The envelope helper encrypts, adds encrypt_type=AES and signs the same way.
    let p = &req["params"];
    let mut common = alipay_protocol::CommonParams::new(p["app_id"].as_str().unwrap());
    common.format = String::new(); // Node, which produced the vector, sends no `format`
    let call = alipay_protocol::Call {
        method: p["method"].as_str().unwrap(),
        biz_content: Some(req["biz_content_plaintext"].as_str().unwrap()),
        timestamp: alipay_protocol::Timestamp::parse_beijing(p["timestamp"].as_str().unwrap())
            .unwrap(),
        app_auth_token: None,
    };
    let helper = SignedRequest::new_encrypted(&common, &call, &key, &app).unwrap();
    assert_eq!(
        helper.sign_content(),
        req["expected_sign_content"].as_str().unwrap()
    );
    assert_eq!(helper.param("encrypt_type"), Some("AES"));
    assert_eq!(helper.sign(), req["expected_sign"].as_str().unwrap());
    // Verify the quoted token, then decrypt.
    let resp = &vectors["encrypted_response"];
    let alipay = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    let opts = VerifyOptions {
        method: resp["method"].as_str().unwrap(),
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &alipay,
    };
    let Ok(Checked::Verified(v)) =
        verify_response(resp["body"].as_str().unwrap().as_bytes(), &opts)
    else {
        panic!("encrypted response did not verify");
    };
    assert_eq!(v.raw(), resp["signed_content"].as_str().unwrap());
    assert!(v.is_encrypted());
    let v = v.decrypt(&key, Charset::Utf8).unwrap();
    assert_eq!(v.raw(), resp["decrypted_plaintext"].as_str().unwrap());
    assert_eq!(v.status().unwrap().code, "10000");
    let fields: Value = v.parse().unwrap();
    for (k, want) in resp["expected_fields"].as_object().unwrap() {
        assert_eq!(&fields[k], want, "{k}");
    }
    // A wrong key fails on padding, never yields garbage as data.
    let wrong = AesKey::from_base64("mBXPQtHeNMoU5wOTqWbIpK0gpNKUEeBBA+Pq07e/p+c=").unwrap();
    let Ok(Checked::Verified(v)) =
        verify_response(resp["body"].as_str().unwrap().as_bytes(), &opts)
    else {
        panic!()
    };
    assert!(v.decrypt(&wrong, Charset::Utf8).is_err());
    assert!(AesKey::from_base64("c2hvcnQ=").is_err());

    // Two-phase verification: the selector sees the parsed node before choosing a key,
    // and its own rejection comes back unchanged.
    #[derive(Debug, PartialEq)]
    enum Why {
        Response(alipay_protocol::Outcome),
        NoSn,
    }
    impl From<ResponseError> for Why {
        fn from(e: ResponseError) -> Self {
            Why::Response(e.outcome())
        }
    }
    let body = resp["body"].as_str().unwrap().as_bytes();
    let method = resp["method"].as_str().unwrap();
    let checked = alipay_protocol::verify_response_with(
        body,
        method,
        SignType::Rsa2,
        Charset::Utf8,
        |node| {
            assert!(node.status.is_none(), "an encrypted node has no status");
            assert!(!node.is_error());
            Ok::<_, Why>(&alipay as &dyn alipay_protocol::Verifier)
        },
    )
    .unwrap();
    assert_eq!(checked.outcome(), alipay_protocol::Outcome::Verified);
    let refused = alipay_protocol::verify_response_with(
        body,
        method,
        SignType::Rsa2,
        Charset::Utf8,
        |node| match node.alipay_cert_sn {
            Some(_) => Ok(&alipay as &dyn alipay_protocol::Verifier),
            None => Err(Why::NoSn),
        },
    );
    assert_eq!(refused.unwrap_err(), Why::NoSn);
    let app_public = AlipayPublicKey::parse(read("keys/app_public.pem")).unwrap();
    let wrong_key =
        alipay_protocol::verify_response_with(body, method, SignType::Rsa2, Charset::Utf8, |_| {
            Ok::<_, Why>(&app_public as &dyn alipay_protocol::Verifier)
        });
    assert_eq!(
        wrong_key.unwrap_err(),
        Why::Response(alipay_protocol::Outcome::SignatureInvalid)
    );
}

#[test]
fn notify_vectors_from_the_raw_form_body() {
    use alipay_protocol::notify::{NotifyError, verify_notification};
    let vectors = json("notify.json");
    let alipay = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    assert_eq!(vectors["cases"].as_array().unwrap().len(), 2);
    for case in vectors["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        // Encode the decoded params as a form body, as Alipay posts it.
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                case["params_form_decoded"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k, v.as_str().unwrap())),
            )
            .finish();
        let verified = verify_notification(body.as_bytes(), SignType::Rsa2, &alipay)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verified.sign_content(),
            case["expected_sign_content"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(verified.get("subject"), Some("测试商品 & more"), "{name}");
        // Decoding twice would turn `+` or `%25` into something else: tampering is caught.
        let tampered = body.replacen("subject=", "subject=X", 1);
        assert_eq!(
            verify_notification(tampered.as_bytes(), SignType::Rsa2, &alipay).unwrap_err(),
            NotifyError::SignatureInvalid,
            "{name}"
        );
        // The unsigned sign_type cannot downgrade the algorithm.
        let downgraded = body.replace("sign_type=RSA2", "sign_type=RSA");
        assert!(
            matches!(
                verify_notification(downgraded.as_bytes(), SignType::Rsa2, &alipay),
                Err(NotifyError::SignTypeMismatch { .. })
            ),
            "{name}"
        );
    }
}
