//! Multipart uploads and top-level form parameters: text parameters signed, file parts
//! not, limits and encryption checked before anything is sent, files from disk streamed.

use super::*;
use alipay_transport::protocol::{RequestParams, UploadFile};
use support::{SignedReply, TestUpload};

const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";
const UPLOAD_METHOD: &str = "datadigital.fincloud.generalsaas.face.source.certify";

fn node() -> String {
    r#"{"code":"10000","msg":"Success","certify_no":"cn-1","passed":"T"}"#.into()
}

fn upload(file: UploadFile) -> TestUpload {
    TestUpload {
        outer_biz_no: "biz-001".into(),
        cert_name: CERT_NAME.into(),
        cert_no: CERT_NO.into(),
        reserved: Some(false),
        file_content: file,
    }
}

fn encrypting_gateway() -> TestGateway {
    TestGateway::always(Reply::SignedWith(SignedReply::new(node()).aes(AES_KEY)))
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("alipay-upload-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn multipart_signs_the_text_parameters_and_not_the_file() {
    let gw = encrypting_gateway();
    let c = builder(&gw.url).aes_key(AES_KEY).build().unwrap();
    let photo: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let answer = c
        .execute_with(
            &upload(UploadFile::from_bytes(photo.clone(), "face.jpg")),
            CallOptions::new().app_auth_token("isv-token"),
        )
        .await
        .unwrap();
    assert_eq!(answer["passed"], "T");

    let r = &gw.received()[0];
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_eq!(r.header("content-length").unwrap(), r.body_len.to_string());
    // The gateway's check over query + text parts passes: exactly these are signed.
    assert!(r.signature_ok, "sign content {}", r.sign_content);
    let mut text: Vec<&str> = r.form.iter().map(|(k, _)| k.as_str()).collect();
    text.sort();
    assert_eq!(
        text,
        [
            "app_auth_token",
            "cert_name",
            "cert_no",
            "outer_biz_no",
            "reserved"
        ]
    );
    assert_eq!(r.param("cert_name"), Some(CERT_NAME));
    assert_eq!(r.param("reserved"), Some("false"));
    assert!(
        r.query.iter().all(|(k, _)| k != "cert_no"),
        "business params are not in the URL"
    );
    assert!(
        !r.sign_content.contains("file_content"),
        "{}",
        r.sign_content
    );
    assert_eq!(r.files.len(), 1);
    let f = &r.files[0];
    assert_eq!(
        (f.name.as_str(), f.file_name.as_str()),
        ("file_content", "face.jpg")
    );
    assert_eq!(f.content_type, "image/jpeg");
    assert_eq!(f.bytes, photo);
    // No biz_content, so nothing to encrypt: no encrypt_type either (as Java).
    assert_eq!(r.param("encrypt_type"), None);
}

#[tokio::test]
async fn a_file_from_disk_is_streamed_and_checked_again_when_sent() {
    let gw = encrypting_gateway();
    let c = builder(&gw.url).aes_key(AES_KEY).build().unwrap();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let path = temp_file("photo.png", &bytes);
    let file = UploadFile::from_path(&path).unwrap();
    c.execute(&upload(file.clone())).await.unwrap();
    let r = &gw.received()[0];
    assert!(r.signature_ok);
    assert_eq!(r.files[0].bytes, bytes);
    assert_eq!(r.files[0].file_name, "photo.png");
    assert_eq!(r.files[0].content_type, "image/png");

    // The file grew after its length was checked: refused, nothing sent.
    std::fs::write(&path, [0u8; 300_001]).unwrap();
    let err = c.execute(&upload(file)).await.unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "file_content");
    assert!(
        !err.to_string().contains("photo.png"),
        "no path in errors: {err}"
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    assert_eq!(gw.attempts(), 1);
}

#[tokio::test]
async fn limits_and_encryption_are_checked_before_sending() {
    let gw = encrypting_gateway();
    let c = builder(&gw.url).aes_key(AES_KEY).build().unwrap();
    let big = UploadFile::from_bytes(vec![0u8; 1024 * 1024 + 1], "big.jpg");
    let err = c.execute(&upload(big)).await.unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "file_content");
    assert!(
        err.to_string().contains("1048577") && err.to_string().contains("1048576"),
        "{err}"
    );
    let at_limit = UploadFile::from_bytes(vec![0u8; 1024 * 1024], "max.jpg");
    c.execute(&upload(at_limit)).await.unwrap();
    assert_eq!(gw.attempts(), 1, "only the call at the limit was sent");

    // ENCRYPTION_REQUIRED without an AES key.
    let plain = client(&gw.url);
    let err = plain
        .execute(&upload(UploadFile::from_bytes(vec![1], "a.jpg")))
        .await
        .unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "aes_key");
    assert!(err.to_string().contains(UPLOAD_METHOD), "{err}");
    assert_eq!(gw.attempts(), 1);
}

#[tokio::test]
async fn form_parameters_without_files_are_a_plain_signed_form() {
    let gw = TestGateway::always(Reply::Signed(node()));
    let c = client(&gw.url);
    c.execute_raw_params_with(
        "alipay.system.oauth.token",
        RequestParams::form()
            .text("grant_type", "authorization_code")
            .text("code", "4b203fe6c11548bcabd8da5bb087a83b"),
        CallOptions::new(),
    )
    .await
    .unwrap();
    let r = &gw.received()[0];
    assert!(r.signature_ok);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(r.param("grant_type"), Some("authorization_code"));
    assert!(
        r.sign_content
            .contains("code=4b203fe6c11548bcabd8da5bb087a83b")
    );
    assert!(r.param("biz_content").is_none());

    // A business parameter named like a common one would replace it: refused.
    let err = c
        .execute_raw_params_with(
            "alipay.system.oauth.token",
            RequestParams::form().text("notify_url", "x"),
            CallOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "notify_url");
    assert_eq!(gw.attempts(), 1);
}
