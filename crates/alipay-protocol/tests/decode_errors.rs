//! Errors about a response body never quote what the body holds: it is unverified and
//! may carry personal data (issue 10, defect 7).

use alipay_protocol::response::ResponseError;
use alipay_protocol::{AlipayPublicKey, Charset, SignType, VerifyOptions, verify_response};

const METHOD: &str = "zhima.customer.certification.material.certify";
const NAME: &str = "张三";
const ID: &str = "110101199003078515";

fn reason_of(body: &str) -> String {
    let key = AlipayPublicKey::parse(
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/keys/alipay_public.pem"),
        )
        .unwrap(),
    )
    .unwrap();
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &key,
    };
    match verify_response(body.as_bytes(), &opts) {
        Err(e @ ResponseError::Malformed { .. }) => e.to_string(),
        other => panic!("expected a malformed-response error for {body:?}, got {other:?}"),
    }
}

#[test]
fn decode_errors_name_the_problem_not_the_values() {
    let node = METHOD.replace('.', "_") + "_response";
    let cases = [
        // A top-level JSON string (observed: `invalid type: string "张三 110101…"`).
        (
            format!("\"{NAME} {ID}\""),
            "found a string, expected a JSON object",
        ),
        (format!("[\"{NAME}\",\"{ID}\"]"), "found an array"),
        // Truncated inside a value.
        (format!("{{\"{node}\":{{\"code\":\"{NAME}{ID}"), "truncated"),
        // Result fields of the wrong type.
        (
            format!("{{\"{node}\":{{\"code\":[\"{NAME}\"],\"sub_msg\":\"{ID}\"}},\"sign\":\"x\"}}"),
            "invalid result fields (invalid type: found an array",
        ),
        (
            format!("{{\"{node}\":{{\"code\":\"{ID}\",\"msg\":{{\"{NAME}\":1}}}},\"sign\":\"x\"}}"),
            "invalid result fields",
        ),
    ];
    for (body, expected) in cases {
        let reason = reason_of(&body);
        assert!(
            reason.contains(expected),
            "{body}: `{expected}` missing in: {reason}"
        );
        assert!(!reason.contains(NAME), "{body}: the name leaked: {reason}");
        assert!(
            !reason.contains(ID),
            "{body}: the ID number leaked: {reason}"
        );
        assert!(
            !reason.contains("1101"),
            "{body}: part of the ID leaked: {reason}"
        );
    }
}
