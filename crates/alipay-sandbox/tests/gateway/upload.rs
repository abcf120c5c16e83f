//! `multipart/form-data` uploads (`face.source.certify`): text parts are admitted like
//! form parameters (signed), file parts are not signed, and a hostile body is refused
//! with a plain error, never a panic or an unbounded read.

use alipay_protocol::envelope::QUERY_PARAMS;
use alipay_protocol::{AesKey, MultipartBody, MultipartChunk, UploadFile, UploadSource};

use super::*;

const SOURCE: &str = "datadigital.fincloud.generalsaas.face.source.certify";
const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";
const FACE_JPEG: &[u8] = include_bytes!("../../../alipay-api/examples/face.jpg");
const BOUNDARY: &str = "SandboxTestBoundary";

async fn aes_sandbox() -> Sandbox {
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .aes_key(DEFAULT_APP_ID, AES_KEY)
        .unwrap();
    Sandbox::start_local(config).await.unwrap()
}

/// The common parameters and the method's fields, signed; `extra` adds or (when it
/// names a field) replaces parameters before signing.
fn signed(method: &str, extra: &[(&str, &str)]) -> SignedRequest {
    let timestamp = Timestamp::now().to_string();
    let mut params: Vec<(&str, &str)> = vec![
        ("app_id", DEFAULT_APP_ID),
        ("method", method),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", &timestamp),
        ("version", "1.0"),
        ("biz_code", "DATA_SOURCE"),
        ("cert_name", "收委"),
        ("cert_no", "260104197909275964"),
        ("cert_type", "IDENTITY_CARD"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    SignedRequest::sign_params(params, SignType::Rsa2, Charset::Utf8, &key).unwrap()
}

/// The body the client sends: the signed parameters that are not in the URL as text
/// parts (with `tamper` replacing one value after signing), then the files.
fn multipart(
    signed: &SignedRequest,
    tamper: Option<(&str, &str)>,
    files: &[(&str, &UploadFile)],
) -> Vec<u8> {
    let text = signed
        .params()
        .iter()
        .filter(|(k, _)| !QUERY_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| match tamper {
            Some((name, value)) if name == k => (k.as_str(), value),
            _ => (k.as_str(), v.as_str()),
        });
    let layout = MultipartBody::new(BOUNDARY, text, files.iter().copied(), Charset::Utf8).unwrap();
    let mut bytes = Vec::new();
    for chunk in layout.chunks() {
        match chunk {
            MultipartChunk::Bytes(b) => bytes.extend_from_slice(b),
            MultipartChunk::File(f) => match f.source() {
                UploadSource::Bytes(b) => bytes.extend_from_slice(b),
                _ => unreachable!("in-memory files only"),
            },
            _ => unreachable!(),
        }
    }
    bytes
}

async fn upload(sandbox: &Sandbox, signed: &SignedRequest, body: Vec<u8>) -> Sent {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    send(&signed.url(&sandbox.url()), &content_type, body).await
}

fn face() -> UploadFile {
    UploadFile::from_bytes(FACE_JPEG, "face.jpg")
}

fn verified_node(sent: &Sent, method: &str) -> Value {
    let key = AlipayPublicKey::parse(&keys().alipay_public_pem).unwrap();
    let opts = VerifyOptions {
        method,
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &key,
    };
    match verify_response(&sent.body, &opts) {
        Ok(Checked::Verified(v)) => {
            let aes = AesKey::from_base64(AES_KEY).unwrap();
            v.decrypt(&aes, Charset::Utf8).unwrap().parse().unwrap()
        }
        other => panic!(
            "not verified: {other:?} {}",
            String::from_utf8_lossy(&sent.body)
        ),
    }
}

#[tokio::test]
async fn text_parts_are_signed_and_the_file_is_not() {
    let sandbox = aes_sandbox().await;
    let request = signed(SOURCE, &[]);
    let sent = upload(
        &sandbox,
        &request,
        multipart(&request, None, &[("file_content", &face())]),
    )
    .await;
    assert_eq!(sent.status, 200);
    // No encrypt_type asked for: a plain node, though the app has an AES key.
    let node_key = format!("\"{}_response\":{{", SOURCE.replace('.', "_"));
    assert!(String::from_utf8_lossy(&sent.body).contains(&node_key));
    let node = verified_node(&sent, SOURCE);
    assert_eq!(node["passed"], "T", "{node}");

    // Changing a signed text part after signing is caught like a form parameter.
    let sent = upload(
        &sandbox,
        &request,
        multipart(
            &request,
            Some(("cert_name", "张三")),
            &[("file_content", &face())],
        ),
    )
    .await;
    assert_eq!(
        verified_node(&sent, SOURCE)["sub_code"],
        "isv.invalid-signature"
    );
}

#[tokio::test]
async fn encrypt_type_aes_gets_an_encrypted_answer() {
    let sandbox = aes_sandbox().await;
    let request = signed(SOURCE, &[("encrypt_type", "AES")]);
    let sent = upload(
        &sandbox,
        &request,
        multipart(&request, None, &[("file_content", &face())]),
    )
    .await;
    let text = String::from_utf8(sent.body.clone()).unwrap();
    let node_key = format!("\"{}_response\":\"", SOURCE.replace('.', "_"));
    assert!(text.contains(&node_key), "the node is ciphertext: {text}");
    assert_eq!(verified_node(&sent, SOURCE)["passed"], "T");
}

#[tokio::test]
async fn file_parts_go_only_to_the_method_that_takes_them() {
    let sandbox = aes_sandbox().await;
    // Another method: a file would be dropped unseen, so it is refused.
    let request = signed(METHOD, &[("encrypt_type", "AES")]);
    let sent = upload(
        &sandbox,
        &request,
        multipart(&request, None, &[("photo", &face())]),
    )
    .await;
    let node = verified_node(&sent, METHOD);
    assert_eq!(node["sub_code"], "INVALID_PARAMETER");
    assert!(node["sub_msg"].as_str().unwrap().contains("[photo]"));
    // A part name is the client's text: echoed capped and on one line.
    let long = format!("p\u{202e}{}", "n".repeat(5000));
    let sent = upload(
        &sandbox,
        &request,
        multipart(&request, None, &[(long.as_str(), &face())]),
    )
    .await;
    let msg = verified_node(&sent, METHOD)["sub_msg"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.chars().count() < 200 && !msg.contains('\u{202e}'),
        "{msg}"
    );
    // An unknown file part, two photos, or the photo as text.
    let request = signed(SOURCE, &[]);
    for (files, field) in [
        (vec![("file_content", face()), ("extra", face())], "[extra]"),
        (
            vec![("file_content", face()), ("file_content", face())],
            "[file_content]",
        ),
        (vec![], "[file_content]"),
    ] {
        let files: Vec<(&str, &UploadFile)> = files.iter().map(|(n, f)| (*n, f)).collect();
        let sent = upload(&sandbox, &request, multipart(&request, None, &files)).await;
        let node = verified_node(&sent, SOURCE);
        assert_eq!(node["sub_code"], "INVALID_PARAMETER", "{node}");
        assert!(node["sub_msg"].as_str().unwrap().contains(field), "{node}");
    }
}

/// `--B` parts by hand: (name, file name, content).
fn raw_parts(parts: &[(&str, Option<&str>, &[u8])], close: bool) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, file_name, content) in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match file_name {
            Some(f) => {
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n")
            }
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        b.extend_from_slice(disposition.as_bytes());
        b.extend_from_slice(content);
        b.extend_from_slice(b"\r\n");
    }
    if close {
        b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    }
    b
}

#[tokio::test]
async fn hostile_multipart_bodies_are_refused_plainly() {
    let sandbox = aes_sandbox().await;
    let request = signed(SOURCE, &[]);
    let url = request.url(&sandbox.url());
    let multipart_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let refused = |sent: &Sent, needle: &str| {
        assert_eq!(sent.status, 200);
        let node = unsigned(sent);
        assert_eq!(node["sub_code"], "isv.invalid-parameter", "{node}");
        let sub_msg = node["sub_msg"].as_str().unwrap();
        assert!(sub_msg.contains(needle), "{needle} in {sub_msg}");
    };

    let many: Vec<(String, Option<&str>, &[u8])> = (0..101)
        .map(|i| (format!("p{i}"), None, &b"x"[..]))
        .collect();
    let many: Vec<(&str, Option<&str>, &[u8])> =
        many.iter().map(|(n, f, c)| (n.as_str(), *f, *c)).collect();
    let sent = send(&url, &multipart_type, raw_parts(&many, true)).await;
    refused(&sent, "最多100个");

    let big = vec![0u8; 1024 * 1024 + 64 * 1024 + 1];
    let sent = send(
        &url,
        &multipart_type,
        raw_parts(&[("file_content", Some("f.jpg"), &big)], true),
    )
    .await;
    refused(&sent, "每部分最多1114112字节");

    let half = vec![0u8; 1024 * 1024];
    let sent = send(
        &url,
        &multipart_type,
        raw_parts(
            &[
                ("a", Some("a.jpg"), &half),
                ("b", Some("b.jpg"), &half),
                ("c", Some("c.jpg"), &half),
            ],
            true,
        ),
    )
    .await;
    refused(&sent, "最多2097152字节");

    let body = raw_parts(&[("cert_name", None, "收委".as_bytes())], true);
    let sent = send(&url, "multipart/form-data", body.clone()).await;
    refused(&sent, "boundary");

    let sent = send(
        &url,
        &multipart_type,
        raw_parts(&[("a", None, b"x")], false),
    )
    .await;
    refused(&sent, "不完整");
    let sent = send(&url, &multipart_type, body[..body.len() - 10].to_vec()).await;
    refused(&sent, "不完整");

    // Beyond the server's body limit the connection's own answer is a plain 413.
    let huge = vec![b'x'; 5 * 1024 * 1024];
    let sent = send(&url, &multipart_type, huge).await;
    assert_eq!(sent.status, 413);

    // Nothing of these reached the method or the request log.
    assert!(sandbox.requests().is_empty());
    // And the sandbox still answers.
    let sent = upload(
        &sandbox,
        &request,
        multipart(&request, None, &[("file_content", &face())]),
    )
    .await;
    assert_eq!(verified_node(&sent, SOURCE)["passed"], "T");
}
