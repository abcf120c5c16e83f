//! A local, emulated Alipay OpenAPI gateway: a real HTTP server that checks requests
//! like `gateway.do` does and answers with correctly signed responses.
#![doc = include_str!("../README.md")]

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alipay_protocol::{
    AesError, AesKey, AlipayPublicKey, AppPrivateKey, Clock, KeyError, SystemClock,
};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use tokio::sync::oneshot;

mod admit;
mod certify;
mod certs;
mod face;
mod face_source;
mod flow;
mod gateway;
mod idcard;
mod jpeg;
mod keys;
mod multipart;
mod open_certify;
mod page;
mod v3;
mod zhima;

pub use certify::NOT_PASSED_MARKER;
pub use certs::{
    ALIPAY_CERT_FILE, CA_CERT_FILE, CA_KEY_FILE, CertSet, ROOT_CERT_FILE, app_cert_file,
};
pub use keys::{KEY_FILES, KeySet, KeySetError};

use gateway::{App, AppCert, CertState, Gateway};

/// The app id a sandbox uses when none is given.
pub const DEFAULT_APP_ID: &str = "9021000000000001";
/// The product code the sandbox accepts when none is configured (the doc example's).
pub const DEFAULT_PRODUCT_CODE: &str = "w1010100000000002978";

/// How many requests a sandbox keeps for [`Sandbox::requests`] unless
/// [`SandboxConfig::record_requests`] says otherwise: the most recent 256.
pub const DEFAULT_RECORDED_REQUESTS: usize = 256;

/// How long after `initialize` a certification can still be certified on its page
/// unless [`SandboxConfig::certify_ttl`] says otherwise: 30 minutes. (The doc pages
/// state no lifetime.) Later, the page refuses it and `query` answers not passed.
pub const DEFAULT_CERTIFY_TTL: Duration = Duration::from_secs(30 * 60);

/// How many certifications a sandbox remembers unless
/// [`SandboxConfig::certification_capacity`] says otherwise: 10 000. When full, the
/// oldest is forgotten to make room (its id is then unknown), so a flood of
/// `initialize` calls cannot grow memory without limit.
pub const DEFAULT_CERTIFICATION_CAPACITY: usize = 10_000;

/// A fault to inject into the next answer. Each injected fault applies to exactly one
/// request, in the order injected; with none queued the sandbox behaves correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer normally, after this delay.
    Delay(Duration),
    /// Answer HTTP 502 with an HTML error page, as a load balancer does.
    ServerError,
    /// Send only the first half of the body.
    TruncatedBody,
    /// Answer with a signature that does not verify.
    BadSignature,
    /// Answer a signed 20000 `isp.unknow-error` instead of processing the request.
    UnknownError,
    /// Answer a signed `40004` business failure with this `sub_code` (one of the
    /// method's documented `[[error_code]]`s, or any other) instead of processing the
    /// request.
    BusinessError(String),
    /// Leave this business field out of a signed success, as Alipay sometimes does
    /// with a field its doc page calls required (必填). A success without that field
    /// is answered with a signed `20000` `sandbox.fault-names-no-field` instead, so a
    /// misspelt fault cannot pass unnoticed; an error answer uses the fault up as is.
    OmitField(String),
    /// Give this business field of a signed success another (string) value, e.g.
    /// `passed` = `"yes"`; a field the answer lacks is refused as for `OmitField`.
    ReplaceField(String, String),
}

/// A request the sandbox received (decoded parameters, in arrival order).
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Every parameter as decoded, first occurrence of each name.
    pub params: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The value of one parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // biz_content holds personal data; show names and sizes only.
        let names: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k} ({} bytes)", v.len()))
            .collect();
        f.debug_struct("RecordedRequest")
            .field("params", &names)
            .finish()
    }
}

/// Why a sandbox could not be configured or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A key is unusable.
    #[error("{what} is unusable")]
    Key {
        /// Which key.
        what: &'static str,
        /// The problem.
        source: KeyError,
    },
    /// The certificate set is unusable, or a rotated certificate could not be issued.
    #[error("the certificate set is unusable")]
    Certificates(#[source] KeySetError),
    /// An AES key is not base64 of 16 or 32 bytes.
    #[error("the AES key of app {app_id} is unusable")]
    Aes {
        /// The app.
        app_id: String,
        /// The problem (never the key).
        source: AesError,
    },
    /// A setting names an app that was not registered.
    #[error("app {app_id} is not registered with this sandbox; add it first")]
    UnknownApp {
        /// The app id given.
        app_id: String,
    },
    /// A certificate operation on a sandbox configured without certificates.
    #[error(
        "this sandbox has no certificate-mode app; configure it with SandboxConfig::from_cert_set"
    )]
    NotCertificateMode,
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// How to run a sandbox gateway.
pub struct SandboxConfig {
    apps: HashMap<String, App>,
    alipay_private_key: AppPrivateKey,
    product_code: String,
    timestamp_window: Duration,
    clock: Arc<dyn Clock>,
    cert: Option<CertState>,
    record_limit: usize,
    pub(crate) certify_ttl: Duration,
    pub(crate) certification_capacity: usize,
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("apps", &self.apps.keys().collect::<Vec<_>>())
            .field("product_code", &self.product_code)
            .field("timestamp_window", &self.timestamp_window)
            .field("record_requests", &self.record_limit)
            .field("certify_ttl", &self.certify_ttl)
            .field("certification_capacity", &self.certification_capacity)
            .finish_non_exhaustive()
    }
}

impl SandboxConfig {
    /// A gateway for one app: its public key verifies requests, the Alipay private key
    /// signs responses. Keys in any format `alipay-protocol` reads.
    pub fn new(
        app_id: impl Into<String>,
        app_public_key: impl AsRef<[u8]>,
        alipay_private_key: impl AsRef<[u8]>,
    ) -> Result<SandboxConfig, SandboxError> {
        let alipay_private_key =
            AppPrivateKey::parse(alipay_private_key).map_err(|source| SandboxError::Key {
                what: "the sandbox's Alipay private key",
                source,
            })?;
        let mut config = SandboxConfig {
            apps: HashMap::new(),
            alipay_private_key,
            product_code: DEFAULT_PRODUCT_CODE.into(),
            timestamp_window: Duration::from_secs(15 * 60),
            clock: Arc::new(SystemClock),
            cert: None,
            record_limit: DEFAULT_RECORDED_REQUESTS,
            certify_ttl: DEFAULT_CERTIFY_TTL,
            certification_capacity: DEFAULT_CERTIFICATION_CAPACITY,
        };
        config.add_app(app_id, app_public_key)?;
        Ok(config)
    }

    /// A gateway for the certificate-mode app of a [`CertSet`] (公钥证书模式): requests
    /// must carry its `app_cert_sn` and `alipay_root_cert_sn` and are verified with the
    /// app certificate's key; answers are signed with the Alipay certificate's key and
    /// carry its `alipay_cert_sn`. The set's CA stays with the sandbox, so
    /// [`Sandbox::rotate_alipay_certificate`] can issue a replacement.
    pub fn from_cert_set(certs: &CertSet) -> Result<SandboxConfig, SandboxError> {
        let material = certs.material().map_err(SandboxError::Certificates)?;
        let mut config = SandboxConfig::new(
            certs.app_id.clone(),
            &certs.keys.app_public_pem,
            &certs.keys.alipay_private_pem,
        )?;
        if let Some(app) = config.apps.get_mut(&certs.app_id) {
            app.public_key = material.app_public_key().clone();
            app.cert = Some(AppCert {
                app_cert_sn: material.app_cert_sn().to_owned(),
                root_cert_sn: material.alipay_root_cert_sn().to_owned(),
            });
        }
        let key = AppPrivateKey::parse(&certs.keys.alipay_private_pem).map_err(|source| {
            SandboxError::Key {
                what: "the sandbox's Alipay private key",
                source,
            }
        })?;
        config.cert = Some(CertState {
            set: certs.clone(),
            key,
            sn: material.alipay_cert_sn().to_owned(),
        });
        Ok(config)
    }

    /// Turns on content encryption (接口内容加密) for a registered app with its AES key
    /// (base64 of 16 or 32 bytes, as the console shows it). Its requests must then carry
    /// `encrypt_type=AES` and encrypted `biz_content`, and its method answers are
    /// encrypted.
    pub fn aes_key(mut self, app_id: &str, key_base64: &str) -> Result<Self, SandboxError> {
        let key = AesKey::from_base64(key_base64).map_err(|source| SandboxError::Aes {
            app_id: app_id.to_owned(),
            source,
        })?;
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| SandboxError::UnknownApp {
                app_id: app_id.to_owned(),
            })?;
        app.aes = Some(key);
        Ok(self)
    }

    /// A gateway for the app of a [`KeySet`].
    pub fn from_key_set(
        app_id: impl Into<String>,
        keys: &KeySet,
    ) -> Result<SandboxConfig, SandboxError> {
        SandboxConfig::new(app_id, &keys.app_public_pem, &keys.alipay_private_pem)
    }

    /// Registers another app.
    pub fn add_app(
        &mut self,
        app_id: impl Into<String>,
        app_public_key: impl AsRef<[u8]>,
    ) -> Result<&mut Self, SandboxError> {
        let public_key =
            AlipayPublicKey::parse(app_public_key).map_err(|source| SandboxError::Key {
                what: "the app public key",
                source,
            })?;
        self.apps.insert(
            app_id.into(),
            App {
                public_key,
                cert: None,
                aes: None,
            },
        );
        Ok(self)
    }

    /// The product code `product_code` must equal (else `ARRANGEMENT_ERROR`).
    pub fn product_code(mut self, code: impl Into<String>) -> Self {
        self.product_code = code.into();
        self
    }

    /// How many of the most recent requests [`Sandbox::requests`] keeps (default
    /// [`DEFAULT_RECORDED_REQUESTS`]); older ones are dropped as new ones arrive. `0`
    /// records nothing, which suits a long-running sandbox: recorded requests hold
    /// every parameter, `biz_content` with its ID numbers and photos included.
    pub fn record_requests(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// How long after `initialize` a certification's page can be used (default
    /// [`DEFAULT_CERTIFY_TTL`]). Measured with [`SandboxConfig::clock`].
    pub fn certify_ttl(mut self, ttl: Duration) -> Self {
        self.certify_ttl = ttl;
        self
    }

    /// How many certifications (and `material.certify` results) the sandbox remembers
    /// (default [`DEFAULT_CERTIFICATION_CAPACITY`], at least 1); when full, the oldest
    /// is forgotten to make room.
    pub fn certification_capacity(mut self, capacity: usize) -> Self {
        self.certification_capacity = capacity.max(1);
        self
    }

    /// The clock the ±15 minute timestamp window is checked against; the system
    /// clock by default. The same [`Clock`] the client takes
    /// (`alipay_transport::Clock`), so a test can give both one fixed time; any
    /// `Fn() -> SystemTime + Send + Sync` is a clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

/// A running sandbox gateway. Stops when [`Sandbox::stop`] is called or it is dropped.
pub struct Sandbox {
    addr: SocketAddr,
    gateway: Arc<Gateway>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts serving on `addr` (port 0 picks a free port). Must run inside a tokio runtime.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let mut gateway = Gateway::new(config);
        gateway.base_url = format!("http://{addr}");
        let gateway = Arc::new(gateway);
        let app = axum::Router::new()
            .route("/gateway.do", axum::routing::get(serve).post(serve))
            .route(face::FACE_PAGE_PATH, axum::routing::get(page::face_page))
            .route(page::CHOOSE_PATH, axum::routing::post(page::choose))
            .route(v3::INITIALIZE_PATH, axum::routing::any(serve_v3))
            .route(v3::QUERY_PATH, axum::routing::any(serve_v3))
            // Two 200 KB JSON strings, percent-encoded, fit well within 4 MiB.
            .layer(DefaultBodyLimit::max(4 * 1024 * 1024))
            .with_state(gateway.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        Ok(Sandbox {
            addr,
            gateway,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Starts on `127.0.0.1` with a free port.
    pub async fn start_local(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway URL to configure a client with: `http://<addr>/gateway.do`.
    pub fn url(&self) -> String {
        format!("http://{}/gateway.do", self.addr)
    }

    /// Queues a fault for the next request that arrives.
    pub fn inject(&self, fault: Fault) {
        if let Ok(mut q) = self.gateway.faults.lock() {
            q.push_back(fault);
        }
    }

    /// The requests received so far, oldest first: the most recent
    /// [`SandboxConfig::record_requests`] of them (default
    /// [`DEFAULT_RECORDED_REQUESTS`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.gateway
            .log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Rotates the Alipay certificate of a certificate-mode sandbox, as Alipay does
    /// before one expires: a new Alipay key and certificate (new serial, so a new
    /// `alipay_cert_sn`) from the same intermediate CA. Later answers are signed with the
    /// new key and name the new SN. Returns the new certificate file's PEM (leaf and
    /// intermediate), what `alipay.open.app.alipaycert.download` would hand out.
    pub fn rotate_alipay_certificate(&self) -> Result<String, SandboxError> {
        let state = self
            .gateway
            .cert
            .as_ref()
            .ok_or(SandboxError::NotCertificateMode)?;
        // Issue outside the lock: key generation takes a moment and requests keep
        // being answered with the old certificate meanwhile, as during a real rotation.
        let mut set = match state.lock() {
            Ok(s) => s.set.clone(),
            Err(poisoned) => poisoned.into_inner().set.clone(),
        };
        set.rotate_alipay().map_err(SandboxError::Certificates)?;
        let sn = set.alipay_cert_sn().map_err(SandboxError::Certificates)?;
        let key = AppPrivateKey::parse(&set.keys.alipay_private_pem).map_err(|source| {
            SandboxError::Key {
                what: "the rotated Alipay private key",
                source,
            }
        })?;
        let pem = set.alipay_cert_pem.clone();
        let mut guard = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = CertState { set, key, sn };
        Ok(pem)
    }

    /// The current Alipay certificate (PEM, leaf and intermediate) of a
    /// certificate-mode sandbox.
    pub fn alipay_cert_pem(&self) -> Option<String> {
        let state = self.gateway.cert.as_ref()?;
        let guard = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Some(guard.set.alipay_cert_pem.clone())
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn serve(
    State(gateway): State<Arc<Gateway>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form_body = method == Method::POST
        && (content_type.is_empty()
            || content_type.starts_with("application/x-www-form-urlencoded"));
    let query = uri.query().unwrap_or("").as_bytes().to_vec();
    let body = if method == Method::POST && multipart::is_multipart(&content_type) {
        // The boundary is case-sensitive: parse the header as sent.
        let raw_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match multipart::read(raw_type, body).await {
            Ok(body) => body,
            Err(why) => return to_response(gateway.unreadable_body(&query, why)),
        }
    } else if form_body {
        multipart::RequestBody::Form(body)
    } else {
        multipart::RequestBody::None
    };
    let reply = match off_io_threads(move || gateway.handle(&query, &body)).await {
        Ok(reply) => reply,
        Err(failed) => return failed,
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    to_response(reply)
}

/// Runs a handler on the blocking pool: signing is CPU work of about a millisecond,
/// kept off the I/O threads. A handler that panicked is a plain 500.
async fn off_io_threads<R: Send + 'static>(
    task: impl FnOnce() -> R + Send + 'static,
) -> Result<R, Response> {
    tokio::task::spawn_blocking(task).await.map_err(|_| {
        Response::builder()
            .status(500)
            .body(Body::from("sandbox handler failed"))
            .unwrap_or_default()
    })
}

fn to_response(reply: gateway::Reply) -> Response {
    let mut response = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type);
    for (name, value) in reply.headers {
        response = response.header(*name, *value);
    }
    response.body(Body::from(reply.body)).unwrap_or_default()
}

/// An OpenAPI v3 path (see [`v3`]): the request line, headers and body as received.
async fn serve_v3(
    State(gateway): State<Arc<Gateway>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let mut names = std::collections::HashMap::new();
    for (name, value) in &headers {
        // Unreadable is kept as empty, so it still counts as a repeat of its name.
        let value = value.to_str().unwrap_or_default();
        // A header that arrives twice is ambiguous; keep the request refusable by
        // making it unreadable rather than choosing one.
        if names
            .insert(name.as_str().to_owned(), value.to_owned())
            .is_some()
        {
            names.insert(name.as_str().to_owned(), String::new());
        }
    }
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let method = method.as_str().to_owned();
    let task = move || {
        gateway.handle_v3(&v3::V3Request {
            method: &method,
            path_and_query: &path_and_query,
            headers: names,
            body: &body,
        })
    };
    let reply = match off_io_threads(task).await {
        Ok(reply) => reply,
        Err(failed) => return failed,
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type)
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'");
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap_or_default()
}
