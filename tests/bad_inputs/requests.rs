//! Rows about requests: the typed request builder at and past each limit, and raw
//! `biz_content` checked against the spec (what `alipay call` does).

use super::*;

/// UTF-16 length of the identity JSON string for a given name, minus the name.
fn identity_overhead() -> usize {
    let json = serde_json::to_string(&IdentityParam::resident_id("A", ID_NUMBER)).unwrap();
    json.encode_utf16().count() - 1
}

/// An identity whose JSON string is exactly `units` UTF-16 units long, its name
/// ending in `tail` (counted in UTF-16 units).
fn identity_of_len(units: usize, tail: &str) -> IdentityParam {
    let fill = units - identity_overhead() - tail.encode_utf16().count();
    IdentityParam::resident_id(format!("{}{tail}", "A".repeat(fill)), ID_NUMBER)
}

/// Materials whose JSON string is exactly `units` long (`{"FACIAL_PICTURE_FRONT":"…"}`).
fn materials_of_len(units: usize) -> Materials {
    Materials::builder()
        .facial_picture_front("A".repeat(units - 27))
        .build()
        .unwrap()
}

/// A JSON object whose text is exactly `units` long (`{"k":"…"}`).
fn object_of_len(units: usize) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("k".into(), "x".repeat(units - 8).into());
    m
}

fn base_request() -> RequestBuilder {
    certify_builder("CATALOGUE_0001")
}

/// The documentation example as `biz_content` JSON, with `edit` applied.
fn biz_json(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = serde_json::json!({
        "transaction_id": "CATALOGUE_0001",
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": format!(
            r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":"{ID_NUMBER}"}}"#
        ),
        "materials": r#"{"FACIAL_PICTURE_FRONT":"/9j/4AAQSkZJR"}"#,
    });
    edit(&mut v);
    v.to_string()
}

pub(crate) fn request_rows() -> Vec<Row> {
    use Area::Request as Q;
    vec![
        // --- every length limit of the spec: at = accepted, one past = refused ---
        row(
            Q,
            "transaction_id: 32 (at the limit)",
            |_| request(base_request().transaction_id("A".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "transaction_id: 33",
            |_| request(base_request().transaction_id("A".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["transaction_id", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "product_code: 32 (at the limit)",
            |_| request(base_request().product_code("P".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "product_code: 33",
            |_| request(base_request().product_code("P".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["product_code", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "biz_code: 32 (at the limit, unknown value)",
            |_| request(base_request().biz_code("B".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "biz_code: 33 (unknown value)",
            |_| request(base_request().biz_code("B".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["biz_code", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "identity_param: 204800 (at the limit)",
            |_| request(base_request().identity_param(identity_of_len(204_800, ""))),
            Expect::Accepted,
        ),
        row(
            Q,
            "identity_param: 204801",
            |_| request(base_request().identity_param(identity_of_len(204_801, ""))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["identity_param", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "identity_param: 204800 units ending in an emoji (at the limit)",
            |_| request(base_request().identity_param(identity_of_len(204_800, "😀"))),
            Expect::Accepted,
        ),
        row(
            Q,
            "identity_param: one emoji past the limit (204800 characters, 204801 units)",
            |_| request(base_request().identity_param(identity_of_len(204_801, "😀"))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["identity_param", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "materials: 204800 (at the limit)",
            |_| request(base_request().materials(materials_of_len(204_800))),
            Expect::Accepted,
        ),
        row(
            Q,
            "materials: 204801",
            |_| request(base_request().materials(materials_of_len(204_801))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["materials", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "merchant_config: 1024 (at the limit)",
            |_| request(base_request().merchant_config(object_of_len(1024))),
            Expect::Accepted,
        ),
        row(
            Q,
            "merchant_config: 1025",
            |_| request(base_request().merchant_config(object_of_len(1025))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 1024,
                    actual: 1025,
                    ..
                }),
                ["merchant_config", "maximum of 1024"]
            ),
        ),
        row(
            Q,
            "ext_biz_param: 2048 (at the limit)",
            |_| request(base_request().ext_biz_param(object_of_len(2048))),
            Expect::Accepted,
        ),
        row(
            Q,
            "ext_biz_param: 2049",
            |_| request(base_request().ext_biz_param(object_of_len(2049))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 2048,
                    actual: 2049,
                    ..
                }),
                ["ext_biz_param", "maximum of 2048"]
            ),
        ),
        row(
            Q,
            "linked_merchant_id: 16 (at the limit)",
            |_| request(base_request().linked_merchant_id("2".repeat(16))),
            Expect::Accepted,
        ),
        row(
            Q,
            "linked_merchant_id: 17",
            |_| request(base_request().linked_merchant_id("2".repeat(17))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 16,
                    actual: 17,
                    ..
                }),
                ["linked_merchant_id", "maximum of 16"]
            ),
        ),
        row(
            Q,
            "linked_merchant_id: 14 + emoji = 16 units (at the limit)",
            |_| request(base_request().linked_merchant_id(format!("{}😀", "2".repeat(14)))),
            Expect::Accepted,
        ),
        row(
            Q,
            "linked_merchant_id: 15 + emoji = 16 characters, 17 units",
            |_| request(base_request().linked_merchant_id(format!("{}😀", "2".repeat(15)))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 16,
                    actual: 17,
                    ..
                }),
                [
                    "`linked_merchant_id`",
                    "17 UTF-16 code units",
                    "maximum of 16"
                ]
            ),
        ),
        // --- the transaction_id pattern ---
        row(
            Q,
            "transaction_id: hyphen",
            |_| request(base_request().transaction_id("ZGYD-2016")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: an ID number with a dash",
            |_| request(base_request().transaction_id(format!("{ID_NUMBER}-1"))),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: full-width letters",
            |_| request(base_request().transaction_id("ＺＧＹＤ２０１６")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: an emoji",
            |_| request(base_request().transaction_id("ZGYD😀")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: newline and terminal escape",
            |_| request(base_request().transaction_id("ZGYD\n\u{1b}[31m2016")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: empty",
            |_| request(base_request().transaction_id("")),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`transaction_id`", "required"]
            ),
        ),
        // --- enums and required nested fields ---
        row(
            Q,
            "biz_code: empty value of the open enum",
            |_| request(base_request().biz_code(BizCode::from(""))),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`biz_code`", "required"]
            ),
        ),
        row(
            Q,
            "identity_param: empty ID number",
            |_| request(base_request().identity_param(IdentityParam::resident_id(NAME, ""))),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`identity_param.cert_no`", "required"]
            ),
        ),
        row(
            Q,
            "materials: empty photo",
            |_| {
                Attempt::from(
                    Materials::builder()
                        .facial_picture_front("")
                        .build()
                        .map_err(Got::Request),
                )
            },
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`FACIAL_PICTURE_FRONT`", "required"]
            ),
        ),
        row(
            Q,
            "materials: photo that is not base64",
            |_| {
                Attempt::from(
                    Materials::builder()
                        .facial_picture_front("not base64 at all!")
                        .build()
                        .map_err(Got::Request),
                )
            },
            refused!(
                Got::Request(ValidationError::Pattern { .. } | ValidationError::Invalid { .. }),
                ["base64"]
            ),
        ),
        // --- raw biz_content against the spec (what `alipay call` checks) ---
        row(
            Q,
            "biz_content: identity_param holds invalid nested JSON",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = r#"{"cert_no":"2601"#.into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["identity_param"]
            ),
        ),
        row(
            Q,
            "biz_content: identity_param holds an array",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(r#"["{NAME}","{ID_NUMBER}"]"#).into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["identity_param"]
            ),
        ),
        row(
            Q,
            "biz_content: cert_no as a JSON number",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(
                        r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":{}}}"#,
                        &ID_NUMBER[..17]
                    )
                    .into()
                }))
            },
            refused!(Got::BizContent(BizContentError::Decode(_)), ["cert_no"]),
        ),
        row(
            Q,
            "biz_content: merchant_config holds invalid nested JSON",
            |_| biz_content(&biz_json(|v| v["merchant_config"] = r#"{"a":"#.into())),
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["merchant_config"]
            ),
        ),
        row(
            Q,
            "biz_content: biz_code (an enum) as an array",
            |_| {
                biz_content(&biz_json(|v| {
                    v["biz_code"] = serde_json::json!(["FACE_API"])
                }))
            },
            refused!(Got::BizContent(BizContentError::Decode(_)), ["biz_code"]),
        ),
        row(
            Q,
            "biz_content: a JSON string holding a name and ID number",
            |_| biz_content(&serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap()),
            refused!(Got::BizContent(BizContentError::Decode(_)), ["object|map"]),
        ),
        row(
            Q,
            "biz_content: transaction_id past its limit",
            |_| biz_content(&biz_json(|v| v["transaction_id"] = "A".repeat(33).into())),
            refused!(
                Got::BizContent(BizContentError::Invalid(ValidationError::TooLong { .. })),
                ["`transaction_id`", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "biz_content: misspelt nested field",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(
                        r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":"{ID_NUMBER}","cert_nmae":"x"}}"#
                    )
                    .into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::UnknownFields { .. }),
                ["cert_nmae"]
            ),
        ),
        // --- execute_raw ---
        row(
            Q,
            "execute_raw: biz_content that is not JSON",
            |fx| {
                raw_call(
                    fx,
                    "raw_bad_json",
                    METHOD,
                    &format!(r#"{{"cert_no":"{}"#, &ID_NUMBER[..10]),
                )
            },
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["not valid JSON"]
            ),
        ),
        row(
            Q,
            "execute_raw: biz_content with trailing data",
            |fx| raw_call(fx, "raw_trailing", METHOD, r#"{"a":1} {"b":2}"#),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["not valid JSON"]
            ),
        ),
        row(
            Q,
            "execute_raw: biz_content that is a JSON string, not an object",
            |fx| {
                let biz = serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap();
                raw_call(fx, "raw_string", METHOD, &biz)
            },
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["object"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with spaces",
            |fx| raw_call(fx, "raw_spaces", "alipay trade query", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: empty method",
            |fx| raw_call(fx, "raw_empty", "", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with a newline and terminal escape",
            |fx| raw_call(fx, "raw_ansi", "alipay.trade.query\n\u{1b}[2J", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method that is a person's name",
            |fx| raw_call(fx, "raw_name", NAME, "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with a leading dot",
            |fx| raw_call(fx, "raw_dot", ".alipay.trade.query", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        // --- the request charset ---
        row(
            Q,
            "GBK client: a name GBK cannot encode",
            |fx| {
                fx.server.set(
                    "gbk_unencodable",
                    http("500 Internal Server Error", "unreachable"),
                );
                let client = fx
                    .base_for("gbk_unencodable")
                    .charset(Charset::Gbk)
                    .build()
                    .unwrap();
                let request = base_request()
                    .identity_param(IdentityParam::resident_id(format!("{NAME}😀"), ID_NUMBER))
                    .build()
                    .unwrap();
                Attempt::from(client.execute(&request).map_err(Got::Call))
            },
            refused!(Got::Call(Error::InvalidRequest(_)), ["gbk"]),
        ),
    ]
}
