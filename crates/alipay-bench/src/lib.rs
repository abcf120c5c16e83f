//! The rows of `BENCHMARKS.md`: what a call costs on our side, each measured against
//! the crypto floor of the same bytes in the same run.
//!
//! An Alipay call costs one RSA-2048 sign and one verify; everything else is overhead
//! the SDK adds. Each row therefore pairs the SDK path with its floor (raw aws-lc-rs on
//! exactly the bytes the SDK signs or verifies, which includes their SHA-256), so the
//! result is a ratio that does not move with the machine. The criterion benches
//! (`cargo bench -p alipay-bench`) and the quick runner (`cargo xtask bench --quick`)
//! share these definitions.

pub mod roundtrip;
pub mod timing;

use std::time::{Duration, SystemTime};

use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, IdentityParam, Materials, ZhimaCustomerCertificationMaterialCertifyRequest as Request,
};
use alipay_api::{AlipayClient, AlipayTrust, ApiMethod, Gateway};
use alipay_protocol::{AlipayPublicKey, Charset, SignType, VerifyOptions, verify_response};
use alipay_sandbox::KeySet;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::KeyPair as _;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine as _;

/// The certify method's `materials` limit is 204,800 UTF-16 units of the JSON string
/// `{"FACIAL_PICTURE_FRONT":"<base64>"}`: the largest photo whose base64 fits.
pub const LARGEST_PHOTO_BYTES: usize = (204_800 - 28) / 4 * 3;

/// Size of the large response body (an answer with a big business field).
pub const LARGE_RESPONSE_BYTES: usize = 410 * 1024;

/// One measured path and its floor, as closures the timing loops call.
pub struct Row {
    /// Stable name (`request_small`, …).
    pub name: &'static str,
    /// What the floor is, in words.
    pub floor: &'static str,
    /// The goal for measured/floor (a maximum).
    pub goal: f64,
}

/// The rows the quick runner reports, in order.
pub const ROWS: [Row; 4] = [
    Row {
        name: "request_small",
        floor: "one aws-lc-rs RSA-2048 sign of the same sign content",
        goal: 1.05,
    },
    Row {
        name: "request_large",
        floor: "one aws-lc-rs RSA-2048 sign (with its SHA-256) of the same 204 KB sign content",
        goal: 1.5,
    },
    Row {
        name: "response_small",
        floor: "one aws-lc-rs RSA-2048 verify of the same signed node",
        goal: 1.10,
    },
    Row {
        name: "response_large",
        floor: "one aws-lc-rs RSA-2048 verify (with its SHA-256) of the same 410 KB node",
        goal: 1.3,
    },
];

/// Keys, a client that never sends (it only prepares), and the inputs of every row.
pub struct Fixture {
    /// The generated key set (the sandbox uses the same one in the round trip).
    pub keys: KeySet,
    /// A client with a fixed clock, for `prepare`.
    pub client: AlipayClient,
    app_pair: KeyPair,
    alipay_pair: KeyPair,
    alipay_public: AlipayPublicKey,
    /// The largest photo the spec allows (a JPEG-looking byte string).
    pub large_photo: Vec<u8>,
    small_response: Vec<u8>,
    large_response: Vec<u8>,
}

fn der(pem: &str) -> Vec<u8> {
    alipay_protocol::armor::decode_der(pem.as_bytes()).expect("generated keys are PEM")
}

impl Fixture {
    /// Fresh keys and inputs.
    pub fn new() -> Fixture {
        let keys = KeySet::generate().expect("key generation");
        let fixed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_736_908_200);
        let client = AlipayClient::builder()
            .app_id(alipay_sandbox::DEFAULT_APP_ID)
            .app_private_key(keys.app_private_pem.as_str())
            .alipay_trust(AlipayTrust::public_key(keys.alipay_public_pem.as_str()))
            .gateway(Gateway::Custom("http://127.0.0.1:9/gateway.do".into()))
            .allow_plain_http()
            .clock(move || fixed)
            .build()
            .expect("client");
        let app_pair = KeyPair::from_pkcs8(&der(&keys.app_private_pem)).expect("app key");
        let alipay_pair = KeyPair::from_pkcs8(&der(&keys.alipay_private_pem)).expect("alipay key");
        let alipay_public = AlipayPublicKey::parse(&keys.alipay_public_pem).expect("public");
        let mut large_photo = vec![0u8; LARGEST_PHOTO_BYTES];
        // A JPEG's markers around bytes that do not compress or repeat.
        let mut x: u32 = 0x9e37_79b9;
        for b in &mut large_photo {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        large_photo[..4].copy_from_slice(&[0xff, 0xd8, 0xff, 0xe0]);
        let n = large_photo.len();
        large_photo[n - 2..].copy_from_slice(&[0xff, 0xd9]);
        let small_response = signed_body(&alipay_pair, &success_node(""));
        let filler = "x".repeat(LARGE_RESPONSE_BYTES - 700);
        let large_response = signed_body(&alipay_pair, &success_node(&filler));
        Fixture {
            keys,
            client,
            app_pair,
            alipay_pair,
            alipay_public,
            large_photo,
            small_response,
            large_response,
        }
    }

    /// The documentation example (`/9j/4AAQSkZJR` as the photo).
    pub fn small_request(&self) -> Request {
        request_with(Materials::builder().facial_picture_front("/9j/4AAQSkZJR"))
    }

    /// The certify request with the largest photo the spec allows.
    pub fn large_request(&self) -> Request {
        request_with(Materials::builder().facial_picture_front_from_bytes(&self.large_photo))
    }

    /// The SDK path of a request row: build the request (for the large one, base64 of
    /// the photo included), prepare (validate, sign), then the URL and the body.
    /// Returns the sign content, for the floor.
    pub fn request_path(&self, large: bool) -> String {
        let request = if large {
            self.large_request()
        } else {
            self.small_request()
        };
        let signed = self.client.prepare(&request).expect("prepare");
        std::hint::black_box(signed.url("http://127.0.0.1:9/gateway.do"));
        std::hint::black_box(signed.body());
        signed.sign_content().to_owned()
    }

    /// The floor of a request row: one raw RSA-2048 SHA-256 signature of `content`.
    pub fn sign_floor(&self, content: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.app_pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.app_pair
            .sign(&RSA_PKCS1_SHA256, &rng, content, &mut sig)
            .expect("sign");
        sig
    }

    /// Raw verify of `content` against the app's public key (the sandbox's half of a
    /// request, for the round-trip floor).
    pub fn verify_floor_of(&self, content: &[u8], sig: &[u8]) -> bool {
        let public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            self.app_pair.public_key().as_ref(),
        );
        public.verify(content, sig).is_ok()
    }

    /// The response body of a response row.
    pub fn response_body(&self, large: bool) -> &[u8] {
        if large {
            &self.large_response
        } else {
            &self.small_response
        }
    }

    /// The SDK path of a response row: verify the body, then decode the typed response.
    pub fn response_path(&self, body: &[u8]) -> bool {
        let verified = self.verify_body(body);
        let response = Request::decode_response(verified.raw()).expect("decodes");
        response.passed
    }

    /// The first half of [`response_path`](Self::response_path): the body verified.
    pub fn verify_body(&self, body: &[u8]) -> alipay_protocol::VerifiedResponse {
        let opts = VerifyOptions {
            method: Request::METHOD,
            sign_type: SignType::Rsa2,
            charset: Charset::Utf8,
            verifier: &self.alipay_public,
        };
        let checked = verify_response(body, &opts).expect("verifies");
        let alipay_protocol::Checked::Verified(verified) = checked else {
            panic!("the fixture answers a signed success")
        };
        verified
    }

    /// The floor of a response row: one raw verify of the signed node bytes.
    pub fn verify_floor(&self, body: &[u8]) -> bool {
        let (node, sig) = split_signed(body);
        let public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            self.alipay_pair.public_key().as_ref(),
        );
        public.verify(node, &sig).is_ok()
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

fn request_with(
    materials: alipay_api::zhima_customer_certification_material_certify::MaterialsBuilder,
) -> Request {
    Request::builder()
        .transaction_id("ZGYD201610252323000001234")
        .product_code("w1010100000000002978")
        .biz_code(BizCode::FaceApi)
        .identity_param(IdentityParam::resident_id("收委", "260104197909275964"))
        .materials(materials.build().expect("materials"))
        .build()
        .expect("request")
}

fn success_node(extra: &str) -> String {
    let mut node = String::from(
        r#"{"code":"10000","msg":"Success","biz_no":"ZM201612013000000393900404029253","passed":"true","failed_reason":"认证完成""#,
    );
    if !extra.is_empty() {
        node.push_str(r#","extra":""#);
        node.push_str(extra);
        node.push('"');
    }
    node.push('}');
    node
}

fn signed_body(pair: &KeyPair, node: &str) -> Vec<u8> {
    let mut sig = vec![0; pair.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    pair.sign(&RSA_PKCS1_SHA256, &rng, node.as_bytes(), &mut sig)
        .expect("sign");
    let sig = base64::engine::general_purpose::STANDARD.encode(sig);
    format!(r#"{{"zhima_customer_certification_material_certify_response":{node},"sign":"{sig}"}}"#)
        .into_bytes()
}

/// The node bytes and the decoded signature of a body made by [`signed_body`].
fn split_signed(body: &[u8]) -> (&[u8], Vec<u8>) {
    let start = body.iter().position(|&b| b == b':').expect("key") + 1;
    let end = body
        .windows(8)
        .rposition(|w| w == b",\"sign\":")
        .expect("sign");
    let sig = &body[end + 9..body.len() - 2];
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .expect("base64");
    (&body[start..end], sig)
}
