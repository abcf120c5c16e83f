//! `datadigital.fincloud.generalsaas.face.source.certify` end to end: the typed client
//! uploads a photo (multipart/form-data) to the sandbox over real HTTP and decodes the
//! verified answer.

use std::sync::OnceLock;

use alipay_api::datadigital_fincloud_generalsaas_face_source_certify::{
    BizCode, CertType, DatadigitalFincloudGeneralsaasFaceSourceCertifyRequest as Request,
    DatadigitalFincloudGeneralsaasFaceSourceCertifyRequestBuilder as Builder, LivenessStrategy,
    Passed,
};
use alipay_api::{
    AlipayClient, AlipayTrust, Error, Gateway, RetryPolicy, UploadFile, ValidationError,
};
use alipay_sandbox::{DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};

const FACE_JPEG: &[u8] = include_bytes!("../examples/face.jpg");
const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";
const NAME: &str = "收委";
const ID_NUMBER: &str = "260104197909275964";

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

/// A sandbox whose app has content encryption on (`aes`) or off.
async fn sandbox(aes: bool) -> Sandbox {
    let mut config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys()).unwrap();
    if aes {
        config = config.aes_key(DEFAULT_APP_ID, AES_KEY).unwrap();
    }
    Sandbox::start_local(config).await.unwrap()
}

fn client(sandbox: &Sandbox, aes: bool) -> AlipayClient {
    let builder = AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .app_private_key(keys().app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(keys().alipay_public_pem.as_str()))
        .gateway(Gateway::Custom(sandbox.url()))
        .retry(RetryPolicy::none());
    if aes {
        builder.aes_key(AES_KEY).build().unwrap()
    } else {
        builder.build().unwrap()
    }
}

fn request(photo: UploadFile) -> Builder {
    Request::builder()
        .biz_code(BizCode::DataSource)
        .cert_name(NAME)
        .cert_no(ID_NUMBER)
        .cert_type(CertType::IdentityCard)
        .file_content(photo)
        .outer_biz_no("SRC001")
        .reserved(false)
}

fn face() -> UploadFile {
    UploadFile::from_bytes(FACE_JPEG, "face.jpg")
}

#[tokio::test]
async fn a_real_photo_and_a_valid_identity_pass() {
    let sandbox = sandbox(true).await;
    let answer = client(&sandbox, true)
        .execute(&request(face()).build().unwrap())
        .await
        .unwrap();
    assert_eq!(answer.passed, Passed::Passed);
    let certify_no = answer.certify_no.as_deref().unwrap();
    assert!(
        certify_no.len() == 32 && certify_no.bytes().all(|b| b.is_ascii_hexdigit()),
        "{certify_no}"
    );
    assert_eq!(answer.score.as_deref(), Some("95"));
    // 48×48 pixels: 48 / 480 of full quality.
    assert_eq!(answer.quality.as_deref(), Some("10"));
    assert_eq!(answer.mismatch_reason, None);

    // What travelled: the fields as signed text parameters, the photo as an unsigned
    // file part; no encrypt_type (there is no biz_content to encrypt).
    let sent = &sandbox.requests()[0];
    assert_eq!(sent.param("cert_no"), Some(ID_NUMBER));
    assert_eq!(sent.param("reserved"), Some("false"));
    assert_eq!(sent.param("file_content"), None);
    assert_eq!(sent.param("biz_content"), None);
    assert_eq!(sent.param("encrypt_type"), None);

    // Each call is a verification of its own.
    let again = client(&sandbox, true)
        .execute(&request(face()).build().unwrap())
        .await
        .unwrap();
    assert_ne!(again.certify_no, answer.certify_no);
}

#[tokio::test]
async fn a_photo_that_is_not_a_jpeg_does_not_pass() {
    let sandbox = sandbox(true).await;
    let client = client(&sandbox, true);
    // A PNG named .jpg, and a JPEG whose frame header says 0×0.
    let png = UploadFile::from_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "face.jpg");
    let mut empty_frame = FACE_JPEG.to_vec();
    let sof = empty_frame
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .unwrap();
    empty_frame[sof + 5..sof + 9].fill(0);
    for photo in [png, UploadFile::from_bytes(empty_frame, "face.jpg")] {
        let answer = client
            .execute(&request(photo).build().unwrap())
            .await
            .unwrap();
        assert_eq!(answer.passed, Passed::NotPassed);
        assert_eq!(answer.mismatch_reason.as_deref(), Some("UNABLE_GET_IMAGE"));
        assert_eq!((answer.score, answer.quality), (None, None));
    }
}

#[tokio::test]
async fn notpass_in_the_business_number_fails_the_comparison() {
    let sandbox = sandbox(true).await;
    let answer = client(&sandbox, true)
        .execute(
            &request(face())
                .outer_biz_no("SRC-NOTPASS-1")
                .liveness_strategy(LivenessStrategy::Off)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.passed, Passed::NotPassed);
    assert_eq!(answer.mismatch_reason.as_deref(), Some("FACE_NOT_MATCH"));
    // Liveness off: no liveness score; the photo's quality is still rated.
    assert_eq!(answer.score, None);
    assert_eq!(answer.quality.as_deref(), Some("10"));
}

#[tokio::test]
async fn a_bad_id_number_is_a_verified_business_error() {
    let sandbox = sandbox(true).await;
    let err = client(&sandbox, true)
        .execute(
            &request(face())
                .cert_no("260104197909275965")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    let Error::Gateway(e) = err else {
        panic!("{err:?}")
    };
    assert!(e.verified());
    assert_eq!(
        (e.code(), e.sub_code()),
        ("40004", Some("INVALID_PARAMETER"))
    );
    let sub_msg = e.status().sub_msg.as_deref().unwrap();
    assert!(sub_msg.contains("cert_no") && sub_msg.contains("check digit"));
    assert!(!sub_msg.contains("260104"), "no ID number in {sub_msg}");
}

#[tokio::test]
async fn a_file_over_one_megabyte_is_refused_before_anything_is_sent() {
    let sandbox = sandbox(true).await;
    let mut big = FACE_JPEG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    let built = request(UploadFile::from_bytes(big, "face.jpg")).build();
    assert!(
        matches!(&built, Err(ValidationError::TooLong { field, .. }) if field == "file_content"),
        "{built:?}"
    );
    // A client without an AES key refuses the method itself.
    let err = client(&sandbox, false)
        .execute(&request(face()).build().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(ValidationError::Invalid { field, .. }) if field == "aes_key"),
        "{err:?}"
    );
    assert!(sandbox.requests().is_empty(), "nothing reached the sandbox");
}

#[tokio::test]
async fn an_app_without_content_encryption_is_refused() {
    let sandbox = sandbox(false).await;
    let err = client(&sandbox, true)
        .execute(&request(face()).build().unwrap())
        .await
        .unwrap_err();
    let Error::Gateway(e) = err else {
        panic!("{err:?}")
    };
    assert!(e.verified());
    assert_eq!(
        (e.code(), e.sub_code()),
        ("40002", Some("isv.encryption-required"))
    );
}
