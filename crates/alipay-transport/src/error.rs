//! The one error type a call returns, and the error `build()` returns.
//!
//! [`Error`]'s variants follow the life of a call: the request is built
//! ([`Error::InvalidRequest`]) and signed ([`Error::Signing`]), nothing sent yet; it is
//! sent ([`Error::Transport`]); an answer arrives but is unusable ([`Error::Answer`]:
//! HTTP status, size, shape); its signature or certificate cannot be trusted
//! ([`Error::Verify`]); or the gateway answered with an error code
//! ([`Error::Gateway`]).
//!
//! None of these types prints request or response data: no `biz_content`, sign
//! content, names, ID numbers, photos or keys appear in `Display` or `Debug`.
//! A dependency's error is reachable only through [`std::error::Error::source`], and
//! `Display` does not repeat it (print the chain with [`ErrorChain`]).

mod answer;
mod gateway;
mod verify;

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

use alipay_protocol::cert::CertRole;
use alipay_protocol::keys::KeyRole;
use alipay_protocol::{AlipayKeyIsAppKey, CertError, KeyError, SignError, ValidationError};

pub use answer::{AnswerError, HttpStatusError, MalformedResponse};
pub use gateway::GatewayError;
pub use verify::{
    AcceptCertificateError, SignatureMismatch, UnknownAlipayCertificate, VerifyError,
};

use crate::config::ShownPath;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a call failed, by the stage of the call it failed in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Build: the request value is invalid; nothing was sent.
    #[error(transparent)]
    InvalidRequest(ValidationError),
    /// Sign: signing failed (a custom signer failed, or a parameter cannot be encoded
    /// in the configured charset); nothing was sent.
    #[error("could not sign the request, nothing was sent")]
    Signing(#[source] SignError),
    /// Send: connecting, sending or reading the answer failed.
    #[error(transparent)]
    Transport(TransportError),
    /// Answer: an answer arrived but is not a usable gateway response (non-2xx status,
    /// too large, malformed, or a verified node that does not fit the response type).
    #[error(transparent)]
    Answer(AnswerError),
    /// Verify: the answer's signature does not verify (or is missing from a success),
    /// or it names an Alipay certificate that is unknown or not valid now. Nothing of
    /// it is returned.
    #[error(transparent)]
    Verify(VerifyError),
    /// Gateway: the gateway answered with a code other than `10000`.
    #[error(transparent)]
    Gateway(Box<GatewayError>),
}

impl From<AnswerError> for Error {
    fn from(e: AnswerError) -> Self {
        Error::Answer(e)
    }
}

impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Self {
        Error::Verify(e)
    }
}

impl Error {
    /// The gateway error, if this is one.
    pub fn as_gateway(&self) -> Option<&GatewayError> {
        match self {
            Error::Gateway(e) => Some(e),
            _ => None,
        }
    }

    /// The malformed-response error, if this is one: for a verified node that does not
    /// fit the response type it keeps the node ([`MalformedResponse::verified_node`]).
    pub fn as_malformed(&self) -> Option<&MalformedResponse> {
        match self {
            Error::Answer(AnswerError::Malformed(m)) => Some(m),
            _ => None,
        }
    }

    /// The gateway's trace id for this call, when the answer carried one: quote it
    /// when asking Alipay support about a call.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Gateway(e) => e.trace_id(),
            Error::Answer(AnswerError::HttpStatus(e)) => e.trace_id(),
            _ => None,
        }
    }
    /// Attaches the method's documented business error codes to a gateway error (see
    /// [`GatewayError::documented`]); other errors are returned as they are.
    pub(crate) fn documented_by(mut self, codes: &'static [alipay_protocol::ErrorCodeDoc]) -> Self {
        if let Error::Gateway(g) = &mut self {
            g.document(codes);
        }
        self
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
            Error::Gateway(g) if !g.verified() => Cow::Owned(g.log_summary()),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// A short, stable name of the failure for logs and metrics, e.g. `transport.timeout`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::Signing(_) => "signing",
            Error::Transport(e) => e.kind.name(),
            Error::Answer(AnswerError::HttpStatus(_)) => "http_status",
            Error::Answer(AnswerError::TooLarge { .. }) => "response_too_large",
            Error::Answer(AnswerError::Malformed(_)) => "malformed_response",
            Error::Verify(VerifyError::SignatureMismatch(_)) => "signature_mismatch",
            Error::Verify(VerifyError::UnknownAlipayCertificate(_)) => "unknown_alipay_certificate",
            Error::Verify(VerifyError::CertificateInvalid(_)) => "alipay_certificate_invalid",
            Error::Verify(VerifyError::StaleOrReplayed(_)) => "stale_or_replayed",
            Error::Gateway(_) => "gateway",
        }
    }
}

/// An error with its whole `source()` chain, one cause after another separated by
/// `: ` (as `anyhow` prints `{:#}`): `Display` of each error says only its own part.
pub struct ErrorChain<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
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
