//! The one error type a call returns, and the error `build()` returns.
//!
//! [`Error`]'s variants follow the life of a request: it was never sent
//! ([`Error::InvalidRequest`], [`Error::Signing`]), sending failed ([`Error::Transport`]),
//! an answer arrived but is not a gateway response ([`Error::HttpStatus`],
//! [`Error::ResponseTooLarge`], [`Error::MalformedResponse`],
//! [`Error::SignatureMismatch`]), or the gateway answered with an error
//! ([`Error::Gateway`]).
//!
//! None of these types prints request or response data: no `biz_content`, sign
//! content, names, ID numbers, photos or keys appear in `Display` or `Debug`.
//! A dependency's error is reachable only through [`std::error::Error::source`], and
//! `Display` does not repeat it.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

use alipay_protocol::cert::CertRole;
use alipay_protocol::keys::KeyRole;
use alipay_protocol::redact::{UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, sanitize_unverified};
use alipay_protocol::{
    AlipayKeyIsAppKey, CertError, CodeClass, GatewayStatus, KeyError, SignContentDiff, SignError,
    SignType, ValidationError,
};

use crate::config::ShownPath;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request value is invalid; nothing was sent.
    #[error("invalid request, nothing was sent: {0}")]
    InvalidRequest(#[source] ValidationError),
    /// Signing the request failed (a custom signer failed, or a parameter cannot be
    /// encoded in the configured charset); nothing was sent.
    #[error("could not sign the request, nothing was sent: {0}")]
    Signing(#[source] SignError),
    /// Connecting, sending or reading the answer failed.
    #[error(transparent)]
    Transport(TransportError),
    /// The gateway (or a proxy in front of it) answered with a non-2xx HTTP status.
    #[error(transparent)]
    HttpStatus(HttpStatusError),
    /// The answer is larger than the configured maximum; reading stopped at the limit.
    #[error(
        "the response is larger than the configured maximum of {limit} bytes; reading was stopped"
    )]
    ResponseTooLarge {
        /// The configured maximum, in bytes.
        limit: u64,
    },
    /// The body is not a well-formed gateway response, or the verified node does not
    /// match the expected response type.
    #[error(transparent)]
    MalformedResponse(MalformedResponse),
    /// The response signature does not verify (or is missing from a success).
    #[error(transparent)]
    SignatureMismatch(SignatureMismatch),
    /// The gateway answered with a code other than `10000`.
    #[error(transparent)]
    Gateway(Box<GatewayError>),
    /// Certificate mode: the response names an Alipay certificate (`alipay_cert_sn`)
    /// the client does not know, typically because Alipay rotated its certificate.
    /// Nothing of the response is returned: it could not be verified.
    #[error(transparent)]
    UnknownAlipayCertificate(UnknownAlipayCertificate),
    /// Certificate mode: the answer is signed under an Alipay certificate that is not
    /// valid at the client clock's time (expired, or not yet valid); nothing in it is
    /// trusted.
    #[error("the answer's Alipay certificate cannot be trusted now: {0}")]
    AlipayCertificateInvalid(#[source] alipay_protocol::cert::CertError),
}

impl Error {
    /// The gateway error, if this is one.
    pub fn as_gateway(&self) -> Option<&GatewayError> {
        match self {
            Error::Gateway(e) => Some(e),
            _ => None,
        }
    }

    /// The gateway's trace id for this call, when the answer carried one: quote it
    /// when asking Alipay support about a call.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Gateway(e) => e.trace_id.as_deref(),
            Error::HttpStatus(e) => e.trace_id.as_deref(),
            _ => None,
        }
    }

    /// Whether sending the same request again is safe *for any method* and may
    /// succeed: the request provably never reached the gateway, because no connection
    /// could be made (DNS, refused, TLS handshake, proxy, connect timeout). The client
    /// retries these itself, within its [`RetryPolicy`](crate::RetryPolicy), whatever
    /// the method.
    ///
    /// Everything else may have reached the gateway, which may have acted on it:
    /// see [`is_retryable_if_idempotent`](Self::is_retryable_if_idempotent).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => e.kind.before_sending(),
            _ => false,
        }
    }

    /// Whether sending the same request again may succeed *if the method is
    /// idempotent*, i.e. the gateway answers a repeat of its idempotency key with the
    /// original result (a spec's `idempotency_key`,
    /// [`ApiMethod::IDEMPOTENCY_KEY`](alipay_protocol::ApiMethod::IDEMPOTENCY_KEY), or a
    /// raw call marked [`CallOptions::idempotent`](crate::CallOptions::idempotent)):
    /// everything [`is_retryable`](Self::is_retryable) covers, plus a timeout or a lost
    /// connection after the request was sent and before any answer arrived, and a
    /// *verified* transient gateway code (`20000`, `SYSTEM_ERROR`, see
    /// [`GatewayError::is_retryable`]). An unsigned `error_response` is never among
    /// them: its code is unverified text. The client retries exactly these cases
    /// itself for idempotent calls; repeat a call yourself only with the same
    /// idempotency key.
    pub fn is_retryable_if_idempotent(&self) -> bool {
        match self {
            Error::Transport(e) => e.kind.before_response(),
            Error::Gateway(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The error as the client logs it: its `Display`, except that of an unverified
    /// gateway answer only the sanitised codes are given (its messages may hold
    /// anything, personal data included).
    pub(crate) fn log_text(&self) -> Cow<'_, str> {
        match self {
            Error::Gateway(g) if !g.verified => Cow::Owned(g.log_summary()),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// A short, stable name of the variant for logs and metrics, e.g. `transport.timeout`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::Signing(_) => "signing",
            Error::Transport(e) => e.kind.name(),
            Error::HttpStatus(_) => "http_status",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::MalformedResponse(_) => "malformed_response",
            Error::SignatureMismatch(_) => "signature_mismatch",
            Error::Gateway(_) => "gateway",
            Error::UnknownAlipayCertificate(_) => "unknown_alipay_certificate",
            Error::AlipayCertificateInvalid(_) => "alipay_certificate_invalid",
        }
    }
}

/// Where a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake, proxy, connect timeout).
    Connect,
    /// No answer arrived within the timeout (before the response headers). The request
    /// may have been sent and acted on.
    Timeout,
    /// The connection failed while sending the request or waiting for the answer. The
    /// request may have been sent and acted on.
    Send,
    /// The timeout expired while the response body was being read.
    BodyTimeout,
    /// Reading the response body failed (the connection closed early, or the body is
    /// shorter than its `Content-Length`).
    Body,
    /// The blocking client was called from inside an async runtime, where blocking
    /// would stall the runtime; use the async client there.
    BlockingInAsyncContext,
    /// Any other failure of the HTTP stack.
    Other,
}

impl TransportErrorKind {
    /// Whether the failure happened before the request could be sent, so the gateway
    /// cannot have seen it: only [`Connect`](Self::Connect).
    pub fn before_sending(self) -> bool {
        self == TransportErrorKind::Connect
    }

    /// Whether the failure happened before any part of an answer arrived. Apart from
    /// [`Connect`](Self::Connect), the request may have been sent and acted on (a
    /// timeout or a dropped connection says nothing about what the gateway did), so
    /// sending it again is safe only for an idempotent method.
    pub fn before_response(self) -> bool {
        matches!(
            self,
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Send
        )
    }

    fn name(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "transport.connect",
            TransportErrorKind::Timeout => "transport.timeout",
            TransportErrorKind::Send => "transport.send",
            TransportErrorKind::BodyTimeout => "transport.body_timeout",
            TransportErrorKind::Body => "transport.body",
            TransportErrorKind::BlockingInAsyncContext => "transport.blocking_in_async",
            TransportErrorKind::Other => "transport.other",
        }
    }
}

/// A failure to connect, send or read. The HTTP stack's error is available through
/// [`source`](std::error::Error::source) (with the URL removed: it carries the signature).
#[derive(Debug)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) host: String,
    pub(crate) attempts: u32,
    pub(crate) source: Option<BoxError>,
}

impl TransportError {
    pub(crate) fn new(kind: TransportErrorKind, host: &str, source: Option<BoxError>) -> Self {
        TransportError {
            kind,
            host: host.to_owned(),
            attempts: 1,
            source,
        }
    }

    /// Where it failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether it was a timeout (before or during the answer).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout | TransportErrorKind::BodyTimeout
        )
    }

    /// How many attempts were made in total (1 + retries) before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The gateway host the call was sent to.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "could not connect to",
            TransportErrorKind::Timeout => "timed out waiting for an answer from",
            TransportErrorKind::Send => "the connection failed before an answer arrived from",
            TransportErrorKind::BodyTimeout => "timed out reading the response body from",
            TransportErrorKind::Body => "could not read the complete response body from",
            TransportErrorKind::BlockingInAsyncContext => {
                return f.write_str(
                    "the blocking Alipay client was called from inside an async runtime; \
                     use alipay_transport::AlipayClient (async) there, or call it from \
                     tokio::task::spawn_blocking",
                );
            }
            TransportErrorKind::Other => "the HTTP request failed for",
        };
        write!(f, "{what} the gateway at {}", self.host)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A non-2xx HTTP answer.
#[derive(Debug, Clone)]
pub struct HttpStatusError {
    pub(crate) status: u16,
    pub(crate) reason: Option<&'static str>,
    pub(crate) excerpt: String,
    pub(crate) trace_id: Option<String>,
}

impl HttpStatusError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A short, tag-free excerpt of the body: the HTML `<title>` when there is one,
    /// otherwise the first 200 characters of its text.
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }

    /// The gateway's trace id, when the answer carried one.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }
}

impl fmt::Display for HttpStatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the gateway answered HTTP {}", self.status)?;
        if let Some(reason) = self.reason {
            write!(f, " {reason}")?;
        }
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        Ok(())
    }
}

impl StdError for HttpStatusError {}

/// A body that is not a well-formed gateway response, or a verified node that does not
/// fit the response type.
#[derive(Debug, Clone)]
pub struct MalformedResponse {
    pub(crate) reason: String,
    pub(crate) path: Option<String>,
}

impl MalformedResponse {
    /// What is wrong (never quotes response values).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// For a typed decoding failure, the JSON path of the offending field inside the
    /// response node, e.g. `certify_result.passed`.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

impl fmt::Display for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(
                f,
                "the verified response does not match the expected type at `{path}`: {}",
                self.reason
            ),
            None => write!(f, "malformed gateway response: {}", self.reason),
        }
    }
}

impl StdError for MalformedResponse {}

/// The response signature does not verify, or a success came without one. The
/// response data is never included: it may be forged.
#[derive(Debug, Clone)]
pub struct SignatureMismatch {
    pub(crate) node: String,
    pub(crate) sign_type: SignType,
    pub(crate) key_fingerprint: String,
    pub(crate) missing: bool,
}

impl SignatureMismatch {
    /// The response node whose signature was checked, e.g. `alipay_trade_query_response`.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The fingerprint of the Alipay public key it was checked against.
    pub fn key_fingerprint(&self) -> &str {
        &self.key_fingerprint
    }

    /// True when the answer carried no signature at all.
    pub fn is_missing(&self) -> bool {
        self.missing
    }
}

impl fmt::Display for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.missing {
            return write!(
                f,
                "the `{}` response carries no signature although it is not an error; refusing \
                 unsigned data (is something between you and the gateway rewriting answers?)",
                self.node
            );
        }
        write!(
            f,
            "the signature of the `{}` response does not verify ({}, Alipay public key {}). \
             Check that the configured Alipay public key is the 支付宝公钥 shown for this app \
             in the Alipay console (not the app public key, not another app's key), that \
             sign_type matches the app's setting, and that the gateway URL is the right \
             environment (sandbox and production use different keys)",
            self.node, self.sign_type, self.key_fingerprint
        )
    }
}

impl StdError for SignatureMismatch {}

/// Certificate mode: a response was signed with an Alipay certificate whose SN is not
/// among the client's (Alipay rotates its certificate before the old one expires).
#[derive(Debug, Clone)]
pub struct UnknownAlipayCertificate {
    pub(crate) sn: String,
    pub(crate) known: Vec<String>,
}

impl UnknownAlipayCertificate {
    /// The `alipay_cert_sn` that arrived: the SN of the certificate to fetch.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The SNs of the Alipay certificates the client knows, oldest first.
    pub fn known(&self) -> &[String] {
        &self.known
    }
}

impl fmt::Display for UnknownAlipayCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response is signed with the Alipay certificate SN `{sn}`, which this client does \
             not know (it knows {known}); Alipay has probably rotated its certificate. Download \
             the new alipayCertPublicKey_RSA2.crt (SN {sn}) from the open platform console and \
             pass it to AlipayClient::accept_alipay_certificate, which accepts it only if it is \
             a signing certificate with the configured Alipay certificate's subject that \
             chains to the configured alipayRootCert.crt; or configure the new file and rebuild \
             the client. The response was not used",
            sn = self.sn,
            known = self.known.join(", "),
        )
    }
}

impl StdError for UnknownAlipayCertificate {}

/// Why [`AlipayClient::accept_alipay_certificate`](crate::AlipayClient::accept_alipay_certificate)
/// refused a certificate. The client's certificates are unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptCertificateError {
    /// The client is in public-key mode, where there are no Alipay certificates.
    #[error(
        "this client verifies with the Alipay public key, not certificates; configure \
         ClientBuilder::certificates(app_cert, alipay_cert, root_bundle) to use certificate mode"
    )]
    NotCertificateMode,
    /// The certificate is unreadable, does not chain to the configured root bundle (at
    /// the client clock's time), or is the app's own certificate.
    #[error("the Alipay certificate was not accepted: {0}")]
    Rejected(#[source] CertError),
}

/// The gateway answered with a code other than `10000`.
///
/// `verified` tells whether the answer's signature was checked: an unsigned
/// `error_response` (typically a gateway-level rejection such as an invalid `app_id`)
/// cannot be, so treat its fields as a hint only. Anyone on the path can write such an
/// answer, so its text is treated as hostile: `Display` and `Debug` mark it
/// `(unverified)` and show it only as
/// [`sanitize_unverified`](alipay_protocol::redact::sanitize_unverified) leaves it (one
/// line without control or bidi characters, digit runs that look like ID numbers
/// masked, `code`/`sub_code` cut after 64 characters and `msg` plus `sub_msg` after
/// 200, with a final `…`), the client's logs record only its sanitised `code` and
/// `sub_code`, and it never makes the client send the call again. The public fields
/// keep the text exactly as it arrived: do not print or log them unchecked when
/// `verified` is false.
#[non_exhaustive]
pub struct GatewayError {
    /// `code`, e.g. `40004`. Unverified, hostile text when `verified` is false.
    pub code: String,
    /// `msg`, e.g. `Business Failed`. Unverified, hostile text when `verified` is false.
    pub msg: String,
    /// `sub_code`, e.g. `isv.invalid-signature`. Unverified, hostile text when
    /// `verified` is false.
    pub sub_code: Option<String>,
    /// `sub_msg`, a human-readable explanation (often Chinese). For
    /// `isv.invalid-signature` it echoes the gateway's sign content, which holds request
    /// data: it is therefore left out of `Display` and `Debug`. Unverified, hostile
    /// text when `verified` is false.
    pub sub_msg: Option<String>,
    /// Whether the answer's signature verified (`false` for an unsigned `error_response`).
    pub verified: bool,
    /// The gateway's trace id, when the answer carried one.
    pub trace_id: Option<String>,
    pub(crate) raw: String,
    pub(crate) signature_debug: Option<SignatureDebug>,
}

/// For `40002 isv.invalid-signature`: what we signed and what the gateway says it
/// checked. Both hold request data, so they are reachable only through accessors.
#[derive(Clone)]
pub(crate) struct SignatureDebug {
    pub(crate) ours: String,
    pub(crate) gateway: String,
    pub(crate) diff: SignContentDiff,
}

impl GatewayError {
    pub(crate) fn from_status(
        status: &GatewayStatus,
        verified: bool,
        raw: String,
        trace_id: Option<String>,
        our_sign_content: &str,
    ) -> Self {
        let signature_debug = status.gateway_sign_content().map(|gateway| SignatureDebug {
            diff: SignContentDiff::between(our_sign_content, &gateway),
            ours: our_sign_content.to_owned(),
            gateway,
        });
        GatewayError {
            code: status.code.clone(),
            msg: status.msg.clone(),
            sub_code: status.sub_code.clone(),
            sub_msg: status.sub_msg.clone(),
            verified,
            trace_id,
            raw,
            signature_debug,
        }
    }

    fn status(&self) -> GatewayStatus {
        GatewayStatus {
            code: self.code.clone(),
            msg: self.msg.clone(),
            sub_code: self.sub_code.clone(),
            sub_msg: self.sub_msg.clone(),
        }
    }

    /// The class of `code` (service unavailable, missing arguments, business failed…).
    pub fn class(&self) -> CodeClass {
        self.status().class()
    }

    /// Whether the same request may succeed when sent again: a *verified* `20000` or
    /// "system busy" sub-code. 4xxxx codes mean the request itself is wrong, and the
    /// code of an unsigned answer is unverified text, so it is never retryable. The
    /// request did reach the gateway: only idempotent methods are sent again (see
    /// [`Error::is_retryable_if_idempotent`]).
    pub fn is_retryable(&self) -> bool {
        self.verified && self.status().is_retryable()
    }

    /// `code` as it may be shown or logged: as is when verified, otherwise sanitised
    /// and cut after 64 characters.
    pub(crate) fn shown_code(&self) -> Cow<'_, str> {
        self.shown(&self.code, UNVERIFIED_CODE_CAP)
    }

    /// `sub_code` as it may be shown or logged (see [`shown_code`](Self::shown_code)).
    pub(crate) fn shown_sub_code(&self) -> Option<Cow<'_, str>> {
        self.sub_code
            .as_deref()
            .map(|s| self.shown(s, UNVERIFIED_CODE_CAP))
    }

    fn shown<'a>(&self, text: &'a str, cap: usize) -> Cow<'a, str> {
        if self.verified {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(sanitize_unverified(text, cap))
        }
    }

    /// Whether `sub_msg` is the gateway's echo of our sign content (request data).
    fn sub_msg_echoes_request(&self) -> bool {
        self.status().echoes_request() || self.signature_debug.is_some()
    }

    /// The unverified `msg` and `sub_msg` as one sanitised, capped text.
    fn unverified_text(&self) -> String {
        let mut text = self.msg.clone();
        if let Some(m) = self
            .sub_msg
            .as_deref()
            .filter(|_| !self.sub_msg_echoes_request())
        {
            text.push_str(": ");
            text.push_str(m);
        }
        sanitize_unverified(&text, UNVERIFIED_TEXT_CAP)
    }

    /// A one-line summary for logs: for an unverified answer only its sanitised codes,
    /// never `msg`/`sub_msg`, which may hold anything.
    pub(crate) fn log_summary(&self) -> String {
        if self.verified {
            return self.to_string();
        }
        let mut out = format!(
            "the gateway answered (unverified) an unsigned error_response with code {}",
            self.shown_code()
        );
        if let Some(sub) = self.shown_sub_code() {
            out.push_str(&format!(", sub_code {sub}"));
        }
        out
    }

    /// The raw text of the response node (verified only if [`verified`](Self::verified)
    /// is true). For business failures (40004) it may carry method-specific fields.
    /// It may hold personal data: do not log it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// For `40002 isv.invalid-signature`: the sign content we signed. Holds request
    /// data (including `biz_content`): do not log it.
    pub fn our_sign_content(&self) -> Option<&str> {
        self.signature_debug.as_ref().map(|d| d.ours.as_str())
    }

    /// For `40002 isv.invalid-signature`: the sign content the gateway echoed in
    /// `sub_msg` (HTML entities decoded). Holds request data: do not log it.
    pub fn gateway_sign_content(&self) -> Option<&str> {
        self.signature_debug.as_ref().map(|d| d.gateway.as_str())
    }

    /// For `40002 isv.invalid-signature`: which parameters differ between the two sign
    /// contents, by name only.
    pub fn sign_content_diff(&self) -> Option<&SignContentDiff> {
        self.signature_debug.as_ref().map(|d| &d.diff)
    }
}

impl fmt::Debug for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The invalid-signature answer echoes the request however it is worded.
        let echoes = self.sub_msg_echoes_request();
        let sub_msg: Option<String> = match &self.sub_msg {
            Some(m) if echoes => Some(format!("<sign content echo, {} chars>", m.chars().count())),
            Some(m) => Some(self.shown(m, UNVERIFIED_TEXT_CAP).into_owned()),
            None => None,
        };
        // Names parsed from an unverified echo are unverified text as well.
        let diff = self.signature_debug.as_ref().map(|d| {
            if self.verified {
                format!("{:?}", d.diff)
            } else {
                sanitize_unverified(&d.diff.to_string(), UNVERIFIED_TEXT_CAP)
            }
        });
        f.debug_struct("GatewayError")
            .field("code", &self.shown_code())
            .field("msg", &self.shown(&self.msg, UNVERIFIED_TEXT_CAP))
            .field("sub_code", &self.shown_sub_code())
            .field("sub_msg", &sub_msg)
            .field("verified", &self.verified)
            .field("trace_id", &self.trace_id)
            .field("sign_content_diff", &diff)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.verified {
            // GatewayStatus's Display leaves out the invalid-signature echo.
            write!(f, "the gateway answered {}", self.status())?;
        } else {
            // The marker comes first, before any text the answer chose.
            write!(
                f,
                "the gateway answered (unverified: an unsigned error_response, possibly \
                 forged) {}",
                self.shown_code()
            )?;
            if let Some(sub) = self.shown_sub_code() {
                write!(f, " ({sub})")?;
            }
            let text = self.unverified_text();
            if !text.is_empty() {
                write!(f, ": {text}")?;
            }
        }
        if let Some(debug) = &self.signature_debug {
            if self.verified {
                write!(
                    f,
                    "; our sign content against the gateway's: {}",
                    debug.diff
                )?;
            } else {
                write!(
                    f,
                    "; our sign content against the gateway's: {}",
                    sanitize_unverified(&debug.diff.to_string(), UNVERIFIED_TEXT_CAP)
                )?;
            }
        }
        if let Some(id) = &self.trace_id {
            write!(f, " (trace id {id})")?;
        }
        Ok(())
    }
}

impl StdError for GatewayError {}

/// A configuration mistake found by `build()`. Never quotes key material: a file path
/// that looks like key text (a key passed where a path was expected) is shown only by
/// its length and first characters, in `Display` and `Debug` alike.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required setting was not given.
    #[error("`{field}` is required: call `.{field}(…)` on the builder")]
    MissingField {
        /// The builder method to call.
        field: &'static str,
    },
    /// Two settings that exclude each other were both given.
    #[error("`{first}` and `{second}` cannot both be set")]
    Conflict {
        /// One setting.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A setting has an unusable value.
    #[error("`{field}` is invalid: {reason}")]
    InvalidField {
        /// The builder method.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A key file could not be read.
    #[error("cannot read the {role} file `{}`", ShownPath(path))]
    ReadKeyFile {
        /// Which key.
        role: KeyRole,
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate file could not be read.
    #[error("cannot read the {role} file `{}`", ShownPath(path))]
    ReadCertFile {
        /// Which certificate input.
        role: CertRole,
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate is unreadable, does not match the app private key, or the Alipay
    /// certificate does not chain to the root bundle.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// A key could not be parsed, is of the wrong kind, or is too small.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The Alipay public key is the app's own public key.
    #[error(transparent)]
    AlipayKeyIsAppKey(#[from] AlipayKeyIsAppKey),
    /// The HTTP client could not be created (e.g. the TLS backend failed to load).
    #[error("could not create the HTTP client")]
    HttpClient(#[source] BoxError),
}

// By hand so that paths go through `ShownPath`; otherwise as derived.
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingField { field } => f
                .debug_struct("MissingField")
                .field("field", field)
                .finish(),
            BuildError::Conflict { first, second } => f
                .debug_struct("Conflict")
                .field("first", first)
                .field("second", second)
                .finish(),
            BuildError::InvalidField { field, reason } => f
                .debug_struct("InvalidField")
                .field("field", field)
                .field("reason", reason)
                .finish(),
            BuildError::ReadKeyFile { role, path, source } => f
                .debug_struct("ReadKeyFile")
                .field("role", role)
                .field("path", &ShownPath(path))
                .field("source", source)
                .finish(),
            BuildError::ReadCertFile { role, path, source } => f
                .debug_struct("ReadCertFile")
                .field("role", role)
                .field("path", &ShownPath(path))
                .field("source", source)
                .finish(),
            BuildError::Certificate(e) => f.debug_tuple("Certificate").field(e).finish(),
            BuildError::Key(e) => f.debug_tuple("Key").field(e).finish(),
            BuildError::AlipayKeyIsAppKey(e) => {
                f.debug_tuple("AlipayKeyIsAppKey").field(e).finish()
            }
            BuildError::HttpClient(e) => f.debug_tuple("HttpClient").field(e).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_signature_display_names_params_not_values() {
        let status = GatewayStatus {
            code: "40002".into(),
            msg: "Invalid Arguments".into(),
            sub_code: Some("isv.invalid-signature".into()),
            sub_msg: Some(
                "验签出错，网关生成的验签字符串为：app_id=1&amp;biz_content={\"cert_no\":\"260104197909275964\"}&amp;version=2.0"
                    .into(),
            ),
        };
        let ours = "app_id=1&biz_content={\"cert_no\":\"260104197909275964\"}&version=1.0";
        let err = GatewayError::from_status(&status, true, "{}".into(), None, ours);
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("version"), "{shown}");
        assert!(!shown.contains("260104197909275964"), "{shown}");
        assert!(!shown.contains("2.0"), "{shown}");
        assert_eq!(err.sign_content_diff().unwrap().different, vec!["version"]);
        assert!(
            err.gateway_sign_content()
                .unwrap()
                .contains("&biz_content=")
        );
    }

    #[test]
    fn retryability_follows_the_request_life() {
        let t = |kind| Error::Transport(TransportError::new(kind, "h", None));
        // Never sent: safe for any method.
        assert!(t(TransportErrorKind::Connect).is_retryable());
        assert!(t(TransportErrorKind::Connect).is_retryable_if_idempotent());
        // Maybe received: only for idempotent methods.
        for kind in [TransportErrorKind::Timeout, TransportErrorKind::Send] {
            assert!(!t(kind).is_retryable(), "{kind:?}");
            assert!(t(kind).is_retryable_if_idempotent(), "{kind:?}");
        }
        // An answer began: never.
        for kind in [
            TransportErrorKind::BodyTimeout,
            TransportErrorKind::Body,
            TransportErrorKind::Other,
        ] {
            assert!(!t(kind).is_retryable(), "{kind:?}");
            assert!(!t(kind).is_retryable_if_idempotent(), "{kind:?}");
        }
        assert!(!Error::ResponseTooLarge { limit: 1 }.is_retryable_if_idempotent());

        let busy = GatewayStatus {
            code: "20000".into(),
            msg: "Service Currently Unavailable".into(),
            sub_code: Some("isp.unknow-error".into()),
            sub_msg: None,
        };
        let gateway = |verified| {
            Error::Gateway(Box::new(GatewayError::from_status(
                &busy,
                verified,
                "{}".into(),
                None,
                "",
            )))
        };
        assert!(!gateway(true).is_retryable(), "it reached the gateway");
        assert!(gateway(true).is_retryable_if_idempotent());
        assert!(!gateway(false).is_retryable_if_idempotent(), "unverified");
        assert!(!gateway(false).as_gateway().unwrap().is_retryable());
    }

    #[test]
    fn unverified_text_is_marked_sanitised_and_capped() {
        let id = "11010119900307851X";
        let status = GatewayStatus {
            code: "20000\n2025-01-01 ERROR forged".into(),
            msg: "Service\u{1b}[31m Unavailable\u{202e}".into(),
            sub_code: Some(format!("isp.unknow-error\r{id}")),
            sub_msg: Some(format!("系统繁忙\n{id}{}", "长".repeat(5_000))),
        };
        let err = GatewayError::from_status(&status, false, "{}".into(), None, "");
        for shown in [err.to_string(), format!("{err:?}"), err.log_summary()] {
            assert!(
                shown.contains("unverified") || shown.contains("verified: false"),
                "{shown}"
            );
            for bad in [
                "\n",
                "\r",
                "\u{1b}",
                "\u{202e}",
                id,
                "1101",
                &"长".repeat(201),
            ] {
                assert!(!shown.contains(bad), "{bad:?} in {shown}");
            }
            assert!(shown.chars().count() < 600, "{}", shown.chars().count());
        }
        let shown = err.to_string();
        assert!(shown.contains("isp.unknow-error"), "{shown}");
        assert!(shown.contains("系统繁忙"), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        // Logs get the codes only.
        assert!(!err.log_summary().contains("Unavailable"));
        assert!(!err.log_summary().contains("系统繁忙"));
        // The fields keep what arrived.
        assert!(err.sub_msg.as_deref().unwrap().contains(id));

        // A verified answer is shown as it is.
        let verified = GatewayError::from_status(&status, true, "{}".into(), None, "");
        assert!(!verified.to_string().contains("unverified"));
    }
}
