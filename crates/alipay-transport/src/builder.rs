//! `ClientBuilder`: one builder for the async and the blocking client.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use alipay_protocol::cert::CertRole;
use alipay_protocol::keys::{KeyRole, MIN_RSA2_BITS};
use alipay_protocol::{
    AesKey, AlipayKeyIsAppKey, AlipayPublicKey, AppPrivateKey, CertError, CertMaterial, Charset,
    Clock, CommonParams, KeyError, SignType, Signer, SystemClock, Verifier, check_not_own_key,
};

use crate::client::{AlipayClient, Inner};
use crate::config::{
    AlipayTrust, Gateway, KeySource, ProxySetting, RetryPolicy, SharedClock, Trust, redact_userinfo,
};
use crate::error::BuildError;

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
/// Required: [`app_id`](Self::app_id), the app private key (or a [`signer`](Self::signer))
/// and how to trust Alipay's answers: the Alipay public key (or a
/// [`verifier`](Self::verifier)) in public-key mode, or the three
/// [`certificates`](Self::certificates) in certificate mode. Every mistake that can be
/// detected without a network call is reported by `build()`.
pub struct ClientBuilder<C = AlipayClient> {
    app_id: Option<String>,
    app_private_key: Option<KeySource>,
    signer: Option<Arc<dyn Signer>>,
    alipay_trust: Option<AlipayTrust>,
    /// The first two trust settings that exclude each other, reported by `build()`.
    trust_conflict: Option<(&'static str, &'static str)>,
    verifier: Option<Arc<dyn Verifier>>,
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
    _client: PhantomData<fn() -> C>,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            app_id: None,
            app_private_key: None,
            signer: None,
            alipay_trust: None,
            trust_conflict: None,
            verifier: None,
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
            _client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_id", &self.app_id)
            .field("app_private_key", &self.app_private_key)
            .field("signer", &self.signer.as_ref().map(|_| "<custom>"))
            .field("alipay_trust", &self.alipay_trust)
            .field("verifier", &self.verifier.as_ref().map(|_| "<custom>"))
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
    /// on the calling task for every attempt, so it should not block for long.
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// The Alipay public key (支付宝公钥), as PEM, bare base64 or DER, from a file,
    /// text or bytes. A `&str`/`String` is key *text*.
    pub fn alipay_public_key(self, key: impl Into<KeySource>) -> Self {
        self.alipay_trust(AlipayTrust::PublicKey(key.into()))
    }

    /// Certificate mode (公钥证书模式): the app public-key certificate
    /// (`appCertPublicKey_<appid>.crt`), the Alipay public-key certificate
    /// (`alipayCertPublicKey_RSA2.crt`) and the Alipay root bundle
    /// (`alipayRootCert.crt`), each as PEM, DER or base64 from a
    /// [`KeySource`] (a `&str`/`String` is the file's *text*; use [`KeySource::file`]
    /// for a path). Excludes [`alipay_public_key`](Self::alipay_public_key) and
    /// [`verifier`](Self::verifier).
    ///
    /// Every request then carries `app_cert_sn` and `alipay_root_cert_sn` (signed), and
    /// each response is verified with the Alipay certificate its `alipay_cert_sn` names.
    /// `build()` checks that the app certificate holds the app private key's public
    /// half and that the Alipay certificate chains to the root bundle at the clock's
    /// time. When Alipay rotates its certificate, calls fail with
    /// [`Error::UnknownAlipayCertificate`](crate::Error::UnknownAlipayCertificate)
    /// naming the new SN; hand the new certificate to
    /// [`AlipayClient::accept_alipay_certificate`].
    pub fn certificates(
        self,
        app_cert: impl Into<KeySource>,
        alipay_cert: impl Into<KeySource>,
        root_bundle: impl Into<KeySource>,
    ) -> Self {
        self.alipay_trust(AlipayTrust::Certificates {
            app_cert: app_cert.into(),
            alipay_cert: alipay_cert.into(),
            root_bundle: root_bundle.into(),
        })
    }

    /// Sets how Alipay's answers are trusted (public key or certificates). Setting both
    /// modes is reported by `build()` as a conflict rather than one silently winning.
    pub fn alipay_trust(mut self, trust: AlipayTrust) -> Self {
        if let Some(previous) = &self.alipay_trust
            && previous.setting() != trust.setting()
            && self.trust_conflict.is_none()
        {
            self.trust_conflict = Some((previous.setting(), trust.setting()));
        }
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

    /// The Alipay public key from a file.
    pub fn alipay_public_key_file(self, path: impl Into<std::path::PathBuf>) -> Self {
        self.alipay_public_key(KeySource::Path(path.into()))
    }

    /// A custom response verifier instead of the Alipay public key. Responses are
    /// always verified; there is no way to skip it.
    pub fn verifier(mut self, verifier: impl Verifier + 'static) -> Self {
        self.verifier = Some(Arc::new(verifier));
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

    /// Validates everything and creates the shared client state.
    pub(crate) fn build_inner(self) -> Result<Inner, BuildError> {
        let app_id = self
            .app_id
            .filter(|id| !id.trim().is_empty())
            .ok_or(BuildError::MissingField { field: "app_id" })?;
        if !app_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(BuildError::InvalidField {
                field: "app_id",
                reason: "must consist of ASCII letters and digits (e.g. 2021000000000001)".into(),
            });
        }

        // The parsed app key is kept until the Alipay key is known, for the own-key check.
        let mut app_key: Option<Arc<AppPrivateKey>> = None;
        let (signer, app_public): (Arc<dyn Signer>, Option<AlipayPublicKey>) =
            match (self.app_private_key, self.signer) {
                (Some(_), Some(_)) => {
                    return Err(BuildError::Conflict {
                        first: "app_private_key",
                        second: "signer",
                    });
                }
                (None, None) => {
                    return Err(BuildError::MissingField {
                        field: "app_private_key",
                    });
                }
                (Some(source), None) => {
                    let bytes = load(&source, KeyRole::AppPrivateKey)?;
                    let key = Arc::new(AppPrivateKey::parse(bytes)?);
                    key.check_sign_type(self.sign_type)?;
                    let public = AppPrivateKey::public_key(&key).clone();
                    app_key = Some(Arc::clone(&key));
                    (key, Some(public))
                }
                (None, Some(signer)) => {
                    let public = signer.public_key().cloned();
                    if let Some(public) = &public
                        && self.sign_type == SignType::Rsa2
                        && public.bits() < MIN_RSA2_BITS
                    {
                        return Err(KeyError::TooSmall {
                            role: KeyRole::AppPrivateKey,
                            bits: public.bits(),
                            min: MIN_RSA2_BITS,
                        }
                        .into());
                    }
                    (signer, public)
                }
            };

        if let Some((first, second)) = self.trust_conflict {
            return Err(BuildError::Conflict { first, second });
        }
        let (trust, alipay_fingerprint): (Trust, Option<String>) =
            match (self.alipay_trust, self.verifier) {
                (Some(trust), Some(_)) => {
                    return Err(BuildError::Conflict {
                        first: trust.setting(),
                        second: "verifier",
                    });
                }
                (None, None) => {
                    return Err(BuildError::MissingField {
                        field: "alipay_public_key",
                    });
                }
                (Some(AlipayTrust::PublicKey(source)), None) => {
                    let bytes = load(&source, KeyRole::AlipayPublicKey)?;
                    let key = AlipayPublicKey::parse(bytes)?;
                    // A short key cannot check an RSA2 signature: every answer would
                    // read as forged. Say so now, naming the key and its size.
                    key.check_sign_type(self.sign_type)?;
                    match (&app_key, &app_public) {
                        (Some(app_key), _) => check_not_own_key(app_key, &key)?,
                        // A custom signer exposes only its public half: same comparison.
                        (None, Some(app_public)) if *app_public == key => {
                            return Err(AlipayKeyIsAppKey {
                                fingerprint: key.fingerprint(),
                            }
                            .into());
                        }
                        _ => {}
                    }
                    let fingerprint = key.fingerprint();
                    (Trust::PublicKey(Arc::new(key)), Some(fingerprint))
                }
                (
                    Some(AlipayTrust::Certificates {
                        app_cert,
                        alipay_cert,
                        root_bundle,
                    }),
                    None,
                ) => {
                    let material = CertMaterial::new(
                        load_cert(&app_cert, CertRole::AppCert)?,
                        load_cert(&alipay_cert, CertRole::AlipayCert)?,
                        load_cert(&root_bundle, CertRole::RootBundle)?,
                    )?;
                    // The mistake that makes every request fail with
                    // isv.invalid-signature: a certificate for another key.
                    match (&app_key, &app_public) {
                        (Some(key), _) => material.check_app_key(key)?,
                        (None, Some(public)) if public != material.app_public_key() => {
                            return Err(CertError::AppCertKeyMismatch {
                                sn: material.app_cert_sn().to_owned(),
                                key_fingerprint: public.fingerprint(),
                                cert_fingerprint: material.app_public_key().fingerprint(),
                            }
                            .into());
                        }
                        _ => {}
                    }
                    material.verify_alipay_cert(self.clock.timestamp())?;
                    let fingerprint = material.alipay_public_key().fingerprint();
                    (
                        Trust::Certificates(Box::new(std::sync::RwLock::new(material))),
                        Some(fingerprint),
                    )
                }
                (None, Some(verifier)) => {
                    let fingerprint = verifier.key_fingerprint();
                    (Trust::PublicKey(verifier), fingerprint)
                }
            };
        let aes = match &self.aes_key {
            None => None,
            Some(text) => {
                Some(
                    AesKey::from_base64(text).map_err(|e| BuildError::InvalidField {
                        field: "aes_key",
                        reason: e.to_string(),
                    })?,
                )
            }
        };

        let gateway = parse_gateway(self.gateway.url())?;
        if gateway.plain_http && !is_loopback_url(&gateway.url) && !self.allow_plain_http {
            return Err(BuildError::InvalidField {
                field: "gateway",
                reason: format!(
                    "`{}` is plain http:// to another machine: signed requests with personal data \
                     would cross the network unencrypted; use https://, or allow_plain_http() for \
                     a sandbox on a private test network",
                    redact_userinfo(&gateway.url)
                ),
            });
        }
        if self.max_response_size == 0 {
            return Err(BuildError::InvalidField {
                field: "max_response_size",
                reason: "must be at least 1 byte".into(),
            });
        }
        for (field, value) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
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
        if self.retry.initial_backoff > self.retry.max_backoff {
            return Err(BuildError::InvalidField {
                field: "retry",
                reason: "initial_backoff is longer than max_backoff".into(),
            });
        }
        if reqwest::header::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(BuildError::InvalidField {
                field: "user_agent",
                reason: "is not a valid HTTP header value (visible ASCII only)".into(),
            });
        }
        let proxy = match &self.proxy {
            ProxySetting::Url(url) => {
                Some(
                    reqwest::Proxy::all(url.as_str()).map_err(|_| BuildError::InvalidField {
                        field: "proxy",
                        reason: format!("`{}` is not a valid proxy URL", redact_userinfo(url)),
                    })?,
                )
            }
            _ => None,
        };
        // A system proxy (HTTP_PROXY and friends) is meant for the outside world; a
        // gateway on this machine (the sandbox) is never reachable through it.
        let proxy_setting = match &self.proxy {
            ProxySetting::System if is_loopback_url(&gateway.url) => ProxySetting::None,
            other => other.clone(),
        };
        let http = HttpSettings {
            proxy: proxy_setting,
            reqwest_proxy: proxy,
            user_agent: self.user_agent,
        };
        let default_http = http
            .client(self.connect_timeout)
            .map_err(|e| BuildError::HttpClient(Box::new(e)))?;

        let mut common = CommonParams::new(app_id);
        common.sign_type = self.sign_type;
        common.charset = self.charset;
        common.app_auth_token = self.app_auth_token;
        common.notify_url = self.notify_url;
        if let Some(material) = trust.read_certs() {
            common
                .extra
                .push(("app_cert_sn".into(), material.app_cert_sn().to_owned()));
            common.extra.push((
                "alipay_root_cert_sn".into(),
                material.alipay_root_cert_sn().to_owned(),
            ));
        }

        Ok(Inner {
            common,
            signer,
            trust,
            aes,
            app_key_fingerprint: app_public.map(|k| k.fingerprint()),
            alipay_key_fingerprint: alipay_fingerprint,
            host: gateway.host.clone(),
            gateway: gateway.url,
            http: default_http,
            http_settings: http,
            extra_pools: std::sync::Mutex::new(Vec::new()),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_size: self.max_response_size,
            retry: self.retry,
            clock: self.clock,
        })
    }
}

impl ClientBuilder<AlipayClient> {
    /// Builds the client, checking every setting.
    pub fn build(self) -> Result<AlipayClient, BuildError> {
        Ok(AlipayClient::from_inner(self.build_inner()?))
    }
}

/// What the HTTP client is built from; kept to build extra pools for per-call
/// connect timeouts.
pub(crate) struct HttpSettings {
    proxy: ProxySetting,
    reqwest_proxy: Option<reqwest::Proxy>,
    user_agent: String,
}

impl HttpSettings {
    pub(crate) fn client(&self, connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(self.user_agent.as_str())
            .connect_timeout(connect_timeout)
            // The gateway never redirects a POST; following one would resend the
            // signed request (with personal data) to another host.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60));
        match (&self.proxy, &self.reqwest_proxy) {
            (ProxySetting::None, _) => builder = builder.no_proxy(),
            (ProxySetting::Url(_), Some(proxy)) => builder = builder.proxy(proxy.clone()),
            _ => {}
        }
        builder.build()
    }
}

/// Whether the URL's host is `localhost`, in `127.0.0.0/8` or `::1`.
fn is_loopback_url(url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

struct GatewayUrl {
    url: String,
    host: String,
    /// The parsed scheme is `http` (the text may spell it `HTTP://`).
    plain_http: bool,
}

fn parse_gateway(url: &str) -> Result<GatewayUrl, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidField {
        field: "gateway",
        reason: format!("`{}` {reason}", redact_userinfo(url).escape_debug()),
    };
    // The URL parser would quietly percent-encode a space or drop a line break: a
    // gateway URL with either was mistyped or pasted with junk.
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("contains whitespace or control characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(
            "must start with https:// (or http:// for a local gateway)",
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("has no host"))?;
    if parsed.fragment().is_some() {
        return Err(invalid("must not have a #fragment"));
    }
    let host = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    Ok(GatewayUrl {
        url: url.to_owned(),
        host,
        plain_http: parsed.scheme() == "http",
    })
}

fn load_cert(source: &KeySource, role: CertRole) -> Result<Vec<u8>, BuildError> {
    match source {
        KeySource::Path(path) => std::fs::read(path).map_err(|source| BuildError::ReadCertFile {
            role,
            path: path.clone(),
            source,
        }),
        KeySource::Text(text) => Ok(text.as_bytes().to_vec()),
        KeySource::Bytes(bytes) => Ok(bytes.clone()),
    }
}

fn load(source: &KeySource, role: KeyRole) -> Result<Vec<u8>, BuildError> {
    match source {
        KeySource::Path(path) => std::fs::read(path).map_err(|source| BuildError::ReadKeyFile {
            role,
            path: path.clone(),
            source,
        }),
        KeySource::Text(text) => Ok(text.as_bytes().to_vec()),
        KeySource::Bytes(bytes) => Ok(bytes.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_recognised_however_the_scheme_is_spelt() {
        for url in [
            "http://gw.example/gateway.do",
            "HTTP://gw.example/gateway.do",
        ] {
            assert!(parse_gateway(url).unwrap().plain_http, "{url}");
        }
        assert!(
            !parse_gateway("HTTPS://gw.example/gateway.do")
                .unwrap()
                .plain_http
        );
    }

    #[test]
    fn loopback_gateways_bypass_the_system_proxy() {
        assert!(is_loopback_url("http://127.0.0.1:8080/gateway.do"));
        assert!(is_loopback_url("http://127.3.2.1/gateway.do"));
        assert!(is_loopback_url("http://localhost:1/gateway.do"));
        assert!(is_loopback_url("http://[::1]:9/gateway.do"));
        assert!(!is_loopback_url("https://openapi.alipay.com/gateway.do"));
        assert!(!is_loopback_url("http://10.0.0.1/gateway.do"));
    }
}
