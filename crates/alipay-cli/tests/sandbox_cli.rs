//! The `alipay sandbox keygen` / `alipay sandbox serve` contract, run as a user runs it:
//! the binary writes the files, serves them, and answers a signed request sent over
//! plain HTTP with a response that verifies.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use alipay_protocol::{
    AesKey, AlipayPublicKey, AppPrivateKey, Call, CertMaterial, Charset, Checked, CommonParams,
    ResponseError, SignType, SignedRequest, Timestamp, VerifiedResponse, Verifier, VerifyOptions,
    verify_response, verify_response_with,
};
use alipay_sandbox::{
    ALIPAY_CERT_FILE, CA_CERT_FILE, CA_KEY_FILE, CertSet, DEFAULT_APP_ID, KEY_FILES,
    ROOT_CERT_FILE, app_cert_file,
};
use serde_json::{Value, json};

const METHOD: &str = "zhima.customer.certification.material.certify";
const JPEG_B64: &str = "/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==";
const AES_KEY: &str = "aYA0GP8JEW+D7/UFaskCWA==";

fn alipay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A fresh directory for one test.
fn tmp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("alipay-sandbox-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn biz(transaction_id: &str) -> String {
    json!({
        "transaction_id": transaction_id,
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": json!({
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "收委",
            "cert_no": "260104197909275964",
        }).to_string(),
        "materials": json!({"FACIAL_PICTURE_FRONT": JPEG_B64}).to_string(),
    })
    .to_string()
}

/// A running `alipay sandbox serve`, killed when dropped (also when a test fails).
struct Server {
    child: Child,
    /// Kept open: the server prints more lines after the address, and a closed pipe
    /// would make those writes fail.
    _stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_alipay"))
            .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let mut stderr = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve exited before printing its address: {stderr}");
            }
            if let Some(addr) = line.trim().strip_prefix("alipay sandbox listening on ") {
                break addr.parse::<SocketAddr>().unwrap();
            }
        };
        assert_ne!(addr.port(), 0, "the printed address names the real port");
        Server {
            child,
            _stdout: stdout,
            addr,
        }
    }

    /// POSTs a signed request over a plain HTTP/1.1 connection; returns the body.
    fn post(&self, signed: &SignedRequest) -> Vec<u8> {
        let body = signed.body();
        let path = signed.url("/gateway.do");
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            signed.content_type(),
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP response");
        let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        // The body is sent with a length, never chunked: it is the raw JSON.
        assert!(head.contains("content-length:"), "{head}");
        response[split + 4..].to_vec()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn keygen_writes_a_key_set() {
    let dir = tmp_dir("keys");
    let out = alipay(&["sandbox", "keygen", path_str(&dir)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for name in KEY_FILES {
        assert!(dir.join(name).is_file(), "{name}");
        assert!(stdout.contains(name), "{stdout}");
    }
    assert!(
        !dir.join(ROOT_CERT_FILE).exists(),
        "no certificates without --cert-mode"
    );
    alipay_sandbox::KeySet::read_from_dir(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keygen_cert_mode_writes_a_certificate_set() {
    let dir = tmp_dir("certs");
    let app_id = "2021000000000042";
    let out = alipay(&[
        "sandbox",
        "keygen",
        path_str(&dir),
        "--cert-mode",
        "--app-id",
        app_id,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let app_cert = app_cert_file(app_id);
    for name in KEY_FILES.iter().copied().chain([
        app_cert.as_str(),
        ALIPAY_CERT_FILE,
        ROOT_CERT_FILE,
        CA_CERT_FILE,
        CA_KEY_FILE,
    ]) {
        assert!(dir.join(name).is_file(), "{name}");
    }
    // It tells the user which files the client takes.
    for name in [
        KEY_FILES[0],
        app_cert.as_str(),
        ALIPAY_CERT_FILE,
        ROOT_CERT_FILE,
    ] {
        assert!(
            stdout.contains(&format!("{}/{name}", dir.display())),
            "{stdout}"
        );
    }
    assert!(stdout.contains("--cert-dir"), "{stdout}");
    // The set is consistent: the Alipay certificate (with its intermediate) chains to
    // the root and the app certificate holds the app key.
    let set = CertSet::read_from_dir(&dir, app_id).unwrap();
    let alipay_pem = std::fs::read_to_string(dir.join(ALIPAY_CERT_FILE)).unwrap();
    assert_eq!(alipay_pem.matches("BEGIN CERTIFICATE").count(), 2);
    assert_eq!(set.app_id, app_id);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_answers_a_signed_request_with_a_verified_response() {
    let dir = tmp_dir("serve");
    assert!(
        alipay(&["sandbox", "keygen", path_str(&dir)])
            .status
            .success()
    );
    let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let server = Server::start(&[
        "--app-id",
        DEFAULT_APP_ID,
        "--app-public-key",
        &file(KEY_FILES[1]),
        "--alipay-private-key",
        &file(KEY_FILES[2]),
        "--product-code",
        "w1010100000000002978",
    ]);

    let app_key = AppPrivateKey::parse(std::fs::read(dir.join(KEY_FILES[0])).unwrap()).unwrap();
    let biz = biz("CLI1");
    let call = Call {
        method: METHOD,
        biz_content: Some(&biz),
        timestamp: Timestamp::now(),
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&CommonParams::new(DEFAULT_APP_ID), &call, &app_key).unwrap();
    let body = server.post(&signed);

    let alipay_key =
        AlipayPublicKey::parse(std::fs::read(dir.join(KEY_FILES[3])).unwrap()).unwrap();
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &alipay_key,
    };
    let node: Value = match verify_response(&body, &opts) {
        Ok(Checked::Verified(v)) => v.parse().unwrap(),
        other => panic!("{other:?}: {}", String::from_utf8_lossy(&body)),
    };
    assert_eq!(node["code"], "10000", "{node}");
    assert_eq!(node["passed"], "true", "{node}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_cert_mode_with_aes_answers_a_signed_encrypted_request() {
    let dir = tmp_dir("serve-cert");
    let app_id = "2021000000000043";
    let keygen = alipay(&[
        "sandbox",
        "keygen",
        path_str(&dir),
        "--cert-mode",
        "--app-id",
        app_id,
    ]);
    assert!(keygen.status.success());
    let server = Server::start(&[
        "--app-id",
        app_id,
        "--cert-dir",
        path_str(&dir),
        "--aes-key",
        AES_KEY,
    ]);

    let set = CertSet::read_from_dir(&dir, app_id).unwrap();
    let material =
        CertMaterial::new(&set.app_cert_pem, &set.alipay_cert_pem, &set.root_cert_pem).unwrap();
    let app_key = AppPrivateKey::parse(&set.keys.app_private_pem).unwrap();
    let aes = AesKey::from_base64(AES_KEY).unwrap();
    let mut common = CommonParams::new(app_id);
    common.extra = vec![
        ("app_cert_sn".into(), material.app_cert_sn().to_owned()),
        (
            "alipay_root_cert_sn".into(),
            material.alipay_root_cert_sn().to_owned(),
        ),
    ];
    let biz = biz("CLI2");
    let call = Call {
        method: METHOD,
        biz_content: Some(&biz),
        timestamp: Timestamp::now(),
        app_auth_token: None,
    };
    let signed = SignedRequest::new_encrypted(&common, &call, &aes, &app_key).unwrap();
    let body = server.post(&signed);

    let checked = verify_response_with(&body, METHOD, SignType::Rsa2, Charset::Utf8, |node| {
        material
            .verifier_for(node.alipay_cert_sn)
            .map(|k| k as &dyn Verifier)
            .map_err(|_| ResponseError::Malformed {
                reason: "unknown alipay_cert_sn".into(),
            })
    });
    let verified: VerifiedResponse = match checked {
        Ok(Checked::Verified(v)) => v,
        other => panic!("{other:?}: {}", String::from_utf8_lossy(&body)),
    };
    assert!(verified.is_encrypted(), "an AES app's answer is encrypted");
    assert_eq!(
        verified.alipay_cert_sn(),
        Some(set.alipay_cert_sn().unwrap().as_str())
    );
    let node: Value = verified
        .decrypt(&aes, Charset::Utf8)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(node["code"], "10000", "{node}");
    assert_eq!(node["passed"], "true", "{node}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_errors_name_the_flag_or_file() {
    let dir = tmp_dir("serve-errors");
    assert!(
        alipay(&["sandbox", "keygen", path_str(&dir)])
            .status
            .success()
    );
    let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let fails = |args: &[&str]| {
        let mut all = vec!["sandbox", "serve", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let out = alipay(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };

    // A key-set directory is no certificate set: the missing certificate is named.
    let err = fails(&["--cert-dir", path_str(&dir)]);
    assert!(err.contains("--cert-dir"), "{err}");
    assert!(err.contains(&app_cert_file(DEFAULT_APP_ID)), "{err}");

    // A bad AES key is named by its flag, never echoed.
    let secret = "c2VjcmV0LWtleQ=="; // 10 bytes: no AES key length
    let err = fails(&[
        "--app-public-key",
        &file(KEY_FILES[1]),
        "--alipay-private-key",
        &file(KEY_FILES[2]),
        "--aes-key",
        secret,
    ]);
    assert!(err.contains("--aes-key"), "{err}");
    assert!(!err.contains(secret), "{err}");

    // The modes exclude each other, and one of them is required.
    let err = fails(&[
        "--cert-dir",
        path_str(&dir),
        "--app-public-key",
        &file(KEY_FILES[1]),
    ]);
    assert!(err.contains("--cert-dir"), "{err}");
    let err = fails(&[]);
    assert!(err.contains("--app-public-key"), "{err}");

    // A missing key file is named with its flag.
    let err = fails(&[
        "--app-public-key",
        &file("missing.pem"),
        "--alipay-private-key",
        &file(KEY_FILES[2]),
    ]);
    assert!(err.contains("--app-public-key"), "{err}");
    assert!(err.contains("missing.pem"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
