//! The generated `zhima.customer.certification.material.certify` types.

use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, CertType, IdentityParam, IdentityType, Materials,
    ZhimaCustomerCertificationMaterialCertifyRequest as Request,
    ZhimaCustomerCertificationMaterialCertifyRequestBuilder as Builder,
    ZhimaCustomerCertificationMaterialCertifyResponse as Response,
};
use alipay_api::{ApiMethod, CallStyle, FromJson as _, LengthUnit, ValidationError};

const NAME: &str = "收委";
const CERT_NO: &str = "260104197909275964";

fn doc_example_builder() -> Builder {
    let empty = serde_json::Map::new();
    Request::builder()
        .transaction_id("ZGYD201610252323000001234")
        .product_code("w1010100000000002978")
        .biz_code(BizCode::FaceApi)
        .identity_param(IdentityParam::resident_id(NAME, CERT_NO))
        .materials(
            Materials::builder()
                .facial_picture_front("/9j/4AAQSkZJR")
                .build()
                .unwrap(),
        )
        .merchant_config(empty.clone())
        .ext_biz_param(empty)
        .linked_merchant_id("2088721630869411")
}

#[test]
fn method_metadata() {
    assert_eq!(
        Request::METHOD,
        "zhima.customer.certification.material.certify"
    );
    assert_eq!(Request::CALL_STYLE, CallStyle::ServerCall);
    // From the spec's `idempotency_key`: the client retries it after a timeout.
    assert_eq!(Request::IDEMPOTENCY_KEY, Some("transaction_id"));
    assert_eq!(
        Request::response_key(),
        "zhima_customer_certification_material_certify_response"
    );
}

#[test]
fn doc_example_biz_content() {
    let request = doc_example_builder().build().unwrap();
    let biz = request.to_biz_content().unwrap();
    insta::assert_snapshot!(biz);
    // Nested objects are JSON strings encoded exactly once: parsing the outer JSON gives
    // strings, and parsing those gives the objects.
    let outer: serde_json::Value = serde_json::from_str(&biz).unwrap();
    let identity = outer["identity_param"].as_str().unwrap();
    let identity: serde_json::Value = serde_json::from_str(identity).unwrap();
    assert_eq!(identity["cert_no"], CERT_NO);
    assert_eq!(identity["identity_type"], "CERT_INFO");
    assert_eq!(outer["merchant_config"], "{}");
}

#[test]
fn optional_unset_fields_are_omitted() {
    let request = Request::builder()
        .transaction_id("T1")
        .product_code("P")
        .biz_code("FACE_API")
        .identity_param(IdentityParam::resident_id(NAME, CERT_NO))
        .materials(Materials::facial_picture_front_jpeg([0xffu8, 0xd8, 0xff]))
        .build()
        .unwrap();
    let biz = request.to_biz_content().unwrap();
    assert!(
        !biz.contains("merchant_config") && !biz.contains("linked_merchant_id"),
        "{biz}"
    );
    assert!(
        biz.contains(r#"\"FACIAL_PICTURE_FRONT\":\"/9j/\""#),
        "{biz}"
    );
}

#[test]
fn round_trip_serialize_deserialize() {
    let request = doc_example_builder().build().unwrap();
    let json = serde_json::to_string(&request).unwrap();
    let back: Request = serde_json::from_str(&json).unwrap();
    assert_eq!(back, request);
    assert_eq!(back.identity_param().cert_no(), CERT_NO);
    assert_eq!(back.identity_param().cert_type(), &CertType::IdentityCard);
    assert_eq!(
        back.identity_param().identity_type(),
        &IdentityType::CertInfo
    );
    assert!(back.validate().is_ok());
}

#[test]
fn deserialize_errors_name_the_field() {
    let err = serde_json::from_str::<Request>(r#"{"product_code":"p"}"#).unwrap_err();
    assert!(
        err.to_string().contains("missing field `transaction_id`"),
        "{err}"
    );
    let json = r#"{"transaction_id":"t","product_code":"p","biz_code":"FACE_API",
        "identity_param":"{\"identity_type\":\"CERT_INFO\",\"cert_type\":\"IDENTITY_CARD\",\"cert_name\":\"x\"}",
        "materials":"{\"FACIAL_PICTURE_FRONT\":\"a\"}"}"#;
    let err = serde_json::from_str::<Request>(json).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing field `identity_param.cert_no`"),
        "{err}"
    );
    let json = json.replace(r#""materials":"{"#, r#""materials":"{oops"#);
    let err = serde_json::from_str::<Request>(&json)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`identity_param.cert_no`") || err.contains("`materials`"),
        "{err}"
    );
    let bad_type = r#"{"transaction_id":7}"#;
    let err = serde_json::from_str::<Request>(bad_type)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("field `transaction_id`: expected a string, found a number"),
        "{err}"
    );
}

#[test]
fn deserialized_requests_are_validated_by_validate() {
    // A gateway emulator parses first and reports rules afterwards.
    let json = format!(
        r#"{{"transaction_id":"{}","product_code":"p","biz_code":"FACE_API",
        "identity_param":{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"x","cert_no":"1"}},
        "materials":"{{\"FACIAL_PICTURE_FRONT\":\"a\"}}"}}"#,
        "a".repeat(33)
    );
    let request: Request = serde_json::from_str(&json).unwrap();
    assert_eq!(request.validate().unwrap_err().field(), "transaction_id");
    assert_eq!(
        request.to_biz_content().unwrap_err().field(),
        "transaction_id"
    );
}

#[test]
fn built_and_decoded_requests_differ_only_in_what_is_left_to_check() {
    // `build()` checked the built one (prepare does not walk it again); the decoded
    // one is checked where it is used. Neither the flag nor its state shows: equal
    // values compare equal, serialise alike and print as the derived `Debug` did.
    let built = doc_example_builder().build().unwrap();
    let decoded = Request::from_json_str(&built.to_biz_content().unwrap()).unwrap();
    assert_eq!(decoded, built);
    assert_eq!(
        decoded.to_biz_content().unwrap(),
        built.to_biz_content().unwrap()
    );
    assert_eq!(format!("{decoded:?}"), format!("{built:?}"));
    let debug = format!("{built:?}");
    assert!(
        debug.starts_with(
            r#"ZhimaCustomerCertificationMaterialCertifyRequest { transaction_id: "ZGYD201610252323000001234", product_code:"#
        ) && !debug.contains("validated"),
        "{debug}"
    );
    // A decoded object that breaks a rule is refused when its request is built, under
    // its path: a built object is trusted, a decoded one is not.
    let bad = Materials::from_json_str(r#"{"FACIAL_PICTURE_FRONT":"not base64!"}"#).unwrap();
    let err = doc_example_builder().materials(bad).build().unwrap_err();
    assert_eq!(err.field(), "materials.FACIAL_PICTURE_FRONT");
}

#[test]
fn max_length_is_inclusive_and_counts_utf16() {
    assert!(
        doc_example_builder()
            .transaction_id("a".repeat(32))
            .build()
            .is_ok()
    );
    let err = doc_example_builder()
        .transaction_id("a".repeat(33))
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ValidationError::TooLong {
            field: "transaction_id".into(),
            limit: 32,
            actual: 33,
            unit: LengthUnit::Utf16
        }
    );
    assert_eq!(
        err.to_string(),
        "field `transaction_id` is too long: 33 UTF-16 code units exceeds the maximum of 32"
    );
    // 15 BMP chars + one non-BMP char = 17 UTF-16 units > 16, though only 16 chars.
    let id = format!("{}😀", "1".repeat(15));
    let err = doc_example_builder()
        .linked_merchant_id(id)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ValidationError::TooLong { ref field, limit: 16, actual: 17, .. } if field == "linked_merchant_id"),
        "{err:?}"
    );
    let id = format!("{}😀", "1".repeat(14));
    assert!(doc_example_builder().linked_merchant_id(id).build().is_ok());
}

#[test]
fn nested_object_limit_counts_its_json_string() {
    // `{"FACIAL_PICTURE_FRONT":"<n>"}` is 27 + n units; the limit is 204800.
    let fits = "A".repeat(204_800 - 27);
    let ok = doc_example_builder().materials(
        Materials::builder()
            .facial_picture_front(fits)
            .build()
            .unwrap(),
    );
    assert!(ok.build().is_ok());
    let over = "A".repeat(204_800 - 26);
    let err = doc_example_builder()
        .materials(
            Materials::builder()
                .facial_picture_front(over)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ValidationError::TooLong { ref field, limit: 204_800, actual: 204_801, .. } if field == "materials"),
        "{err:?}"
    );
    // json_object fields too: `{"k":"<n>"}` is 8 + n.
    let mut cfg = serde_json::Map::new();
    cfg.insert("k".into(), "x".repeat(1024 - 8).into());
    assert!(
        doc_example_builder()
            .merchant_config(cfg.clone())
            .build()
            .is_ok()
    );
    cfg.insert("k".into(), "x".repeat(1024 - 7).into());
    let err = doc_example_builder()
        .merchant_config(cfg)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "merchant_config");
}

#[test]
fn pattern_and_missing_fields() {
    let err = doc_example_builder()
        .transaction_id("ZGYD-2016")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `transaction_id` does not match its pattern: only the characters A-Z, a-z, 0-9 and '_' are allowed"
    );
    let err = Request::builder().product_code("p").build().unwrap_err();
    assert_eq!(
        err,
        ValidationError::Missing {
            field: "transaction_id".into()
        }
    );
    let err = doc_example_builder().product_code("").build().unwrap_err();
    assert_eq!(
        err,
        ValidationError::Missing {
            field: "product_code".into()
        }
    );
    let err = doc_example_builder()
        .identity_param(IdentityParam::resident_id("", CERT_NO))
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ValidationError::Missing {
            field: "identity_param.cert_name".into()
        }
    );
}

#[test]
fn open_enums_keep_unknown_values() {
    assert_eq!(BizCode::from("FACE_API"), BizCode::FaceApi);
    assert_eq!(
        BizCode::from("SMART_FACE"),
        BizCode::Other("SMART_FACE".into())
    );
    let request = doc_example_builder()
        .biz_code("SMART_FACE")
        .build()
        .unwrap();
    assert!(
        request
            .to_biz_content()
            .unwrap()
            .contains(r#""biz_code":"SMART_FACE""#)
    );
    assert_eq!(
        serde_json::to_string(&BizCode::FaceApi).unwrap(),
        r#""FACE_API""#
    );
}

#[test]
fn constructors_fill_fixed_values_and_encode_bytes() {
    let id = IdentityParam::resident_id(NAME, CERT_NO);
    assert_eq!(id.identity_type().as_str(), "CERT_INFO");
    assert_eq!(id.cert_type().as_str(), "IDENTITY_CARD");
    assert_eq!(id.cert_name(), NAME);
    let m = Materials::facial_picture_front_jpeg(b"\xff\xd8\xff\xe0");
    assert_eq!(m.facial_picture_front(), "/9j/4A==");
    let b = Materials::builder()
        .facial_picture_front_from_bytes(b"\xff\xd8\xff\xe0")
        .build()
        .unwrap();
    assert_eq!(b, m);
}

#[test]
fn debug_masks_personal_data() {
    let request = doc_example_builder()
        .materials(Materials::facial_picture_front_jpeg(vec![0u8; 300]))
        .build()
        .unwrap();
    let debug = format!("{request:?}");
    assert!(debug.contains(r#""2601**********5964""#), "{debug}");
    assert!(debug.contains(r#""收*""#), "{debug}");
    assert!(debug.contains("<redacted 400 chars>"), "{debug}");
    assert!(
        !debug.contains(CERT_NO) && !debug.contains(NAME) && !debug.contains("AAAA"),
        "{debug}"
    );
    let builder = format!("{:?}", doc_example_builder());
    assert!(
        !builder.contains(CERT_NO) && builder.contains("<set>"),
        "{builder}"
    );
    // Errors carry paths and lengths, never values.
    let err = doc_example_builder()
        .identity_param(IdentityParam::resident_id(NAME, CERT_NO))
        .transaction_id(CERT_NO.repeat(2))
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains(CERT_NO), "{err}");
}

#[test]
fn response_passed_accepts_strings_and_booleans() {
    for (raw, expected) in [
        ("\"true\"", true),
        ("\"false\"", false),
        ("true", true),
        ("false", false),
    ] {
        let json = format!(
            r#"{{"code":"10000","msg":"Success","biz_no":"ZM1","passed":{raw},"failed_reason":"认证完成"}}"#
        );
        let r: Response = serde_json::from_str(&json).unwrap();
        assert_eq!(r.passed, expected, "{raw}");
        assert_eq!(r.biz_no, "ZM1");
    }
    let err =
        serde_json::from_str::<Response>(r#"{"biz_no":"ZM1","passed":"yes","failed_reason":""}"#)
            .unwrap_err();
    assert!(err.to_string().contains("field `passed`"), "{err}");
}

#[test]
fn a_success_without_a_required_field_names_it() {
    // Only verified 10000 answers are decoded; one that omits `passed` cannot say
    // whether the person passed, so it is an error naming the field, not a default.
    let err = serde_json::from_str::<Response>(
        r#"{"code":"10000","msg":"Success","biz_no":"ZM1","failed_reason":"x"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing field `passed`"), "{err}");
    // The response type is `#[non_exhaustive]`: built by decoding, never by a literal.
    let r = <Response as alipay_api::FromJson>::from_json_str(
        r#"{"biz_no":"ZM1","passed":true,"failed_reason":"认证完成"}"#,
    )
    .unwrap();
    let wire = serde_json::to_string(&r).unwrap();
    assert_eq!(
        wire,
        r#"{"biz_no":"ZM1","passed":"true","failed_reason":"认证完成"}"#
    );
}

#[test]
fn an_unreadable_member_cannot_hide_a_repeated_key_or_be_dropped() {
    let info = alipay_api::method("alipay.user.certify.open.certify").unwrap();
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for unreadable in ["1e400", r#""\ud800""#, deep.as_str()] {
        for text in [
            format!(r#"{{"certify_id":"A","x":{unreadable},"certify_id":"B"}}"#),
            format!(r#"{{"certify_id":"A","x":{unreadable}}}"#),
        ] {
            let err = (info.check_biz_content)(&text).unwrap_err();
            assert!(
                matches!(err, alipay_api::BizContentError::Decode(_)),
                "{text}: {err:?}"
            );
        }
    }
}

#[test]
fn registry_checks_biz_content_and_names_unknown_fields() {
    let info = alipay_api::method("zhima.customer.certification.material.certify").unwrap();
    assert!(info.legacy);
    assert_eq!(info.idempotency_key, Some("transaction_id"));
    assert!(info.replaced_by.contains(&"alipay.user.certify.open.*"));
    let good = serde_json::json!({
        "transaction_id": "T1",
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": r#"{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"收委","cert_no":"260104197909275964"}"#,
        "materials": r#"{"FACIAL_PICTURE_FRONT":"/9j/4AAQSkZJR"}"#,
    });
    let out = (info.check_biz_content)(&good.to_string()).unwrap();
    assert!(out.contains(r#""transaction_id":"T1""#), "{out}");

    let mut typo = good.clone();
    typo["transacton_id"] = "T2".into();
    typo["identity_param"] =
        r#"{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"收委","cert_no":"260104197909275964","cert_nmae":"x"}"#.into();
    let err = (info.check_biz_content)(&typo.to_string()).unwrap_err();
    match &err {
        alipay_api::BizContentError::UnknownFields { fields, .. } => {
            assert_eq!(fields, &["identity_param.cert_nmae", "transacton_id"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("260104197909275964"), "{err}");

    let mut long = good;
    long["transaction_id"] = "A".repeat(33).into();
    let err = (info.check_biz_content)(&long.to_string()).unwrap_err();
    assert!(
        err.to_string().contains("33") && err.to_string().contains("32"),
        "{err}"
    );
    // serde's own messages quote the value; the check keeps only its kind.
    let err = (info.check_biz_content)(&format!("\"{NAME} {CERT_NO}\"")).unwrap_err();
    assert!(
        matches!(&err, alipay_api::BizContentError::Decode(m) if m.path().is_empty()
            && *m.kind() == alipay_api::DecodeErrorKind::WrongType { expected: "an object", found: "a string" }),
        "{err}"
    );
    assert!(
        !err.to_string().contains(CERT_NO) && !err.to_string().contains(NAME),
        "{err}"
    );
    assert!(alipay_api::method("alipay.trade.nonexistent").is_none());

    // A decode error names the field and the problem, never the value given.
    let mut wrong = serde_json::json!({
        "transaction_id": "T1",
        "identity_param": {"cert_name": 260104197909275964_u64},
    });
    for bad in [
        wrong.to_string(),
        serde_json::json!("收委 260104197909275964").to_string(),
        r#"{"transaction_id":"收委 260104197909275964"#.to_owned(),
    ] {
        let err = (info.check_biz_content)(&bad).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            matches!(err, alipay_api::BizContentError::Decode(_)),
            "{shown}"
        );
        assert!(!shown.contains("收委"), "{shown}");
        assert!(!shown.contains("260104"), "{shown}");
    }
    wrong["transaction_id"] = 7.into();
    let err = (info.check_biz_content)(&wrong.to_string()).unwrap_err();
    let shown = alipay_api::ErrorChain(&err).to_string();
    assert_eq!(
        shown,
        "biz_content does not match the spec: field `transaction_id`: expected a string, \
         found a number"
    );
    let alipay_api::BizContentError::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "transaction_id");

    // A key given twice would be sent as one of its values without a word: refused,
    // at the top and inside a nested object carried as a JSON string.
    for twice in [
        r#"{"transaction_id":"T1","transaction_id":"T2","product_code":"p","biz_code":"FACE_API","identity_param":"{}","materials":"{}"}"#,
        r#"{"transaction_id":"T1","product_code":"p","biz_code":"FACE_API","identity_param":"{\"cert_no\":\"A\",\"cert_no\":\"B\"}","materials":"{}"}"#,
    ] {
        let err = (info.check_biz_content)(twice).unwrap_err();
        assert!(
            matches!(&err, alipay_api::BizContentError::Decode(d) if *d.kind() == alipay_api::DecodeErrorKind::DuplicateKey),
            "{err:?}"
        );
    }
}
