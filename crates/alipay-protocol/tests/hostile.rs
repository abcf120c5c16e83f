//! Regression tests for answers edited on the path: what is handed out as verified is
//! exactly what was signed, or nothing.

use std::path::PathBuf;

use alipay_protocol::notify::{NotifyError, verify_notification};
use alipay_protocol::response::Checked;
use alipay_protocol::{
    AlipayPublicKey, Charset, Outcome, SignType, VerifyOptions, verify_response,
};
use serde_json::Value;

fn read(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read_to_string(path).unwrap()
}

fn alipay_key() -> AlipayPublicKey {
    AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap()
}

fn response_case(name: &str) -> Value {
    let vectors: Value = serde_json::from_str(&read("response.json")).unwrap();
    vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

fn verify(case: &Value, body: &str) -> Result<Checked, alipay_protocol::ResponseError> {
    let key = alipay_key();
    verify_response(
        body.as_bytes(),
        &VerifyOptions {
            method: case["method"].as_str().unwrap(),
            sign_type: SignType::Rsa2,
            charset: Charset::Utf8,
            verifier: &key,
        },
    )
}

/// Defect: a `\/` turned into `\\/` verified through the Java fallback and the fields
/// came back with backslashes Alipay never sent.
#[test]
fn slash_fallback_hands_out_the_text_that_verified() {
    let case = response_case("escaped_slash_and_unicode_raw");
    let genuine = case["body"].as_str().unwrap();
    assert!(genuine.contains("\\/"));
    let edited = genuine.replace("\\/", "\\\\/");
    let Checked::Verified(verified) = verify(&case, &edited).unwrap() else {
        panic!("a signed success is not an unsigned error");
    };
    assert_eq!(verified.outcome(), Outcome::VerifiedWithSlashFallback);
    // Exactly the bytes the signature covers...
    assert_eq!(verified.raw(), case["signed_content"].as_str().unwrap());
    // ...so the fields are Alipay's, not the edit's.
    let fields: Value = verified.parse().unwrap();
    assert_eq!(fields, case["expected_fields"]);
    assert!(!fields["image_url"].as_str().unwrap().contains('\\'));
}

#[test]
fn slash_fallback_of_a_genuine_answer_returns_the_unescaped_text() {
    let case = response_case("slash_fallback_java_only");
    let Checked::Verified(verified) = verify(&case, case["body"].as_str().unwrap()).unwrap() else {
        panic!("expected a verified answer");
    };
    assert_eq!(verified.outcome(), Outcome::VerifiedWithSlashFallback);
    assert_eq!(verified.raw(), case["signed_content"].as_str().unwrap());
    assert_eq!(verified.status().unwrap().code, "10000");
}

#[test]
fn a_signature_that_is_not_base64_is_malformed_and_never_quoted() {
    let case = response_case("success_standard");
    let body: Value = serde_json::from_str(case["body"].as_str().unwrap()).unwrap();
    for sign in ["@@not base64@@", "c2lnbmVk!", "%%%"] {
        let mut edited = body.clone();
        edited["sign"] = Value::from(sign);
        let err = verify(&case, &edited.to_string()).unwrap_err();
        assert_eq!(err.outcome(), Outcome::RejectMalformed, "{sign}");
        let shown = err.to_string();
        assert!(shown.contains("`sign` is not valid base64"), "{shown}");
        assert!(!shown.contains(sign), "{shown}");
    }
}

fn notify_params() -> Vec<(String, String)> {
    let vectors: Value = serde_json::from_str(&read("notify.json")).unwrap();
    vectors["cases"][0]["params_form_decoded"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn form(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (k, v)))
        .finish()
}

#[test]
fn notification_genuine_body_still_verifies() {
    let verified = verify_notification(
        form(&notify_params()).as_bytes(),
        SignType::Rsa2,
        &alipay_key(),
    )
    .unwrap();
    assert_eq!(verified.get("trade_status"), Some("TRADE_SUCCESS"));
    // sign and sign_type are not signed parameters.
    assert_eq!(verified.get("sign"), None);
    assert_eq!(verified.get("sign_type"), None);
    assert!(verified.params().iter().all(|(_, v)| !v.is_empty()));
}

/// Defect: `trade_status=&refund_fee=&` prepended to a genuine body verified and
/// `get("trade_status")` returned `""`.
#[test]
fn notification_duplicate_names_are_refused() {
    let body = format!("trade_status=&refund_fee=&{}", form(&notify_params()));
    assert_eq!(
        verify_notification(body.as_bytes(), SignType::Rsa2, &alipay_key()).unwrap_err(),
        NotifyError::Duplicate("trade_status".into())
    );
    // A percent-encoded spelling of the same name is the same name.
    let body = format!("%74rade_status=X&{}", form(&notify_params()));
    assert!(matches!(
        verify_notification(body.as_bytes(), SignType::Rsa2, &alipay_key()),
        Err(NotifyError::Duplicate(_))
    ));
}

/// An added empty parameter is not signed, so it is never presented as a value.
#[test]
fn notification_empty_parameters_are_not_presented() {
    let body = format!("refund_fee=&{}", form(&notify_params()));
    let verified = verify_notification(body.as_bytes(), SignType::Rsa2, &alipay_key()).unwrap();
    assert_eq!(verified.get("refund_fee"), None);
    assert!(verified.params().iter().all(|(k, _)| k != "refund_fee"));
}

/// Defect: `&total_amount=…` moved into the percent-encoded value of the parameter
/// sorted just before it still verified, with the real `total_amount` gone.
#[test]
fn notification_values_that_resplit_are_refused() {
    let mut params = notify_params();
    let mut names: Vec<String> = params
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| k != "sign" && k != "sign_type")
        .collect();
    names.sort();
    let at = names.iter().position(|k| k == "total_amount").unwrap();
    let before = names[at - 1].clone();
    let amount = params
        .iter()
        .find(|(k, _)| k == "total_amount")
        .unwrap()
        .1
        .clone();
    params.retain(|(k, _)| k != "total_amount");
    params
        .iter_mut()
        .find(|(k, _)| *k == before)
        .unwrap()
        .1
        .push_str(&format!("&total_amount={amount}"));
    let err =
        verify_notification(form(&params).as_bytes(), SignType::Rsa2, &alipay_key()).unwrap_err();
    assert_eq!(err, NotifyError::Ambiguous(before));

    // A name holding `=` re-splits the same way.
    let mut params = notify_params();
    let (k, v) = params
        .iter()
        .find(|(k, _)| k == "version")
        .cloned()
        .unwrap();
    params.retain(|(name, _)| *name != k);
    let (head, tail) = v.split_at(1);
    params.push((format!("{k}={head}"), tail.to_owned()));
    assert!(matches!(
        verify_notification(form(&params).as_bytes(), SignType::Rsa2, &alipay_key()),
        Err(NotifyError::Ambiguous(_))
    ));
}

/// Hostile names never reach error text as they are.
#[test]
fn notification_errors_do_not_echo_hostile_names() {
    let name = "x\u{1b}[31m110101199003077777";
    let body = format!(
        "{n}=1&{n}=2",
        n = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let err = verify_notification(body.as_bytes(), SignType::Rsa2, &alipay_key()).unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains('\u{1b}') && !text.contains("110101199003077777"),
        "{text}"
    );
}

const HOSTILE: &str = "x\n2026-11-30 INFO forged\u{1b}[31m 110101199003077777 \u{202e}";

fn assert_safe(text: &str) {
    assert!(
        !text.contains('\n') && !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(!text.contains("110101199003077777"), "{text}");
}

/// An unsigned error's text is hostile in `Display` of its status and in its `Debug`.
#[test]
fn unsigned_error_text_is_never_shown_as_sent() {
    let node = serde_json::json!({
        "code": format!("40004{HOSTILE}"),
        "msg": HOSTILE,
        "sub_code": format!("isv.x{HOSTILE}"),
        "sub_msg": HOSTILE.repeat(500),
    });
    let body = serde_json::json!({ "error_response": node }).to_string();
    let case = serde_json::json!({"method": "alipay.trade.query"});
    let Checked::UnsignedError(unsigned) = verify(&case, &body).unwrap() else {
        panic!("an unsigned error_response");
    };
    let shown = unsigned.status.to_string();
    assert_safe(&shown);
    assert!(shown.chars().count() < 600, "capped: {}", shown.len());
    assert_safe(&format!("{unsigned:?}"));
    assert_safe(&format!("{:?}", Checked::UnsignedError(unsigned)));
}

#[test]
fn a_duplicated_hostile_key_is_not_echoed() {
    let key = format!("k{HOSTILE}");
    let body = format!(
        "{{\"error_response\":{{\"code\":\"40004\"}},{k},{k}}}",
        k = format!("{}:1", serde_json::Value::from(key.as_str()))
    );
    let case = serde_json::json!({"method": "alipay.trade.query"});
    let err = verify(&case, &body).unwrap_err();
    assert_eq!(err.outcome(), Outcome::RejectMalformed);
    assert!(err.to_string().contains("more than once"), "{err}");
    assert_safe(&err.to_string());
}

/// A body signed by the test Alipay key, as the gateway would sign it.
fn signed_body(method_key: &str, node: &str) -> String {
    use alipay_protocol::{AppPrivateKey, envelope};
    let key = AppPrivateKey::parse(read("keys/alipay_private_pkcs8.pem")).unwrap();
    let sign = envelope::sign_base64(&key, SignType::Rsa2, Charset::Utf8, node).unwrap();
    format!("{{\"{method_key}\":{node},\"sign\":\"{sign}\"}}")
}

/// Readers disagree on a repeated key (last wins, or refused): one signed node must
/// not mean two things.
#[test]
fn a_signed_node_with_a_repeated_key_is_refused() {
    let case = serde_json::json!({"method": "alipay.trade.query"});
    let ok = signed_body(
        "alipay_trade_query_response",
        r#"{"code":"10000","msg":"Success","total_amount":"0.01","fund":{"a":1}}"#,
    );
    assert!(matches!(verify(&case, &ok), Ok(Checked::Verified(_))));
    for node in [
        r#"{"code":"10000","msg":"Success","total_amount":"0.01","total_amount":"999.00"}"#,
        r#"{"code":"10000","msg":"Success","fund":[{"a":1,"\u0061":2}]}"#,
    ] {
        let err = verify(&case, &signed_body("alipay_trade_query_response", node)).unwrap_err();
        assert_eq!(err.outcome(), Outcome::RejectMalformed, "{node}");
        assert!(err.to_string().contains("twice"), "{err}");
        assert!(!err.to_string().contains("999"), "{err}");
    }
}

/// An unsigned node saying `10000` is a success, whatever `sub_code` it adds.
#[test]
fn an_unsigned_success_cannot_pose_as_an_error() {
    let case = serde_json::json!({"method": "alipay.trade.query"});
    let body = r#"{"alipay_trade_query_response":{"code":"10000","msg":"Success","sub_code":"x","trade_status":"TRADE_SUCCESS"}}"#;
    assert_eq!(
        verify(&case, body).unwrap_err().outcome(),
        Outcome::RejectUnsignedSuccess
    );
}
