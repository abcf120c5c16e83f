//! OpenAPI v3: every case of `tests/data/v3.json` (produced by the Node SDK) reproduced
//! byte for byte, plus the refusals the Node SDK lacks (stale, replayed, hostile).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alipay_protocol::v3::{
    ReplayGuard, UnsignedV3Request, V3Body, V3Call, V3Checked, V3File, V3Identity, V3Outcome,
    V3Payload, V3ResponseError, V3ResponseHeaders, V3Trust, V3VerifyOptions, header,
    verify_v3_response,
};
use alipay_protocol::{
    AesKey, AlipayPublicKey, AppPrivateKey, CertMaterial, Charset, RustCryptoSigner, SignType,
    Verifier,
};
use base64::Engine as _;
use serde_json::Value;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap()
}

fn vectors() -> Value {
    serde_json::from_str(&read("v3.json")).unwrap()
}

fn app_key() -> AppPrivateKey {
    AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap()
}

fn alipay_key() -> AlipayPublicKey {
    AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap()
}

fn aes_key() -> AesKey {
    AesKey::from_base64(vectors()["aes_key_base64"].as_str().unwrap()).unwrap()
}

fn opt(v: &Value) -> Option<&str> {
    v.as_str()
}

/// The answers were signed at 2025-01-15 10:30:00 (UTC+8).
const ANSWER_MS: u64 = 1_736_908_200_000;

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[test]
fn every_request_case_byte_for_byte() {
    let v = vectors();
    let key = app_key();
    let rc = RustCryptoSigner(&key);
    let app_public = AlipayPublicKey::parse(read("keys/app_public.pem")).unwrap();
    let aes = aes_key();
    let photo = b"\xff\xd8\xff\xe0 not really a jpeg";
    let files = [V3File {
        name: "file_content",
        filename: "face.jpg",
        content_type: "image/jpeg",
        bytes: photo,
    }];
    let cases = v["requests"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let i = &case["inputs"];
        let wire = &case["wire"];
        let body = i["body"].as_str().unwrap();
        let plaintext;
        let v3_body = match wire["content_type"].as_str().unwrap() {
            "" => V3Body::Empty,
            "application/json" => V3Body::Json(body),
            "text/plain" => {
                // The ciphertext is deterministic (zero IV): encrypting its plaintext
                // must give the very bytes the Node SDK sent and signed.
                plaintext = aes.decrypt(body, Charset::Utf8).unwrap();
                V3Body::Encrypted {
                    json: &plaintext,
                    key: &aes,
                }
            }
            "multipart/form-data" => V3Body::Multipart {
                data: body,
                files: &files,
            },
            other => panic!("{name}: unexpected content type {other}"),
        };
        let wire_headers = wire["headers"].as_object().unwrap();
        let identity = V3Identity {
            app_id: i["app_id"].as_str().unwrap(),
            app_cert_sn: opt(&i["app_cert_sn"]),
            alipay_root_cert_sn: wire_headers
                .get(header::ROOT_CERT_SN)
                .and_then(Value::as_str),
        };
        let call = V3Call {
            http_method: i["http_method"].as_str().unwrap(),
            path_and_query: i["request_url"].as_str().unwrap(),
            body: v3_body,
            app_auth_token: opt(&i["app_auth_token"]),
        };
        let timestamp: u64 = i["timestamp"].as_str().unwrap().parse().unwrap();
        let unsigned =
            UnsignedV3Request::new(&identity, &call, i["nonce"].as_str().unwrap(), timestamp)
                .unwrap();
        assert_eq!(
            unsigned.auth_string(),
            case["expected_auth_string"],
            "{name}"
        );
        assert_eq!(
            unsigned.sign_string(),
            case["expected_sign_string"],
            "{name}"
        );
        for signer in [&key as &dyn alipay_protocol::Signer, &rc] {
            let signed = unsigned.clone().sign(signer).unwrap();
            assert_eq!(signed.sign(), case["expected_sign"], "{name}");
            assert_eq!(
                signed.authorization(),
                case["expected_authorization"],
                "{name}"
            );
            let sig = base64::engine::general_purpose::STANDARD
                .decode(signed.sign())
                .unwrap();
            assert!(
                app_public.verify(SignType::Rsa2, signed.sign_string().as_bytes(), &sig),
                "{name}"
            );
        }
        let signed = unsigned.sign(&key).unwrap();
        assert_eq!(signed.http_method(), i["http_method"], "{name}");
        assert_eq!(signed.path_and_query(), i["request_url"], "{name}");
        assert_eq!(signed.payload().signed_text(), body, "{name}");
        let content_type = signed.payload().content_type().unwrap_or("");
        assert_eq!(content_type, wire["content_type"], "{name}");
        let mut got: Vec<(String, String)> = signed
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let mut want: Vec<(String, String)> = wire_headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
        if let Some(parts) = wire.get("multipart_parts") {
            let (ct, bytes) = signed.payload().multipart_body("BOUNDARY-x1").unwrap();
            assert_eq!(ct, "multipart/form-data; boundary=BOUNDARY-x1");
            let text = String::from_utf8_lossy(&bytes);
            for part in parts.as_array().unwrap() {
                let mut disposition = format!("name=\"{}\"", part["name"].as_str().unwrap());
                if let Some(f) = part["filename"].as_str() {
                    disposition.push_str(&format!("; filename=\"{f}\""));
                }
                assert!(text.contains(&disposition), "{name}: {disposition}");
            }
            assert!(text.contains(body));
            assert!(bytes.windows(photo.len()).any(|w| w == photo));
            assert!(text.ends_with("\r\n--BOUNDARY-x1--\r\n"));
        }
    }
}

#[test]
fn request_fields_that_would_forge_a_line_are_refused() {
    let identity = V3Identity {
        app_id: "2021000000000001",
        app_cert_sn: None,
        alipay_root_cert_sn: None,
    };
    let call = |path, token| V3Call {
        http_method: "POST",
        path_and_query: path,
        body: V3Body::Json("{}"),
        app_auth_token: token,
    };
    let ok = call("/v3/x", None);
    for (field, identity, call, nonce) in [
        ("path_and_query", identity, call("/v3/x\nPOST", None), "n"),
        ("path_and_query", identity, call("v3/x", None), "n"),
        ("app_auth_token", identity, call("/v3/x", Some("t\n")), "n"),
        ("nonce", identity, ok, "a,timestamp=1"),
        ("nonce", identity, ok, ""),
        (
            "app_id",
            V3Identity {
                app_id: "1,nonce=2",
                ..identity
            },
            ok,
            "n",
        ),
    ] {
        let err = UnsignedV3Request::new(&identity, &call, nonce, 1).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("`{field}`")), "{text}");
        assert!(
            !text.contains("POST") && !text.contains("timestamp=1"),
            "{text}"
        );
    }
    let lower = V3Call {
        http_method: "post",
        ..ok
    };
    assert!(UnsignedV3Request::new(&identity, &lower, "n", 1).is_err());
    let bad_file = [V3File {
        name: "f\"; name=\"data",
        filename: "a.jpg",
        content_type: "image/jpeg",
        bytes: b"",
    }];
    let multipart = V3Call {
        body: V3Body::Multipart {
            data: "{}",
            files: &bad_file,
        },
        ..ok
    };
    assert!(UnsignedV3Request::new(&identity, &multipart, "n", 1).is_err());
}

#[test]
fn debug_of_a_request_shows_no_body_or_query() {
    let identity = V3Identity {
        app_id: "2021000000000001",
        app_cert_sn: None,
        alipay_root_cert_sn: None,
    };
    let call = V3Call {
        http_method: "POST",
        path_and_query: "/v3/q?cert_no=260104197909275964",
        body: V3Body::Json("{\"cert_name\":\"收委\"}"),
        app_auth_token: None,
    };
    let signed = UnsignedV3Request::new(&identity, &call, "n", 1)
        .unwrap()
        .sign(&app_key())
        .unwrap();
    let shown = format!("{signed:?}");
    assert!(
        !shown.contains("收委") && !shown.contains("2601"),
        "{shown}"
    );
    assert!(shown.contains("/v3/q"), "{shown}");
    assert!(matches!(signed.payload(), V3Payload::Text { .. }));
}

fn headers_of(case: &Value) -> Vec<(String, String)> {
    case["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn check(
    case: &Value,
    trust: V3Trust<'_>,
    now: SystemTime,
    replay: Option<&ReplayGuard>,
) -> Result<V3Checked, V3ResponseError> {
    let pairs = headers_of(case);
    let headers =
        V3ResponseHeaders::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let aes = aes_key();
    verify_v3_response(
        &headers,
        case["body"].as_str().unwrap().as_bytes(),
        &V3VerifyOptions {
            status: case["status"].as_u64().unwrap() as u16,
            trust,
            now,
            replay,
            aes_key: Some(&aes),
        },
    )
}

fn outcome(r: &Result<V3Checked, V3ResponseError>) -> V3Outcome {
    match r {
        Ok(c) => c.outcome(),
        Err(e) => e.outcome(),
    }
}

fn cert_material() -> CertMaterial {
    CertMaterial::new(
        read("certs/appCertPublicKey_2021000000000001.crt"),
        read("certs/alipayCertPublicKey_RSA2.crt"),
        read("certs/alipayRootCert.crt"),
    )
    .unwrap()
}

#[test]
fn every_response_case_gives_its_outcome() {
    let v = vectors();
    let key = alipay_key();
    let certs = cert_material();
    let cases = v["responses"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = case["expected"].as_str().unwrap();
        // The certificate case needs certificate mode; the others are public-key mode.
        let trust = if case["headers"].get(header::ALIPAY_SN).is_some() {
            V3Trust::Certificates(&certs)
        } else {
            V3Trust::Key(&key)
        };
        // A fresh guard per case, a client clock 2 s after the answer was signed.
        let guard = ReplayGuard::default();
        let result = check(case, trust, at(ANSWER_MS + 2_000), Some(&guard));
        assert_eq!(outcome(&result).as_str(), expected, "{name}: {result:?}");
        match result {
            Ok(V3Checked::Verified(ok)) => {
                let body: Value = ok.parse().unwrap();
                assert_eq!(body, case["node_sdk"]["data"], "{name}");
                assert_eq!(ok.was_encrypted(), name == "encrypted_verified");
            }
            Ok(V3Checked::VerifiedError(e)) => {
                let body: Value = serde_json::from_str(case["body"].as_str().unwrap()).unwrap();
                assert_eq!(e.code.as_deref(), body["code"].as_str(), "{name}");
                assert_eq!(e.message.as_deref(), body["message"].as_str(), "{name}");
                assert_eq!(e.status, 400);
            }
            Ok(V3Checked::UnsignedError(e)) => {
                assert_eq!(e.unverified_code(), Some("invalid-parameter"));
                assert_eq!(e.unverified_message(), Some("参数有误"));
                let shown = e.to_string();
                assert!(shown.contains("UNVERIFIED"), "{shown}");
                assert!(shown.contains("invalid-parameter"), "{shown}");
            }
            Err(_) => {}
        }
    }
}

#[test]
fn certificate_mode_without_alipay_sn_uses_the_current_certificate() {
    let v = vectors();
    let certs = cert_material();
    // The test certificate is valid from 2026-11-28: check at a time it is valid,
    // freshness off (the answers were signed in 2025).
    let now = at(1_800_000_000_000);
    for case in v["responses"].as_array().unwrap() {
        if case["headers"].get(header::ALIPAY_SN).is_some() {
            continue;
        }
        let result = check(case, V3Trust::Certificates(&certs), now, None);
        assert_eq!(
            outcome(&result).as_str(),
            case["expected"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
    // At the answers' own time the certificate is not valid yet: refused, not trusted.
    let verified = &v["responses"][0];
    let early = check(verified, V3Trust::Certificates(&certs), at(ANSWER_MS), None);
    assert_eq!(outcome(&early), V3Outcome::UntrustedAlipayCertificate);
    // The known SN, named explicitly, is accepted.
    let mut named = verified.clone();
    named["headers"][header::ALIPAY_SN] = Value::from(certs.alipay_cert_sn());
    let ok = check(&named, V3Trust::Certificates(&certs), now, None);
    assert_eq!(outcome(&ok), V3Outcome::Verified);
}

fn case(name: &str) -> Value {
    vectors()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

#[test]
fn a_signed_answer_outside_the_window_is_stale() {
    let key = alipay_key();
    let verified = case("verified");
    let window = ReplayGuard::DEFAULT_WINDOW.as_millis() as u64;
    for (now, want) in [
        (ANSWER_MS + window, V3Outcome::Verified),
        (ANSWER_MS + window + 1, V3Outcome::RejectStale),
        (ANSWER_MS - window - 1, V3Outcome::RejectStale),
    ] {
        let guard = ReplayGuard::default();
        let r = check(&verified, V3Trust::Key(&key), at(now), Some(&guard));
        assert_eq!(outcome(&r), want, "{now}: {r:?}");
    }
    // A custom window.
    let guard = ReplayGuard::new(Duration::from_secs(1), 10);
    let r = check(
        &verified,
        V3Trust::Key(&key),
        at(ANSWER_MS + 1_001),
        Some(&guard),
    );
    assert_eq!(outcome(&r), V3Outcome::RejectStale);
    // A verified error is subject to the same rule.
    let guard = ReplayGuard::default();
    let r = check(
        &case("error_4xx_signed"),
        V3Trust::Key(&key),
        at(ANSWER_MS + window + 1),
        Some(&guard),
    );
    assert_eq!(outcome(&r), V3Outcome::RejectStale);
}

#[test]
fn the_same_signed_answer_twice_is_a_replay() {
    let key = alipay_key();
    let guard = ReplayGuard::default();
    let now = at(ANSWER_MS + 1_000);
    let verified = case("verified");
    // A forged answer carrying the nonce does not poison the cache: only verified
    // nonces are recorded.
    let forged = check(
        &case("body_tampered"),
        V3Trust::Key(&key),
        now,
        Some(&guard),
    );
    assert_eq!(outcome(&forged), V3Outcome::SignatureInvalid);
    assert!(guard.is_empty());
    let first = check(&verified, V3Trust::Key(&key), now, Some(&guard));
    assert_eq!(outcome(&first), V3Outcome::Verified);
    let second = check(&verified, V3Trust::Key(&key), now, Some(&guard));
    assert_eq!(outcome(&second), V3Outcome::RejectReplay, "{second:?}");
    // The encrypted answer shares the nonce: also a replay.
    let third = check(
        &case("encrypted_verified"),
        V3Trust::Key(&key),
        now,
        Some(&guard),
    );
    assert_eq!(outcome(&third), V3Outcome::RejectReplay);
}

#[test]
fn the_signature_is_checked_before_decrypting() {
    let key = alipay_key();
    let mut enc = case("encrypted_verified");
    // Garbage that is not ciphertext, under the real signature: the signature fails
    // first, nothing is decrypted.
    enc["body"] = Value::from("not base64 at all!");
    let r = check(&enc, V3Trust::Key(&key), at(ANSWER_MS), None);
    assert_eq!(outcome(&r), V3Outcome::SignatureInvalid);
    // A signature that is not base64 is simply invalid.
    let mut bad = case("verified");
    bad["headers"][header::SIGNATURE] = Value::from("%%%");
    assert_eq!(
        outcome(&check(&bad, V3Trust::Key(&key), at(ANSWER_MS), None)),
        V3Outcome::SignatureInvalid
    );
}

#[test]
fn missing_or_repeated_headers() {
    let key = alipay_key();
    let verified = case("verified");
    for h in [header::SIGNATURE, header::TIMESTAMP, header::NONCE] {
        // Absent and empty are both missing.
        for value in [None, Some("")] {
            let mut c = verified.clone();
            let hs = c["headers"].as_object_mut().unwrap();
            match value {
                None => hs.remove(h),
                Some(v) => hs.insert(h.into(), Value::from(v)),
            };
            let r = check(&c, V3Trust::Key(&key), at(ANSWER_MS), None);
            assert_eq!(outcome(&r), V3Outcome::RejectUnsignedSuccess, "{h}");
            assert!(r.unwrap_err().to_string().contains(h));
            // The same on a 500 is an unverified error, never a success.
            c["status"] = Value::from(500);
            let r = check(&c, V3Trust::Key(&key), at(ANSWER_MS), None);
            assert_eq!(outcome(&r), V3Outcome::UnsignedErrorResponse, "{h}");
        }
    }
    let twice = [(header::SIGNATURE, "a"), ("Alipay-Signature", "b")];
    let err = V3ResponseHeaders::from_pairs(twice).unwrap_err();
    assert_eq!(err.outcome(), V3Outcome::RejectMalformed);
}

#[test]
fn an_unsigned_5xx_with_hostile_text_is_shown_sanitised() {
    let key = alipay_key();
    let hostile = format!(
        "{{\"code\":\"\\u001b[31mSUCCESS\\r\\nforged: ok\",\"message\":\"id 260104197909275964 \\u202e{}\",\"links\":[]}}",
        "x".repeat(10_000)
    );
    let headers = V3ResponseHeaders::default();
    let r = verify_v3_response(
        &headers,
        hostile.as_bytes(),
        &V3VerifyOptions {
            status: 502,
            trust: V3Trust::Key(&key),
            now: at(ANSWER_MS),
            replay: None,
            aes_key: None,
        },
    )
    .unwrap();
    let V3Checked::UnsignedError(e) = r else {
        panic!("{r:?}")
    };
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains('\u{1b}') && !shown.contains('\n') && !shown.contains('\r'));
        assert!(!shown.contains('\u{202e}'));
        assert!(!shown.contains("260104197909275964"), "{shown}");
        assert!(shown.len() < 600, "{} bytes", shown.len());
    }
    assert!(e.to_string().contains("UNVERIFIED"));
    // The raw text is still there for whoever asks for it by its unverified name.
    assert!(
        e.unverified_message()
            .unwrap()
            .contains("260104197909275964")
    );
    // A non-JSON 5xx (an HTML error page) is an unverified error with no fields.
    let page = verify_v3_response(
        &headers,
        b"<html>bad gateway</html>",
        &V3VerifyOptions {
            status: 502,
            trust: V3Trust::Key(&key),
            now: at(ANSWER_MS),
            replay: None,
            aes_key: None,
        },
    )
    .unwrap();
    assert_eq!(page.outcome(), V3Outcome::UnsignedErrorResponse);
    assert!(!page_text(&page).contains("html"));
}

fn page_text(c: &V3Checked) -> String {
    match c {
        V3Checked::UnsignedError(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

#[test]
fn a_verified_body_that_only_a_lax_reader_reads_is_refused() {
    // Signed with the Alipay key of the vectors, so only the body's shape is at issue.
    let alipay = AppPrivateKey::parse(read("keys/alipay_private_pkcs1.pem")).unwrap();
    let key = alipay_key();
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let hides_a_repeat = [
        r#"{"passed":"T","x":1e400,"passed":"F"}"#.to_owned(),
        r#"{"passed":"T","x":"\ud800","passed":"F"}"#.to_owned(),
        format!(r#"{{"passed":"T","x":{deep},"passed":"F"}}"#),
        r#"{"passed":"T","x":1e400}"#.to_owned(),
    ];
    for body in &hides_a_repeat {
        let (timestamp, nonce) = (ANSWER_MS.to_string(), "n1");
        let message = format!("{timestamp}\n{nonce}\n{body}\n");
        let sign = alipay_protocol::envelope::sign_base64(
            &alipay,
            alipay_protocol::SignType::Rsa2,
            alipay_protocol::Charset::Utf8,
            &message,
        )
        .unwrap();
        let pairs = [
            ("alipay-timestamp", timestamp.as_str()),
            ("alipay-nonce", nonce),
            ("alipay-signature", sign.as_str()),
        ];
        let headers = V3ResponseHeaders::from_pairs(pairs).unwrap();
        let checked = verify_v3_response(
            &headers,
            body.as_bytes(),
            &V3VerifyOptions {
                status: 200,
                trust: V3Trust::Key(&key),
                now: at(ANSWER_MS),
                replay: None,
                aes_key: None,
            },
        );
        assert_eq!(outcome(&checked), V3Outcome::RejectMalformed, "{body}");
    }
}
