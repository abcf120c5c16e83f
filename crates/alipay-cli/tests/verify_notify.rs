//! The `alipay verify-notify` contract, and `alipay verify` on edited answers.

use serde_json::Value;

mod common;

use common::{DATA, alipay};

fn notify_body(edit: impl FnOnce(&mut Vec<(String, String)>)) -> Vec<u8> {
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/notify.json")).unwrap())
            .unwrap();
    let mut params: Vec<(String, String)> = vectors["cases"][0]["params_form_decoded"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    edit(&mut params);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (k, v)))
        .finish()
        .into_bytes()
}

fn verify_notify(body: &[u8], extra: &[&str]) -> (Option<i32>, Value, String) {
    let key = format!("{DATA}/keys/alipay_public.pem");
    let mut args = vec!["verify-notify", "--alipay-public-key", &key, "--json"];
    args.extend_from_slice(extra);
    args.push("-");
    let out = alipay(&args, Some(body));
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {:?}", out.stdout));
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn members(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn a_genuine_notification_verifies_with_its_signed_params() {
    let (code, json, _) = verify_notify(&notify_body(|_| {}), &[]);
    assert_eq!(code, Some(0));
    assert_eq!(members(&json), ["outcome", "params"]);
    assert_eq!(json["outcome"], "verified");
    assert_eq!(json["params"]["trade_status"], "TRADE_SUCCESS");
    assert_eq!(json["params"]["subject"], "测试商品 & more");
    // Neither the signature nor the unsigned sign_type is a verified parameter.
    assert!(json["params"].get("sign").is_none());
    assert!(json["params"].get("sign_type").is_none());
    // A trailing newline from an editor is not part of the body.
    let mut with_newline = notify_body(|_| {});
    with_newline.push(b'\n');
    assert_eq!(verify_notify(&with_newline, &[]).1["outcome"], "verified");
}

#[test]
fn tampering_is_signature_invalid_with_no_params() {
    let body = notify_body(|p| {
        p.iter_mut().find(|(k, _)| k == "total_amount").unwrap().1 = "88.88".into();
    });
    let (code, json, _) = verify_notify(&body, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(json["outcome"], "signature_invalid");
    assert_eq!(json["params"], serde_json::json!({}));
}

#[test]
fn ambiguous_bodies_are_reject_malformed() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("duplicate name", {
            let mut b = b"trade_status=&refund_fee=&".to_vec();
            b.extend(notify_body(|_| {}));
            b
        }),
        (
            "value that re-splits",
            notify_body(|p| {
                p.retain(|(k, _)| k != "total_amount");
                p.iter_mut().find(|(k, _)| k == "subject").unwrap().1 += "&total_amount=0.01";
            }),
        ),
        (
            "missing sign",
            notify_body(|p| p.retain(|(k, _)| k != "sign")),
        ),
        (
            "foreign sign_type",
            notify_body(|p| p.iter_mut().find(|(k, _)| k == "sign_type").unwrap().1 = "RSA".into()),
        ),
    ];
    for (what, body) in cases {
        let (code, json, stderr) = verify_notify(&body, &[]);
        assert_eq!(code, Some(1), "{what}");
        assert_eq!(json["outcome"], "reject_malformed", "{what}: {stderr}");
        assert_eq!(json["params"], serde_json::json!({}), "{what}");
        assert!(stderr.starts_with("note: "), "{what}: {stderr}");
    }
}

/// A notification signed with the test Alipay key, as Alipay would sign it.
fn signed_body(params: &[(&str, &str)]) -> Vec<u8> {
    use alipay_protocol::{AppPrivateKey, Charset, SignType, envelope, sign_content};
    let key = AppPrivateKey::parse(
        std::fs::read_to_string(format!("{DATA}/keys/alipay_private_pkcs8.pem")).unwrap(),
    )
    .unwrap();
    let content = sign_content(params.iter().copied());
    let sign = envelope::sign_base64(&key, SignType::Rsa2, Charset::Utf8, &content).unwrap();
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().copied())
        .append_pair("sign", &sign)
        .finish()
        .into_bytes()
}

#[test]
fn human_output_escapes_control_characters() {
    let key = format!("{DATA}/keys/alipay_public.pem");
    let body = signed_body(&[("notify_id", "1"), ("subject", "a\u{1b}[2J\rb")]);
    // The JSON form carries the value as it was signed (JSON escapes it).
    assert_eq!(
        verify_notify(&body, &[]).1["params"]["subject"],
        "a\u{1b}[2J\rb"
    );
    let out = alipay(
        &["verify-notify", "--alipay-public-key", &key, "-"],
        Some(&body),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("outcome: verified"), "{text}");
    assert!(text.contains("subject = a\\u{1b}[2J\\u{d}b"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
}

#[test]
fn bad_flags_are_errors_naming_them() {
    let key = format!("{DATA}/keys/alipay_public.pem");
    let out = alipay(
        &[
            "verify-notify",
            "--alipay-public-key",
            &key,
            "--sign-type",
            "MD5",
            "-",
        ],
        Some(b"a=b"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MD5"));
    let out = alipay(
        &[
            "verify-notify",
            "--alipay-public-key",
            "/nonexistent/key.pem",
            "-",
        ],
        Some(b"a=b"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--alipay-public-key"));
}

/// `\/` edited into `\\/` on the path: the verified fields are what Alipay signed.
#[test]
fn verify_hands_out_the_fields_that_verified() {
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/response.json")).unwrap())
            .unwrap();
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "escaped_slash_and_unicode_raw")
        .unwrap();
    let edited = case["body"].as_str().unwrap().replace("\\/", "\\\\/");
    let key = format!("{DATA}/keys/alipay_public.pem");
    let out = alipay(
        &[
            "verify",
            "--alipay-public-key",
            &key,
            "--method",
            case["method"].as_str().unwrap(),
            "--json",
            "-",
        ],
        Some(edited.as_bytes()),
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outcome"], "verified_with_slash_fallback");
    assert_eq!(json["fields"], case["expected_fields"]);
}
