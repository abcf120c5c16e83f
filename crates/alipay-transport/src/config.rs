//! Client configuration: keys, gateway, timeouts, proxy, retries.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use alipay_protocol::Clock;
use alipay_protocol::cert::CertRole;
use alipay_protocol::keys::{KeyRole, may_hold_key_material};

use crate::error::BuildError;

/// Where a key comes from. `Debug` never shows key text or bytes.
#[derive(Clone)]
pub enum KeySource {
    /// A file holding PEM, bare base64 (as Alipay's key tool writes it) or DER.
    Path(PathBuf),
    /// PEM or bare base64 text.
    Text(String),
    /// PEM/base64 text as bytes, or DER.
    Bytes(Vec<u8>),
}

impl KeySource {
    /// A key file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        KeySource::Path(path.into())
    }

    /// PEM or bare base64 text.
    pub fn text(text: impl Into<String>) -> Self {
        KeySource::Text(text.into())
    }

    /// PEM/base64 bytes or DER.
    pub fn bytes(bytes: impl Into<Vec<u8>>) -> Self {
        KeySource::Bytes(bytes.into())
    }

    /// A setting that may be either a file path or the key itself, as in an
    /// environment variable or a CI secret. Text that looks like key material is the
    /// key, never a path: PEM armour (even with a malformed header), or a long base64
    /// run, also when wrapped in quotes, preceded by a BOM, or with literal `\n` /
    /// `\r\n` escapes instead of line breaks (see
    /// [`alipay_protocol::keys::is_key_text`] and
    /// [`may_hold_key_material`](alipay_protocol::keys::may_hold_key_material)).
    /// Anything else is a path, so a mistyped path is reported as an unreadable file
    /// rather than as a malformed key.
    pub fn path_or_value(value: impl Into<String>) -> Self {
        let value = value.into();
        // `may_hold_key_material` includes `is_key_text` and also takes mangled keys
        // (URL-safe base64, a pasted `NAME=value` line), which must never be printed
        // as a path.
        if may_hold_key_material(&value) {
            KeySource::Text(value)
        } else {
            KeySource::Path(PathBuf::from(value.trim()))
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Path(p) => write!(f, "Path({:?})", ShownPath(p)),
            KeySource::Text(t) => write!(f, "Text(<redacted {} bytes>)", t.len()),
            KeySource::Bytes(b) => write!(f, "Bytes(<redacted {} bytes>)", b.len()),
        }
    }
}

/// The longest path shown in full in errors and `Debug`.
const MAX_SHOWN_PATH_CHARS: usize = 256;

/// A key or certificate file path for messages: in full when it is a plausible path,
/// otherwise (key text passed as a "path", or a very long one) only its length and
/// first characters, which are the same for every key (`-----BEGIN`, `MIIEvQIBADAN`).
pub(crate) struct ShownPath<'a>(pub(crate) &'a Path);

impl ShownPath<'_> {
    fn redacted(&self) -> Option<(usize, String)> {
        let text = self.0.to_string_lossy();
        let chars = text.chars().count();
        if chars > MAX_SHOWN_PATH_CHARS || may_hold_key_material(&text) {
            Some((chars, text.chars().take(8).collect()))
        } else {
            None
        }
    }
}

impl fmt::Display for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.redacted() {
            Some((chars, prefix)) => write!(
                f,
                "<{chars} characters starting {prefix:?}, not shown in full>"
            ),
            None => write!(f, "{}", self.0.display()),
        }
    }
}

impl fmt::Debug for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.redacted() {
            Some(_) => write!(f, "{self}"),
            None => write!(f, "{:?}", self.0),
        }
    }
}

impl KeySource {
    /// The bytes of a key, reading a file now.
    pub(crate) fn read_key(&self, role: KeyRole) -> Result<Vec<u8>, BuildError> {
        self.read()
            .map_err(|(path, source)| BuildError::ReadKeyFile { role, path, source })
    }

    /// The bytes of a certificate input, reading a file now.
    pub(crate) fn read_cert(&self, role: CertRole) -> Result<Vec<u8>, BuildError> {
        self.read()
            .map_err(|(path, source)| BuildError::ReadCertFile { role, path, source })
    }

    fn read(&self) -> Result<Vec<u8>, (PathBuf, std::io::Error)> {
        match self {
            KeySource::Path(path) => std::fs::read(path).map_err(|e| (path.clone(), e)),
            KeySource::Text(text) => Ok(text.as_bytes().to_vec()),
            KeySource::Bytes(bytes) => Ok(bytes.clone()),
        }
    }
}

/// Text is key content, never a path: use [`KeySource::file`] for files.
impl From<&str> for KeySource {
    fn from(text: &str) -> Self {
        KeySource::Text(text.to_owned())
    }
}

impl From<String> for KeySource {
    fn from(text: String) -> Self {
        KeySource::Text(text)
    }
}

impl From<Vec<u8>> for KeySource {
    fn from(bytes: Vec<u8>) -> Self {
        KeySource::Bytes(bytes)
    }
}

impl From<&[u8]> for KeySource {
    fn from(bytes: &[u8]) -> Self {
        KeySource::Bytes(bytes.to_vec())
    }
}

impl From<PathBuf> for KeySource {
    fn from(path: PathBuf) -> Self {
        KeySource::Path(path)
    }
}

impl From<&Path> for KeySource {
    fn from(path: &Path) -> Self {
        KeySource::Path(path.to_owned())
    }
}

/// The gateway to call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Gateway {
    /// `https://openapi.alipay.com/gateway.do`.
    #[default]
    Production,
    /// `https://openapi-sandbox.dl.alipaydev.com/gateway.do` (the current sandbox).
    Sandbox,
    /// Any other URL, e.g. a local emulated gateway. `http` and `https` are accepted.
    Custom(String),
}

/// `production`, `sandbox` (Alipay's), or a URL.
impl std::str::FromStr for Gateway {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "production" | "prod" => Gateway::Production,
            "sandbox" => Gateway::Sandbox,
            url => Gateway::Custom(url.to_owned()),
        })
    }
}

impl Gateway {
    /// The production gateway URL.
    pub const PRODUCTION_URL: &'static str = "https://openapi.alipay.com/gateway.do";
    /// The sandbox gateway URL.
    pub const SANDBOX_URL: &'static str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

    /// The URL requests are posted to.
    pub fn url(&self) -> &str {
        match self {
            Gateway::Production => Self::PRODUCTION_URL,
            Gateway::Sandbox => Self::SANDBOX_URL,
            Gateway::Custom(url) => url,
        }
    }
}

/// When and how often to retry.
///
/// What is retried depends on whether the request may have reached the gateway, which
/// may have acted on it:
///
/// - **It cannot have** (no connection could be made: DNS, refused, TLS handshake,
///   proxy, connect timeout): retried for every method, raw calls included
///   ([`Error::is_retryable`](crate::Error::is_retryable)).
/// - **It may have** (a timeout or a dropped connection after the request was sent,
///   before any answer; a *verified* transient gateway code: `20000`,
///   `isp.unknow-error`, `SYSTEM_ERROR`, see
///   [`GatewayStatus::is_retryable`](alipay_protocol::GatewayStatus::is_retryable)):
///   retried only for idempotent calls, i.e. typed methods whose spec declares an
///   idempotency key
///   ([`ApiMethod::IDEMPOTENCY_KEY`](alipay_protocol::ApiMethod::IDEMPOTENCY_KEY), e.g.
///   `transaction_id`) and raw calls marked [`CallOptions::idempotent`]
///   ([`Error::is_retryable_if_idempotent`](crate::Error::is_retryable_if_idempotent)).
/// - **Never**: once an answer began to arrive (HTTP error statuses, truncated or
///   malformed bodies, signature mismatches, 4xxxx codes), and for an unsigned
///   `error_response` whatever code it names, since that code is unverified text.
///
/// Every attempt sends the same `biz_content` (and so the same idempotency key) with a
/// fresh timestamp and signature. The delay before retry *n* is
/// `min(max_backoff, initial_backoff * 2^(n-1))`, of which a random half is dropped
/// (jitter) so that many clients do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` disables retrying.
    pub max_retries: u32,
    /// The delay before the first retry (before jitter).
    pub initial_backoff: Duration,
    /// The cap on any delay.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Never retry.
    pub const fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// The delay before retry number `retry` (1-based), with jitter drawn from `random`
    /// (uniform in `0..=u64::MAX`).
    pub(crate) fn delay(&self, retry: u32, random: u64) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        // "Equal jitter": keep half, randomise the other half. Never zero, never above the cap.
        let half = capped / 2;
        let nanos = half.as_nanos().min(u128::from(u64::MAX)) as u64;
        let extra = if nanos == 0 { 0 } else { random % (nanos + 1) };
        half + Duration::from_nanos(extra)
    }
}

/// Two retries, 200 ms then 400 ms (each ±half jitter), never more than 2 s apart:
/// enough to ride out a connection reset or a short gateway hiccup without
/// multiplying the latency of a real outage.
impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// Which of Alipay's two protocols a typed call goes over.
///
/// Every method exists on `gateway.do`; OpenAPI v3 (REST paths under `/v3/`, the
/// request signed into an `Authorization` header, the answer signed in
/// `alipay-signature` headers) serves a subset, declared by a method's spec (`[v3]`,
/// [`ApiMethod::V3_ENDPOINT`](alipay_protocol::ApiMethod::V3_ENDPOINT)).
///
/// The default is [`GatewayDo`](Protocol::GatewayDo), the protocol every app can
/// call. With [`V3`](Protocol::V3) a method that has a v3 endpoint goes over v3 and any
/// other method over `gateway.do`, so one client serves the whole catalogue; the
/// call's tracing span records which (`protocol`). Both share the keys, the error type,
/// the retry policy and the redaction rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// `POST /gateway.do` with signed form parameters (the default).
    #[default]
    GatewayDo,
    /// OpenAPI v3 where the method has a v3 endpoint, `gateway.do` otherwise.
    V3,
}

impl Protocol {
    /// `gateway.do` or `v3`, as the tracing span records it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::GatewayDo => "gateway.do",
            Protocol::V3 => "v3",
        }
    }
}

/// Per-call settings that override the client's.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// `app_auth_token` for this call (an ISV acting for a merchant).
    pub app_auth_token: Option<String>,
    /// `auth_token` (a user's access token) for this call.
    pub auth_token: Option<String>,
    /// The overall timeout of each attempt (connect, send, read the whole answer).
    pub timeout: Option<Duration>,
    /// The connect timeout of each attempt.
    pub connect_timeout: Option<Duration>,
    /// The retry policy for this call.
    pub retry: Option<RetryPolicy>,
    /// The caller vouches that this call is idempotent: see [`CallOptions::idempotent`].
    pub idempotent: bool,
    /// The protocol of this call, overriding the client's ([`Protocol`]).
    pub protocol: Option<Protocol>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Sets `app_auth_token`.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }

    /// Sets `auth_token`.
    pub fn auth_token(mut self, token: impl Into<String>) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// Sets the overall timeout of each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the connect timeout of each attempt. A value that differs from the
    /// client's uses a separate connection pool (reqwest fixes the connect timeout per
    /// pool), created on first use and kept for later calls.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Declares that sending this call twice has the same effect as sending it once,
    /// so the client may send it again after it may have reached the gateway (a
    /// timeout after sending, a dropped connection, a verified `20000`; see
    /// [`RetryPolicy`]). Off by default.
    ///
    /// Typed methods whose spec declares an idempotency key are treated so without
    /// this. It exists for raw calls ([`execute_raw_with`](crate::AlipayClient::execute_raw_with))
    /// of methods that you know to be idempotent, because their `biz_content` carries
    /// a key the gateway deduplicates on (`out_biz_no`, `out_trade_no`, …) or because
    /// they only read. Setting it for a method that acts on every request (a refund
    /// or transfer without such a key) can make it act twice.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends this typed call over `protocol` instead of the client's
    /// ([`ClientBuilder::protocol`](crate::ClientBuilder::protocol)).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |t: &Option<String>| t.as_ref().map(|_| "<redacted>");
        f.debug_struct("CallOptions")
            .field("app_auth_token", &redacted(&self.app_auth_token))
            .field("auth_token", &redacted(&self.auth_token))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("idempotent", &self.idempotent)
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// How to reach the gateway through a proxy.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) enum ProxySetting {
    /// The system settings (`HTTPS_PROXY`, `NO_PROXY`, …), reqwest's default.
    #[default]
    System,
    /// No proxy at all.
    None,
    /// This proxy for every request.
    Url(String),
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxySetting::System => f.write_str("System"),
            ProxySetting::None => f.write_str("None"),
            ProxySetting::Url(url) => write!(f, "Url({})", redact_userinfo(url)),
        }
    }
}

/// Drops `user:password@` from a URL for display.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let prefix = if scheme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://")
            };
            format!("{prefix}<redacted>@{}", &rest[at + 1..])
        }
        None => url.to_owned(),
    }
}

/// A shared clock handle.
pub(crate) type SharedClock = Arc<dyn Clock>;
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_exponential_with_bounded_jitter() {
        let p = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        };
        for (retry, full) in [
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1600),
            (5, 2000),
            (30, 2000),
        ] {
            let full = Duration::from_millis(full);
            assert_eq!(p.delay(retry, 0), full / 2, "retry {retry}");
            assert_eq!(
                p.delay(retry, u64::MAX),
                full / 2 + Duration::from_nanos(u64::MAX % ((full / 2).as_nanos() as u64 + 1))
            );
            for r in [1, 12345, 987_654_321_123] {
                let d = p.delay(retry, r);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
            }
        }
        assert_eq!(RetryPolicy::none().delay(1, 42), Duration::ZERO);
    }

    #[test]
    fn proxy_credentials_are_not_shown() {
        assert_eq!(
            redact_userinfo("http://user:secret@proxy.local:3128"),
            "http://<redacted>@proxy.local:3128"
        );
        assert_eq!(
            redact_userinfo("http://proxy.local:3128/x@y"),
            "http://proxy.local:3128/x@y"
        );
        let shown = format!(
            "{:?}",
            KeySource::text("-----BEGIN RSA PRIVATE KEY-----MIIE")
        );
        assert!(!shown.contains("MIIE"), "{shown}");
    }
}
