//! `ClientBuilder`: one builder for the async and the blocking client.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use alipay_protocol::v3::ReplayGuard;
use alipay_protocol::{AesKey, Charset, Clock, CommonParams, SignType, Signer, SystemClock};

use crate::client::{AlipayClient, Inner};
use crate::config::{
    Gateway, KeySource, Protocol, ProxySetting, RetryPolicy, SharedClock, redact_userinfo,
};
use crate::error::BuildError;
use crate::http::{self, HttpSettings};
use crate::signing::{self, AnySigner, AsyncSigner};
use crate::trust::{self, AlipayTrust, Trust};

/// The default maximum response size: 10 MiB. Gateway answers are a few kilobytes;
/// the cap only stops a misbehaving peer from exhausting memory.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 10 * 1024 * 1024;
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout accepted: the gateway answers within seconds, and a longer
/// limit (times the retries) would only hide a hang.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// The default overall timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds an [`AlipayClient`] (or, with the `blocking` feature, a
/// `blocking::AlipayClient`): get one from
/// `AlipayClient::builder()`. The type parameter only selects what `build()` returns.
///
/// Required: [`app_id`](Self::app_id), the app private key (or a [`signer`](Self::signer)
/// or [`async_signer`](Self::async_signer)) and how to trust Alipay's answers,
/// [`alipay_trust`](Self::alipay_trust) (the Alipay public key, the three certificates
/// of certificate mode, or a custom verifier). Every mistake that can be detected
/// without a network call is reported by `build()`.
pub struct ClientBuilder<C = AlipayClient> {
    app_id: Option<String>,
    app_private_key: Option<KeySource>,
    signer: Option<AnySigner>,
    alipay_trust: Option<AlipayTrust>,
    aes_key: Option<String>,
    sign_type: SignType,
    charset: Charset,
    gateway: Gateway,
    app_auth_token: Option<String>,
    notify_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    proxy: ProxySetting,
    allow_plain_http: bool,
    user_agent: String,
    max_response_size: u64,
    retry: RetryPolicy,
    clock: SharedClock,
    protocol: Protocol,
    v3_answer_window: Duration,
    _client: PhantomData<fn() -> C>,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            app_id: None,
            app_private_key: None,
            signer: None,
            alipay_trust: None,
            aes_key: None,
            sign_type: SignType::Rsa2,
            charset: Charset::Utf8,
            gateway: Gateway::Production,
            app_auth_token: None,
            notify_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            proxy: ProxySetting::System,
            allow_plain_http: false,
            user_agent: concat!("alipay-rust-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            protocol: Protocol::GatewayDo,
            v3_answer_window: ReplayGuard::DEFAULT_WINDOW,
            _client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_id", &self.app_id)
            .field("app_private_key", &self.app_private_key)
            .field("signer", &self.signer.as_ref().map(AnySigner::setting))
            .field("alipay_trust", &self.alipay_trust)
            .field("aes_key", &self.aes_key.as_ref().map(|_| "<redacted>"))
            .field("sign_type", &self.sign_type)
            .field("charset", &self.charset)
            .field("gateway", &redact_userinfo(self.gateway.url()))
            .field(
                "app_auth_token",
                &self.app_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy)
            .field("max_response_size", &self.max_response_size)
            .field("retry", &self.retry)
            .field("protocol", &self.protocol)
            .field("v3_answer_window", &self.v3_answer_window)
            .finish_non_exhaustive()
    }
}

impl<C> ClientBuilder<C> {
    /// The app id (`app_id`), e.g. `2021000000000001`.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The app private key (应用私钥): PKCS#1 or PKCS#8, as PEM, bare base64 or DER,
    /// from a file, text or bytes. A `&str`/`String` is key *text*; use
    /// [`app_private_key_file`](Self::app_private_key_file) for a path.
    pub fn app_private_key(mut self, key: impl Into<KeySource>) -> Self {
        self.app_private_key = Some(key.into());
        self
    }

    /// The app private key from a file.
    pub fn app_private_key_file(self, path: impl Into<std::path::PathBuf>) -> Self {
        self.app_private_key(KeySource::Path(path.into()))
    }

    /// A custom signer (KMS, HSM) instead of an app private key. Its `sign` is called
    /// on the calling task for every attempt, so it should not block for long; a
    /// signer that waits on the network is an [`async_signer`](Self::async_signer).
    /// Replaces an async signer set earlier.
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Some(AnySigner::Sync(Arc::new(signer)));
        self
    }

    /// A signer that awaits a remote service (KMS, HSM) instead of an app private key:
    /// the client awaits it for every attempt without blocking the runtime. Replaces a
    /// [`signer`](Self::signer) set earlier. With it,
    /// [`AlipayClient::prepare`] (which signs synchronously) fails with
    /// [`Error::Signing`](crate::Error::Signing).
    pub fn async_signer(mut self, signer: impl AsyncSigner + 'static) -> Self {
        self.signer = Some(AnySigner::Async(Arc::new(signer)));
        self
    }

    /// How Alipay's answers are trusted, the one trust setting: the Alipay public key
    /// ([`AlipayTrust::public_key`], [`AlipayTrust::public_key_file`]), the three
    /// files of certificate mode ([`AlipayTrust::certificates`]) or a custom
    /// verifier ([`AlipayTrust::verifier`]).
    ///
    /// Like every setter, the last call wins: a builder shared as a base can be given
    /// another key or switched to certificate mode. `Debug` of the builder shows which
    /// setting is in effect (never key text).
    pub fn alipay_trust(mut self, trust: AlipayTrust) -> Self {
        self.alipay_trust = Some(trust);
        self
    }

    /// Content encryption (接口内容加密, `encrypt_type=AES`): the app's AES key as the
    /// console shows it (base64 of 16 or 32 bytes). `biz_content` is then encrypted
    /// before signing, `encrypt_type=AES` is sent (signed), and encrypted answers are
    /// verified over their ciphertext and then decrypted.
    pub fn aes_key(mut self, key_base64: impl Into<String>) -> Self {
        self.aes_key = Some(key_base64.into());
        self
    }

    /// The sign type; `RSA2` by default.
    pub fn sign_type(mut self, sign_type: SignType) -> Self {
        self.sign_type = sign_type;
        self
    }

    /// The request and response charset; `utf-8` by default.
    pub fn charset(mut self, charset: Charset) -> Self {
        self.charset = charset;
        self
    }

    /// The gateway; production by default.
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = gateway;
        self
    }

    /// An `app_auth_token` sent with every call (an ISV acting for one merchant);
    /// [`CallOptions::app_auth_token`](crate::CallOptions::app_auth_token) overrides it.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }

    /// A `notify_url` sent with every call.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// The connect timeout; 10 s by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The overall timeout of one attempt (connect, send, read the whole answer);
    /// 30 s by default. Retries each get the full timeout again.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or `socks5://`
    /// if reqwest supports it; credentials as `http://user:pass@host:port`). Without
    /// this, the system proxy settings (`HTTPS_PROXY`, `NO_PROXY`) apply.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Allows a plain `http://` gateway on another machine (a sandbox on a private
    /// test network). Off by default: requests carry personal data and signatures, so
    /// `http://` is otherwise accepted only for this machine (`localhost`,
    /// `127.0.0.0/8`, `::1`).
    pub fn allow_plain_http(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// Ignores proxy settings, including the system's.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::None;
        self
    }

    /// The `User-Agent` header; `alipay-rust-sdk/<version>` by default.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The largest response body accepted, in bytes; 10 MiB by default.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The retry policy; [`RetryPolicy::default`] (2 retries) by default.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The clock that stamps requests; the system clock by default.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The protocol typed calls go over: [`Protocol::GatewayDo`] by default;
    /// [`Protocol::V3`] sends methods that have a v3 endpoint over OpenAPI v3 (the
    /// base URL is the gateway URL without its last path segment, e.g.
    /// `https://openapi.alipay.com` for the production `…/gateway.do`). Per call:
    /// [`CallOptions::protocol`](crate::CallOptions::protocol).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How far a signed v3 answer's `alipay-timestamp` may be from the client clock
    /// before it is refused as stale, and how long its `alipay-nonce` is remembered to
    /// refuse a replay: [`ReplayGuard::DEFAULT_WINDOW`] (5 minutes) by default. The
    /// official SDKs check neither. Between 1 second and 1 hour.
    pub fn v3_answer_window(mut self, window: Duration) -> Self {
        self.v3_answer_window = window;
        self
    }

    /// Validates everything and creates the shared client state, one step per
    /// concern, in the order mistakes are reported.
    pub(crate) fn build_inner(self) -> Result<Inner, BuildError> {
        let app_id = check_app_id(self.app_id)?;
        let app = signing::resolve(self.app_private_key, self.signer, self.sign_type)?;
        let setting = self.alipay_trust.ok_or(BuildError::MissingField {
            field: "alipay_trust",
        })?;
        let (trust, alipay_key_fingerprint) =
            trust::resolve(setting, &app, self.sign_type, &*self.clock)?;
        let aes = self.aes_key.as_deref().map(parse_aes_key).transpose()?;
        let gateway = http::check_gateway(self.gateway.url(), self.allow_plain_http)?;
        check_limits(
            self.max_response_size,
            self.timeout,
            self.connect_timeout,
            &self.retry,
        )?;
        if !(Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&self.v3_answer_window) {
            return Err(BuildError::InvalidField {
                field: "v3_answer_window",
                reason: format!(
                    "{:?} is outside 1 second ..= 1 hour: a shorter window refuses answers \
                     delayed by ordinary clock skew, a longer one accepts old answers",
                    self.v3_answer_window
                ),
            });
        }
        let v3_base = v3_base_url(&gateway.url);
        let http_settings = HttpSettings::new(&gateway, self.proxy, self.user_agent)?;
        let http = http_settings
            .client(self.connect_timeout)
            .map_err(|e| BuildError::HttpClient(Box::new(e)))?;

        let mut common = CommonParams::new(app_id);
        common.sign_type = self.sign_type;
        common.charset = self.charset;
        common.app_auth_token = self.app_auth_token;
        common.notify_url = self.notify_url;
        add_cert_sns(&mut common, &trust);

        Ok(Inner {
            common,
            signer: app.signer,
            trust,
            aes,
            app_key_fingerprint: app.public.map(|k| k.fingerprint()),
            alipay_key_fingerprint,
            host: gateway.host,
            gateway: gateway.url,
            http,
            http_settings,
            extra_pools: std::sync::Mutex::new(Vec::new()),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_size: self.max_response_size,
            retry: self.retry,
            clock: self.clock,
            protocol: self.protocol,
            v3_base,
            replay: ReplayGuard::new(self.v3_answer_window, ReplayGuard::DEFAULT_CAPACITY),
        })
    }
}

/// The OpenAPI v3 base URL of a gateway URL: the gateway URL without its query and
/// last path segment (`https://openapi.alipay.com/gateway.do` ->
/// `https://openapi.alipay.com`), so a gateway behind a path prefix keeps it.
fn v3_base_url(gateway: &str) -> String {
    let url = gateway.split(['?', '#']).next().unwrap_or(gateway);
    let path_start = url
        .find("://")
        .map(|i| i + 3)
        .and_then(|host| url[host..].find('/').map(|p| host + p));
    match path_start {
        Some(start) => {
            let last = url[start..].rfind('/').map_or(start, |i| start + i);
            url[..last].to_owned()
        }
        None => url.to_owned(),
    }
}

fn check_app_id(app_id: Option<String>) -> Result<String, BuildError> {
    let app_id = app_id
        .filter(|id| !id.trim().is_empty())
        .ok_or(BuildError::MissingField { field: "app_id" })?;
    if !app_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(BuildError::InvalidField {
            field: "app_id",
            reason: "must consist of ASCII letters and digits (e.g. 2021000000000001)".into(),
        });
    }
    Ok(app_id)
}

fn parse_aes_key(text: &str) -> Result<AesKey, BuildError> {
    AesKey::from_base64(text).map_err(|e| BuildError::InvalidField {
        field: "aes_key",
        reason: e.to_string(),
    })
}

/// The response size cap, the timeouts and the backoff.
fn check_limits(
    max_response_size: u64,
    timeout: Duration,
    connect_timeout: Duration,
    retry: &RetryPolicy,
) -> Result<(), BuildError> {
    if max_response_size == 0 {
        return Err(BuildError::InvalidField {
            field: "max_response_size",
            reason: "must be at least 1 byte".into(),
        });
    }
    for (field, value) in [("timeout", timeout), ("connect_timeout", connect_timeout)] {
        if value.is_zero() {
            return Err(BuildError::InvalidField {
                field,
                reason: "must be longer than zero".into(),
            });
        }
        if value > MAX_TIMEOUT {
            return Err(BuildError::InvalidField {
                field,
                reason: format!(
                    "is {} s, longer than the limit of {} s: a call that may wait this long \
                     holds its connection and the caller's task for no answer",
                    value.as_secs(),
                    MAX_TIMEOUT.as_secs()
                ),
            });
        }
    }
    if retry.initial_backoff > retry.max_backoff {
        return Err(BuildError::InvalidField {
            field: "retry",
            reason: "initial_backoff is longer than max_backoff".into(),
        });
    }
    Ok(())
}

/// Certificate mode: every request carries (and signs) the two serials.
fn add_cert_sns(common: &mut CommonParams, trust: &Trust) {
    if let Some(material) = trust.read_certs() {
        common
            .extra
            .push(("app_cert_sn".into(), material.app_cert_sn().to_owned()));
        common.extra.push((
            "alipay_root_cert_sn".into(),
            material.alipay_root_cert_sn().to_owned(),
        ));
    }
}

impl ClientBuilder<AlipayClient> {
    /// Builds the client, checking every setting.
    pub fn build(self) -> Result<AlipayClient, BuildError> {
        Ok(AlipayClient::from_inner(self.build_inner()?))
    }
}
