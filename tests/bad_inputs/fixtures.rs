//! What rows run against: the shared `Fixture` (the local answer server and the test
//! Alipay key), complete client builders to change one setting of, and the helpers
//! that turn building, requesting and calling into an `Attempt`.

use super::*;

pub(crate) struct Fixture {
    pub(crate) server: Arc<Server>,
    pub(crate) alipay_signer: AppPrivateKey,
}

/// A fixed time inside the certificates' validity (2030-01-01 UTC).
pub(crate) fn in_2030() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture {
            server: Server::start(),
            alipay_signer: AppPrivateKey::parse(ALIPAY_PRIVATE).unwrap(),
        }
    }

    /// A complete public-key-mode builder; rows change the one setting they are
    /// about. Its gateway is this test's server (no call reaches anything else).
    pub(crate) fn base(&self) -> ClientBuilder<AlipayClient> {
        self.base_for("unused")
    }

    pub(crate) fn base_for(&self, case: &str) -> ClientBuilder<AlipayClient> {
        AlipayClient::builder()
            .app_id(APP_ID)
            .app_private_key(APP_PRIVATE)
            .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC))
            .gateway(Gateway::Custom(self.server.url(case)))
            .retry(RetryPolicy::none())
            .timeout(Duration::from_secs(5))
            .clock(in_2030)
    }

    /// A complete certificate-mode builder (no Alipay public key).
    pub(crate) fn cert_base(&self) -> ClientBuilder<AlipayClient> {
        AlipayClient::builder()
            .app_id(APP_ID)
            .app_private_key(APP_PRIVATE)
            .alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT))
            .gateway(Gateway::Custom(self.server.url("unused")))
            .retry(RetryPolicy::none())
            .clock(in_2030)
    }

    /// A body as the gateway sends it: `node` under the method's key, signed with the
    /// (test) Alipay private key.
    pub(crate) fn signed(&self, node: &str) -> String {
        format!(
            r#"{{"{NODE_KEY}":{node},"sign":"{}"}}"#,
            self.sign(node.as_bytes())
        )
    }

    pub(crate) fn sign(&self, bytes: &[u8]) -> String {
        STANDARD.encode(self.alipay_signer.sign(SignType::Rsa2, bytes).unwrap())
    }
}

/// A well-formed success node of the certify method.
pub(crate) const SUCCESS_NODE: &str = r#"{"code":"10000","msg":"Success","biz_no":"ZM201612013000000393900404029253","passed":"true","failed_reason":"认证完成"}"#;

/// Builds the client; `shown` gets the builder's and the client's `Debug`.
pub(crate) fn build(builder: ClientBuilder<AlipayClient>) -> Attempt {
    let shown = format!("{builder:?}");
    Attempt::from(builder.build().map_err(Got::Build)).shown(shown)
}

/// Builds the request; `shown` gets the builder's and the request's `Debug`.
pub(crate) fn request(builder: RequestBuilder) -> Attempt {
    let shown = format!("{builder:?}");
    Attempt::from(builder.build().map_err(Got::Request)).shown(shown)
}

/// Checks raw `biz_content` against the certify spec (what `alipay call` does).
pub(crate) fn biz_content(json: &str) -> Attempt {
    let info = alipay_api::method(METHOD).unwrap();
    Attempt::from((info.check_biz_content)(json).map_err(Got::BizContent))
}

/// Sends the documentation example to `case`, answered by `reply`.
pub(crate) fn call(fx: &Fixture, case: &'static str, reply: Reply) -> Attempt {
    call_with(fx, case, reply, |b| b)
}

pub(crate) fn call_with(
    fx: &Fixture,
    case: &'static str,
    reply: Reply,
    configure: impl FnOnce(ClientBuilder<AlipayClient>) -> ClientBuilder<AlipayClient>,
) -> Attempt {
    fx.server.set(case, reply);
    let client = configure(fx.base_for(case)).build().unwrap();
    Attempt::from(
        client
            .execute(&certify_request("CATALOGUE_0001"))
            .map_err(Got::Call),
    )
    .shown(format!("{client:?}"))
}

/// A raw call to `case`, answered with an unsigned gateway error if it gets there.
pub(crate) fn raw_call(fx: &Fixture, case: &'static str, method: &str, biz: &str) -> Attempt {
    fx.server.set(
        case,
        http(
            "200 OK",
            r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method","sub_msg":"不存在的方法名"}}"#,
        ),
    );
    let client = fx.base_for(case).build().unwrap();
    Attempt::from(client.execute_raw(method, biz).map_err(Got::Call))
}
