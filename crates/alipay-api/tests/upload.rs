//! `datadigital.fincloud.generalsaas.face.source.certify`: a `parameters = "form"`
//! method with a file field, AES required.

use alipay_api::datadigital_fincloud_generalsaas_face_source_certify::{
    BizCode, CertType, DatadigitalFincloudGeneralsaasFaceSourceCertifyRequest as Request,
    DatadigitalFincloudGeneralsaasFaceSourceCertifyRequestBuilder as Builder,
};
use alipay_api::{ApiMethod, FromJson, Placement, UploadFile, ValidationError};

const LIMIT: usize = 1024 * 1024;

fn photo(len: usize) -> UploadFile {
    let mut bytes = vec![0u8; len];
    bytes[..3].copy_from_slice(&[0xff, 0xd8, 0xff]);
    UploadFile::from_bytes(bytes, "face.jpg")
}

fn builder(len: usize) -> Builder {
    Request::builder()
        .biz_code(BizCode::DataSource)
        .cert_name("张大伟")
        .cert_no("131128199032333322")
        .cert_type(CertType::IdentityCard)
        .file_content(photo(len))
        .reserved(true)
}

#[test]
fn the_spec_says_form_parameters_a_file_and_encryption() {
    assert_eq!(Request::PARAMETERS, Placement::Form);
    assert_eq!(Request::FILE_FIELDS, ["file_content"]);
    const { assert!(Request::ENCRYPTION_REQUIRED) };
}

#[test]
fn text_fields_are_form_parameters_and_the_file_a_part() {
    let r = builder(10).outer_biz_no("B1").build().unwrap();
    let params = r.request_params().unwrap();
    assert_eq!(params.biz_content_json(), None);
    let mut text: Vec<(&str, &str)> = params.text_params().collect();
    text.sort();
    assert_eq!(
        text,
        [
            ("biz_code", "DATA_SOURCE"),
            ("cert_name", "张大伟"),
            ("cert_no", "131128199032333322"),
            ("cert_type", "IDENTITY_CARD"),
            ("outer_biz_no", "B1"),
            ("reserved", "true"),
        ]
    );
    let files: Vec<(&str, &UploadFile)> = params.files().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "file_content");
    assert_eq!(files[0].1.len(), 10);
    // A form method has no biz_content to give.
    assert!(
        r.to_biz_content().unwrap().contains("cert_no"),
        "the text fields as JSON"
    );
}

#[test]
fn the_file_limit_is_checked_in_bytes_before_sending() {
    assert!(builder(LIMIT).build().is_ok());
    match builder(LIMIT + 1).build() {
        Err(ValidationError::TooLong {
            field,
            limit,
            actual,
            ..
        }) => assert_eq!(
            (field.as_str(), limit, actual),
            ("file_content", LIMIT, LIMIT + 1)
        ),
        other => panic!("{other:?}"),
    }
    // Required: no file, no request.
    let missing = Request::builder()
        .biz_code(BizCode::DataSource)
        .cert_name("张大伟")
        .cert_no("131128199032333322")
        .cert_type(CertType::IdentityCard)
        .build();
    assert!(matches!(missing, Err(ValidationError::Missing { field }) if field == "file_content"));
}

#[test]
fn debug_shows_neither_the_person_nor_the_photo() {
    let r = builder(64).phone("13088646325").build().unwrap();
    let debug = format!("{r:?}");
    for secret in ["张大伟", "131128199032333322", "13088646325", "face.jpg"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("len: 64"), "{debug}");
}

#[test]
fn a_file_field_never_comes_from_json() {
    // Decoding received JSON must not make the SDK read or upload a local file.
    let json = r#"{"biz_code":"DATA_SOURCE","cert_name":"张大伟","cert_no":"131128199032333322","cert_type":"IDENTITY_CARD","file_content":"@/etc/passwd"}"#;
    let e = Request::from_json_str(json).unwrap_err();
    assert_eq!(e.path(), "file_content");
    assert!(!e.to_string().contains("/etc"), "{e}");
}

#[test]
fn envelope_signs_the_text_parameters_and_not_the_file() {
    use std::time::{Duration, UNIX_EPOCH};
    // 2026-11-30 12:00:00 Beijing time.
    let at = UNIX_EPOCH + Duration::from_secs(1_796_011_200);
    let client = alipay_api::AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(include_str!("data/app_private_pkcs1.pem"))
        .alipay_trust(alipay_api::AlipayTrust::public_key(include_str!(
            "data/alipay_public.pem"
        )))
        .aes_key("aa4BtZ4tspm2wnXLb1ThQA==")
        .clock(move || at)
        .build()
        .unwrap();
    let signed = client.prepare(&builder(16).build().unwrap()).unwrap();
    let content = signed.sign_content();
    assert!(!content.contains("file_content"), "files are not signed");
    insta::assert_snapshot!("source_certify_sign_content", content);
}
