//! A scriptable gateway on 127.0.0.1 for the transport tests, plus a hand-written
//! typed method.
//!
//! The gateway parses the form, checks the request signature with the app public key
//! and answers what the test's handler says: properly signed nodes (with the "Alipay"
//! test key), unsigned or mis-signed bodies, HTML error pages, lying `Content-Length`s,
//! endless chunked bodies, delays. It runs on its own thread and runtime, so async and
//! blocking clients can both talk to it. It only depends on `alipay-protocol`, so the
//! crate's unit tests can include it as well.
//!
//! This module holds the keys, certificates and personal data the tests use and the
//! response nodes; `method` the hand-written typed method and `server` the gateway.
#![allow(dead_code, unreachable_pub)]

mod method;
mod server;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_protocol::envelope::sign_base64;
use alipay_protocol::model::{check_max_len, response_key};
use alipay_protocol::{
    AesKey, AlipayPublicKey, ApiMethod, AppMethod, AppPrivateKey, CallStyle, Charset, LengthUnit,
    Mask, Masked, PageMethod, Placement, RequestParams, ServerMethod, SignType, UploadFile,
    ValidationError, Verifier, sign_content,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// Each test target uses a different part of the support module.
#[allow(unused_imports)]
pub use method::{TestAppMethod, TestCertify, TestCertifyResponse, TestPageMethod, TestUpload};
#[allow(unused_imports)]
pub use server::{Received, ReceivedFile, Reply, SignedReply, TestGateway, refused_url};

pub const APP_PRIVATE_PEM: &str = include_str!("../data/keys/app_private_pkcs1.pem");
pub const APP_PRIVATE_PKCS8_B64: &str = include_str!("../data/keys/app_private_pkcs8.b64");
pub const APP_PUBLIC_PEM: &str = include_str!("../data/keys/app_public.pem");
pub const ALIPAY_PRIVATE_PEM: &str = include_str!("../data/keys/alipay_private_pkcs1.pem");
pub const ALIPAY_PUBLIC_PEM: &str = include_str!("../data/keys/alipay_public.pem");
pub const SMALL_PRIVATE_PEM: &str = include_str!("../data/keys/small_1024_private_pkcs1.pem");

/// The certificate-mode fixtures (see `tests/data/certs/README.md`), issued for the keys
/// above and valid 2020-01-01 to 2049-12-31.
pub const ROOT_CERT: &str = include_str!("../data/certs/alipayRootCert.crt");
pub const APP_CERT: &str = include_str!("../data/certs/appCertPublicKey_2021000000000001.crt");
pub const ALIPAY_CERT: &str = include_str!("../data/certs/alipayCertPublicKey_RSA2.crt");
pub const ALIPAY_CERT_ROTATED: &str =
    include_str!("../data/certs/alipayCertPublicKey_RSA2_rotated.crt");
pub const ALIPAY_ROTATED_PRIVATE_PEM: &str =
    include_str!("../data/certs/alipay_rotated_private.pem");
pub const FOREIGN_ALIPAY_CERT: &str =
    include_str!("../data/certs/foreign_alipayCertPublicKey_RSA2.crt");
pub const SELF_SIGNED_CERT: &str = include_str!("../data/certs/self_signed.crt");

/// The path of a certificate fixture.
pub fn cert_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/certs")
        .join(name)
}

/// The path of a test key file, for builder tests that read files.
pub fn key_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/keys")
        .join(name)
}

/// The method the tests call.
pub const METHOD: &str = "zhima.customer.certification.material.certify";

/// Realistic personal data that must never show up in logs or errors.
pub const CERT_NO: &str = "260104197909275964";
pub const CERT_NAME: &str = "收委";
/// A few bytes that look like the start of a JPEG.
pub const PHOTO: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00face-photo-bytes-0123456789";

pub fn photo_base64() -> String {
    STANDARD.encode(PHOTO)
}

// ---------------------------------------------------------------------------------
// Response nodes.

pub fn success_node(passed: bool) -> String {
    format!(
        r#"{{"code":"10000","msg":"Success","certify_id":"ZM201612013000000393900404029253","passed":"{passed}"{}}}"#,
        if passed {
            ""
        } else {
            r#","failed_reason":"人脸比对不通过""#
        }
    )
}

pub fn error_node(code: &str, msg: &str, sub_code: &str, sub_msg: &str) -> String {
    serde_json::json!({ "code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg })
        .to_string()
}
