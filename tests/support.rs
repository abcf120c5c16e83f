//! Shared fixtures for the end-to-end tests: a sandbox with fresh keys and a client
//! configured for it.

use std::sync::OnceLock;

use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, IdentityParam, Materials, ZhimaCustomerCertificationMaterialCertifyRequest as Request,
    ZhimaCustomerCertificationMaterialCertifyRequestBuilder as RequestBuilder,
};
use alipay_api::{AlipayClient, AlipayTrust, ClientBuilder, Gateway, RetryPolicy};
use alipay_sandbox::{DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};

/// A small real JPEG (a drawn face).
pub const FACE_JPEG: &[u8] = include_bytes!("../crates/alipay-api/examples/face.jpg");
/// The documentation example's identity.
pub const NAME: &str = "收委";
/// The documentation example's ID number (valid GB 11643 check digit).
pub const ID_NUMBER: &str = "260104197909275964";

/// One key set per test binary: RSA key generation is the slow part of a fixture.
pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().expect("key generation"))
}

/// A sandbox for [`keys`] on 127.0.0.1.
pub async fn sandbox() -> Sandbox {
    Sandbox::start_local(SandboxConfig::from_key_set(DEFAULT_APP_ID, keys()).unwrap())
        .await
        .unwrap()
}

/// A client builder for `sandbox`, without retries unless a test asks for them.
pub fn client_builder(sandbox: &Sandbox) -> ClientBuilder<AlipayClient> {
    AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .app_private_key(keys().app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(keys().alipay_public_pem.as_str()))
        .gateway(Gateway::Custom(sandbox.url()))
        .retry(RetryPolicy::none())
}

/// A builder holding the documentation example with a real photo; tests override the
/// one field they are about.
pub fn certify_builder(transaction_id: &str) -> RequestBuilder {
    Request::builder()
        .transaction_id(transaction_id)
        .product_code("w1010100000000002978")
        .biz_code(BizCode::FaceApi)
        .identity_param(IdentityParam::resident_id(NAME, ID_NUMBER))
        .materials(Materials::facial_picture_front_jpeg(FACE_JPEG))
}

/// The documentation example with a real photo and the given transaction id.
pub fn certify_request(transaction_id: &str) -> Request {
    certify_builder(transaction_id).build().unwrap()
}
