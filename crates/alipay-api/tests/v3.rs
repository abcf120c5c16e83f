//! Typed calls over OpenAPI v3 (`ClientBuilder::protocol(Protocol::V3)`) against the
//! sandbox's v3 paths, over real HTTP: the same request types, error type, retries and
//! verification as over gateway.do.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use alipay_api::ApiMethod as _;
use alipay_api::alipay_user_certify_open_initialize::{
    AlipayUserCertifyOpenInitializeRequest as Initialize, BizCode, OpenCertifyIdentityParam,
    OpenCertifyMerchantConfig,
};
use alipay_api::alipay_user_certify_open_query::{
    AlipayUserCertifyOpenQueryRequest as Query, Passed,
};
use alipay_api::{
    AlipayClient, AlipayTrust, CallOptions, ClientBuilder, Error, Gateway, Protocol, RawV3Response,
    RetryPolicy, VerifyError,
};
use alipay_sandbox::{CertSet, DEFAULT_APP_ID, Fault, KeySet, Sandbox, SandboxConfig};

const NAME: &str = "张三";
const CERT_NO: &str = "11010519491231002X";

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().unwrap())
}

fn base(sandbox: &Sandbox) -> ClientBuilder {
    AlipayClient::builder()
        .app_id(DEFAULT_APP_ID)
        .gateway(Gateway::Custom(sandbox.url()))
        .protocol(Protocol::V3)
        .retry(RetryPolicy::none())
}

/// A client with the sandbox's keys, over v3.
fn keyed(sandbox: &Sandbox) -> ClientBuilder {
    base(sandbox)
        .app_private_key(keys().app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(keys().alipay_public_pem.as_str()))
}

fn client(sandbox: &Sandbox) -> AlipayClient {
    keyed(sandbox).build().unwrap()
}

async fn sandbox() -> Sandbox {
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .record_requests(100);
    Sandbox::start_local(config).await.unwrap()
}

fn initialize(order: &str, cert_no: &str) -> Initialize {
    Initialize::builder()
        .outer_order_no(order)
        .biz_code(BizCode::Face)
        .identity_param(OpenCertifyIdentityParam::resident_id(NAME, cert_no))
        .merchant_config(OpenCertifyMerchantConfig::returning_to(
            "https://merchant.example/return",
        ))
        .build()
        .unwrap()
}

/// The query as a raw v3 GET.
async fn raw_query(client: &AlipayClient, certify_id: &str) -> Result<RawV3Response, Error> {
    let path = format!("/v3/alipay/user/certify/open/query?certify_id={certify_id}");
    client.execute_raw_v3("GET", &path, "").await
}

fn query(certify_id: &str) -> Query {
    Query::builder().certify_id(certify_id).build().unwrap()
}

#[tokio::test]
async fn a_typed_initialize_and_query_go_over_v3_and_come_back_verified() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let started = client.execute(&initialize("V3N1", CERT_NO)).await.unwrap();
    assert_eq!(started.certify_id.len(), 32, "{:?}", started.certify_id);
    // Repeating the idempotency key answers the same certification.
    let again = client.execute(&initialize("V3N1", CERT_NO)).await.unwrap();
    assert_eq!(again.certify_id, started.certify_id);

    let answer = client.execute(&query(&started.certify_id)).await.unwrap();
    assert_eq!(
        answer.passed,
        Passed::NotPassed,
        "queried before the page was used"
    );
    assert!(answer.fail_reason.is_some());

    // Nothing went to gateway.do (the sandbox records only its requests) ...
    assert!(sandbox.requests().is_empty(), "{:?}", sandbox.requests());
    // ... and the same certification is known there: one ledger, two protocols.
    let over_gateway_do = client
        .execute_with(
            &query(&started.certify_id),
            CallOptions::new().protocol(Protocol::GatewayDo),
        )
        .await
        .unwrap();
    assert_eq!(over_gateway_do.passed, Passed::NotPassed);
    assert_eq!(sandbox.requests().len(), 1);
}

#[tokio::test]
async fn business_errors_come_back_as_verified_gateway_errors_with_the_http_status() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    // A resident ID with a wrong check character passes the client's length rules and
    // is refused by the gateway's business rules.
    let err = client
        .execute(&initialize("V3N2", "110105194912310021"))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert!(g.verified());
    assert_eq!(g.http_status(), Some(400));
    assert_eq!(g.code(), "40004");
    assert_eq!(g.sub_code(), Some("INVALID_PARAMETER"));
    let text = err.to_string();
    assert!(!text.contains("110105194912310021"), "{text}");

    let err = client.execute(&query(&"0".repeat(32))).await.unwrap_err();
    assert_eq!(err.as_gateway().and_then(|g| g.http_status()), Some(400));
}

#[tokio::test]
async fn a_forged_answer_is_refused() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    sandbox.inject(Fault::BadSignature);
    let err = client
        .execute(&initialize("V3N3", CERT_NO))
        .await
        .unwrap_err();
    match &err {
        Error::Verify(VerifyError::SignatureMismatch(m)) => {
            assert!(!m.is_missing());
            assert!(m.node().contains("/v3/alipay/user/certify/open/initialize"));
        }
        other => panic!("{other:?}"),
    }
    // Signed by a key that is not Alipay's: the same refusal.
    let foreign = KeySet::generate().unwrap();
    let client = base(&sandbox)
        .app_private_key(keys().app_private_pem.as_str())
        .alipay_trust(AlipayTrust::public_key(foreign.alipay_public_pem.as_str()))
        .build()
        .unwrap();
    let err = client
        .execute(&initialize("V3N3", CERT_NO))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::SignatureMismatch(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_answer_signed_long_ago_is_refused_as_stale() {
    // The sandbox's clock runs 10 minutes behind: it still accepts our requests (its
    // window is 15 minutes) but signs its answers with its own time.
    let behind = || SystemTime::now() - Duration::from_secs(600);
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .clock(behind);
    let sandbox = Sandbox::start_local(config).await.unwrap();
    let err = client(&sandbox)
        .execute(&initialize("V3N4", CERT_NO))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::StaleOrReplayed(_))),
        "{err:?}"
    );
    // A wider window accepts it.
    let client = keyed(&sandbox)
        .v3_answer_window(Duration::from_secs(900))
        .build()
        .unwrap();
    client.execute(&initialize("V3N4", CERT_NO)).await.unwrap();
}

#[tokio::test]
async fn a_transient_error_is_retried_only_for_an_idempotent_call() {
    let sandbox = sandbox().await;
    let client = keyed(&sandbox)
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    // initialize declares `outer_order_no` as its idempotency key: retried.
    sandbox.inject(Fault::UnknownError);
    client.execute(&initialize("V3N5", CERT_NO)).await.unwrap();

    // A raw POST has no key: the verified 500 is returned, not sent again.
    sandbox.inject(Fault::UnknownError);
    let body = initialize("V3N6", CERT_NO).to_biz_content().unwrap();
    let err = client
        .execute_raw_v3("POST", "/v3/alipay/user/certify/open/initialize", &body)
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((g.http_status(), g.code()), (Some(500), "20000"));
    assert!(err.is_retryable_if_idempotent() && !err.is_retryable());
}

#[tokio::test]
async fn raw_v3_calls_are_verified_and_checked_before_sending() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let started = client.execute(&initialize("V3N7", CERT_NO)).await.unwrap();
    let raw = raw_query(&client, &started.certify_id).await.unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.to_value().unwrap()["passed"], "F");
    assert!(!format!("{raw:?}").contains("passed"));

    for (method, path, body, field) in [
        ("POST", "/gateway.do", "{}", "path_and_query"),
        ("post", "/v3/x", "{}", "http_method"),
        ("HEAD", "/v3/x", "", "http_method"),
        ("POST", "/v3/x", "[1]", "body"),
        // Each would reach another URL than the one signed.
        ("POST", "/v3/x y", "{}", "path_and_query"),
        ("POST", "/v3/../gateway.do", "{}", "path_and_query"),
        ("POST", "/v3/%2e%2e/gateway.do", "{}", "path_and_query"),
        ("POST", "/v3/a\\..\\..\\gateway.do", "{}", "path_and_query"),
        ("POST", "/v3/x#frag?a=1", "{}", "path_and_query"),
        ("GET", "/v3/x?a='b\"<>", "", "path_and_query"),
        ("GET", "/v3/x{y}", "", "path_and_query"),
    ] {
        let err = client.execute_raw_v3(method, path, body).await.unwrap_err();
        match &err {
            Error::InvalidRequest(e) => assert_eq!(e.field(), field, "{err}"),
            other => panic!("{method} {path}: {other:?}"),
        }
    }
    // auth_token has no place in v3: refused, not dropped.
    let err = client
        .execute_raw_v3_with(
            "GET",
            "/v3/alipay/user/certify/open/query?certify_id=1",
            "",
            CallOptions::new().auth_token("user-token"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    // Nor has a client-wide notify_url: refused, not dropped.
    let notifying = keyed(&sandbox)
        .notify_url("https://merchant.example/notify")
        .build()
        .unwrap();
    let err = notifying
        .execute(&initialize("V3N13", CERT_NO))
        .await
        .unwrap_err();
    match &err {
        Error::InvalidRequest(e) => assert_eq!(e.field(), "notify_url"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn certificate_mode_and_aes_work_over_v3() {
    static CERTS: OnceLock<CertSet> = OnceLock::new();
    let certs = CERTS.get_or_init(|| CertSet::generate(DEFAULT_APP_ID).unwrap());
    let sandbox = Sandbox::start_local(SandboxConfig::from_cert_set(certs).unwrap())
        .await
        .unwrap();
    let cert_client = base(&sandbox)
        .app_private_key(certs.keys.app_private_pem.as_str())
        .alipay_trust(AlipayTrust::certificates(
            certs.app_cert_pem.as_str(),
            certs.alipay_cert_pem.as_str(),
            certs.root_cert_pem.as_str(),
        ))
        .build()
        .unwrap();
    let started = cert_client
        .execute(&initialize("V3N8", CERT_NO))
        .await
        .unwrap();
    let answer = cert_client
        .execute(&query(&started.certify_id))
        .await
        .unwrap();
    assert_eq!(answer.passed, Passed::NotPassed);

    let aes = "aYA0GP8JEW+D7/UFaskCWA==";
    let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, keys())
        .unwrap()
        .aes_key(DEFAULT_APP_ID, aes)
        .unwrap();
    let sandbox = Sandbox::start_local(config).await.unwrap();
    let encrypting = keyed(&sandbox).aes_key(aes).build().unwrap();
    let started = encrypting
        .execute(&initialize("V3N9", CERT_NO))
        .await
        .unwrap();
    assert_eq!(started.certify_id.len(), 32);
    // The answer to an encrypted body came back encrypted and verified.
    let raw = encrypting
        .execute_raw_v3(
            "POST",
            "/v3/alipay/user/certify/open/initialize",
            &initialize("V3N14", CERT_NO).to_biz_content().unwrap(),
        )
        .await
        .unwrap();
    assert!(raw.was_encrypted());
    assert_eq!(
        raw.to_value().unwrap()["certify_id"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    // The app turned content encryption on: a client that does not encrypt is refused
    // (so the call above did encrypt), with a verified error saying so.
    let err = client(&sandbox)
        .execute(&initialize("V3N10", CERT_NO))
        .await
        .unwrap_err();
    let g = err.as_gateway().unwrap_or_else(|| panic!("{err:?}"));
    assert!(g.verified());
    assert_eq!(g.sub_code(), Some("missing-encrypt-type"));
}

#[derive(Clone, Default)]
struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_v3_call_is_traced_like_any_call_without_personal_data() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let started = client.execute(&initialize("V3N11", CERT_NO)).await.unwrap();
    client
        .execute(&initialize("V3N12", "110105194912310021"))
        .await
        .unwrap_err();
    raw_query(&client, &started.certify_id).await.unwrap();
    let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        out.contains("method=\"alipay.user.certify.open.initialize\"")
            && out.contains("protocol=\"v3\""),
        "{out}"
    );
    assert!(out.contains("sub_code=\"INVALID_PARAMETER\""), "{out}");
    assert!(
        out.contains("method=\"GET /v3/alipay/user/certify/open/query\""),
        "{out}"
    );
    for secret in [
        NAME,
        CERT_NO,
        "110105194912310021",
        started.certify_id.as_str(),
    ] {
        assert!(!out.contains(secret), "`{secret}` was traced:\n{out}");
    }
}
