//! The answer stage: something arrived, but it is not a usable gateway response.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use alipay_protocol::DecodeError;

/// An answer arrived but cannot be used: a non-2xx status, too large, or not a
/// well-formed gateway response.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The gateway (or a proxy in front of it) answered with a non-2xx HTTP status.
    #[error(transparent)]
    HttpStatus(HttpStatusError),
    /// The answer is larger than the configured maximum; reading stopped at the limit.
    #[error(
        "the response is larger than the configured maximum of {limit} bytes; reading was stopped"
    )]
    TooLarge {
        /// The configured maximum, in bytes.
        limit: u64,
    },
    /// The body is not a well-formed gateway response, or the verified node does not
    /// fit the response type.
    #[error(transparent)]
    Malformed(MalformedResponse),
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
///
/// In the second case nothing verified is lost: [`verified_node`](Self::verified_node)
/// holds the node's JSON exactly as it verified (Alipay sometimes leaves out a field its
/// doc page calls required; the fields that did arrive can still be read). It is
/// reachable only through that accessor, never through `Display` or `Debug`.
#[derive(Clone)]
pub struct MalformedResponse {
    what: Malformed,
}

#[derive(Clone)]
enum Malformed {
    /// Not a gateway response; the reason is our own (sanitised) text.
    Body(String),
    /// A verified node that does not fit the response type.
    Decode {
        error: DecodeError,
        verified_node: String,
    },
}

impl MalformedResponse {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        MalformedResponse {
            what: Malformed::Body(reason.into()),
        }
    }

    /// A verified node that does not fit the response type.
    pub(crate) fn decode(error: DecodeError, verified_node: &str) -> Self {
        MalformedResponse {
            what: Malformed::Decode {
                error,
                verified_node: verified_node.to_owned(),
            },
        }
    }

    /// What is wrong (never quotes response values).
    pub fn reason(&self) -> Cow<'_, str> {
        match &self.what {
            Malformed::Body(reason) => Cow::Borrowed(reason),
            Malformed::Decode { error, .. } => Cow::Owned(error.to_string()),
        }
    }

    /// For a verified node that does not fit the response type, the JSON path of the
    /// offending field inside the node, e.g. `passed`, or `.` for the node itself.
    pub fn path(&self) -> Option<&str> {
        self.decode_error()
            .map(|d| if d.path().is_empty() { "." } else { d.path() })
    }

    /// For a verified node that does not fit the response type: the typed decoding
    /// error (path and kind).
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match &self.what {
            Malformed::Decode { error, .. } => Some(error),
            Malformed::Body(_) => None,
        }
    }

    /// For a verified node that does not fit the response type: the node's JSON text
    /// exactly as it verified, so the fields that did arrive can still be read. It may
    /// hold personal data: do not log it.
    pub fn verified_node(&self) -> Option<&str> {
        match &self.what {
            Malformed::Decode { verified_node, .. } => Some(verified_node),
            Malformed::Body(_) => None,
        }
    }
}

impl fmt::Debug for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            Malformed::Body(reason) => f.debug_tuple("MalformedResponse").field(reason).finish(),
            // The node is verified but may hold personal data: its size only.
            Malformed::Decode {
                error,
                verified_node,
            } => f
                .debug_struct("MalformedResponse")
                .field("decode", error)
                .field(
                    "verified_node",
                    &format_args!("<{} bytes, verified>", verified_node.len()),
                )
                .finish(),
        }
    }
}

impl fmt::Display for MalformedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            Malformed::Decode { error, .. } => write!(
                f,
                "the verified response does not match the expected type: {error}"
            ),
            Malformed::Body(reason) => write!(f, "malformed gateway response: {reason}"),
        }
    }
}

impl StdError for MalformedResponse {}
