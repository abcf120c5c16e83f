//! What a typed API method looks like to the protocol layer.
//!
//! Generated request types (see `alipay-codegen`) implement [`ApiMethod`]; the transport
//! and the sandbox only ever talk to this trait, so a new method needs no edit here.
//! The validation vocabulary ([`ValidationError`], [`LengthUnit`]) and the masking
//! helpers live here too because generated code, the client and the sandbox all share
//! them at run time.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::decode::{DecodeError, deserialize_node};
use crate::upload::RequestParams;

/// How a method is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallStyle {
    /// A server-to-server `POST` to `gateway.do` whose signed JSON answer is verified.
    ServerCall,
    /// The signed request is turned into a URL or form that a user's browser is sent to
    /// (for example `zhima.customer.certification.certify`); there is no JSON answer.
    PageRedirect,
    /// The signed request becomes an order string that an app hands to the Alipay app
    /// SDK (`sdkExecute`, for example `alipay.trade.app.pay`); there is no JSON answer.
    AppOrder,
}

/// One documented business error code (业务错误码) of a method: a `sub_code` the
/// gateway may answer with, what it means and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCodeDoc {
    /// The `sub_code`, e.g. `SYSTEM_ERROR`.
    pub code: &'static str,
    /// What it means, from the doc page (错误描述).
    pub description: &'static str,
    /// What to do, from the doc page (解决方案); may be empty.
    pub solution: &'static str,
    /// Whether the same request may succeed when sent again (a transient fault such as
    /// `SYSTEM_ERROR`). A method is only sent again automatically if it also has an
    /// idempotency key.
    pub retryable: bool,
}

impl ErrorCodeDoc {
    /// The entry for `code` in `codes`, if the doc page lists it.
    pub fn find(codes: &'static [ErrorCodeDoc], code: &str) -> Option<&'static ErrorCodeDoc> {
        codes.iter().find(|c| c.code == code)
    }
}

/// Where a method's business parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Placement {
    /// As keys of the `biz_content` JSON parameter (almost every method).
    #[default]
    BizContent,
    /// As top-level form parameters, signed like the common ones, with file fields as
    /// unsigned `multipart/form-data` parts (uploads, `alipay.system.oauth.token`).
    Form,
}

/// A method called server to server: `execute` and `prepare` accept only these, so a
/// page or app method cannot be sent by mistake (a compile error, not a run-time one).
pub trait ServerMethod: ApiMethod {}

/// A page-redirect method: only these become a signed URL or self-submitting form.
pub trait PageMethod: ApiMethod {}

/// An app method: only these become an app order string (`sdkExecute`).
pub trait AppMethod: ApiMethod {}

/// A typed Alipay OpenAPI method: the request value and everything needed to send it.
///
/// Implemented by generated request types. `to_biz_content` must validate first, so
/// a value that fails [`ApiMethod::validate`] can never reach the wire.
pub trait ApiMethod {
    /// The gateway method name, e.g. `zhima.customer.certification.material.certify`.
    const METHOD: &'static str;
    /// Whether the method is a server call or a page redirect.
    const CALL_STYLE: CallStyle;
    /// The request field that makes a repeated call harmless, when the method has one
    /// (its spec's `idempotency_key`, e.g. `transaction_id`): the gateway answers a
    /// request that repeats a known key with the original result instead of acting
    /// twice. Only such methods are sent again after the request may have reached the
    /// gateway (a timeout after sending, a dropped connection, a verified `20000`);
    /// `None`, the default, means a call is never repeated once it may have arrived.
    const IDEMPOTENCY_KEY: Option<&'static str> = None;
    /// The method's OpenAPI v3 endpoint (its spec's `[v3]`), when it has one.
    const V3_ENDPOINT: Option<crate::v3::V3Endpoint> = None;
    /// The business error codes (业务错误码) the method's doc page lists, in page order.
    const ERROR_CODES: &'static [ErrorCodeDoc] = &[];
    /// Where the business parameters travel: `biz_content` (the default) or top-level
    /// form parameters (see [`request_params`](Self::request_params)).
    const PARAMETERS: Placement = Placement::BizContent;
    /// Whether the method needs AES content encryption (its spec's `encryption =
    /// "required"`): the client refuses to send it without an AES key.
    const ENCRYPTION_REQUIRED: bool = false;
    /// The request fields that are files (sent as unsigned multipart parts); empty
    /// unless [`PARAMETERS`](Self::PARAMETERS) is [`Placement::Form`].
    const FILE_FIELDS: &'static [&'static str] = &[];
    /// The typed body of the `<method>_response` node.
    type Response: DeserializeOwned;

    /// Checks every field rule (required, length, pattern, nested objects).
    fn validate(&self) -> Result<(), ValidationError>;

    /// The `biz_content` JSON text, validated. Nested objects that the gateway takes as
    /// JSON strings are encoded exactly once.
    fn to_biz_content(&self) -> Result<String, ValidationError>;

    /// The request parameters, validated: `biz_content` alone by default; a
    /// [`Placement::Form`] method overrides this with its top-level text parameters
    /// and file parts.
    fn request_params(&self) -> Result<RequestParams<'_>, ValidationError> {
        Ok(RequestParams::biz_content(self.to_biz_content()?))
    }

    /// Decodes the verified response node. The default goes through serde (errors name
    /// the JSON path); generated methods decode field by field with
    /// [`FromJson`](crate::decode::FromJson), whose errors say what was expected.
    fn decode_response(node: &str) -> Result<Self::Response, DecodeError> {
        deserialize_node(node)
    }

    /// The top-level key of the response node: the method with `.` replaced by `_`,
    /// followed by `_response`.
    fn response_key() -> String {
        response_key(Self::METHOD)
    }
}

/// `<method with '.' replaced by '_'>_response`.
pub fn response_key(method: &str) -> String {
    let mut key = method.replace('.', "_");
    key.push_str("_response");
    key
}

/// The unit a maximum length is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LengthUnit {
    /// UTF-16 code units, as `String.length()` counts in the gateway's Java code. A
    /// character outside the Basic Multilingual Plane counts as two.
    #[default]
    Utf16,
    /// Unicode scalar values.
    Chars,
    /// UTF-8 bytes.
    Bytes,
}

impl LengthUnit {
    /// The length of `s` in this unit.
    pub fn count(self, s: &str) -> usize {
        self.count_utf8(s.as_bytes())
    }

    /// The length in this unit of UTF-8 text given as bytes, possibly one piece of a
    /// longer text cut at any byte: counted per byte, so the counts of the pieces add
    /// up to the count of the whole (a counting writer relies on it). ASCII, the bulk
    /// of a base64 photo, is counted at memory speed.
    pub fn count_utf8(self, bytes: &[u8]) -> usize {
        if self == LengthUnit::Bytes || bytes.is_ascii() {
            return bytes.len();
        }
        // Every byte except a continuation byte starts a character; a 4-byte
        // character is two UTF-16 code units.
        let chars = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        match self {
            LengthUnit::Utf16 => chars + bytes.iter().filter(|&&b| b >= 0xF0).count(),
            _ => chars,
        }
    }

    /// The unit's name as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            LengthUnit::Utf16 => "UTF-16 code units",
            LengthUnit::Chars => "characters",
            LengthUnit::Bytes => "UTF-8 bytes",
        }
    }
}

/// Why a request value is not valid. Never carries the value itself (it may be
/// personal data), only its field path and measurable facts such as its length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A required field was not set (or set to an empty string, which the gateway
    /// treats as absent).
    #[error("field `{field}` is required but was not set")]
    Missing {
        /// Dotted path of the field, e.g. `identity_param.cert_no`.
        field: String,
    },
    /// A value is longer than the documented maximum.
    #[error("field `{field}` is too long: {actual} {unit} exceeds the maximum of {limit}", unit = unit.name())]
    TooLong {
        /// Dotted path of the field.
        field: String,
        /// The documented maximum.
        limit: usize,
        /// The value's length.
        actual: usize,
        /// The unit both numbers are counted in.
        unit: LengthUnit,
    },
    /// A value does not match the documented pattern.
    #[error("field `{field}` does not match its pattern: {rule}")]
    Pattern {
        /// Dotted path of the field.
        field: String,
        /// The rule in words, e.g. `only ASCII letters, digits and '_'`.
        rule: String,
    },
    /// A value is not one of the values the field allows and the field is closed.
    #[error("field `{field}` is invalid: {reason}")]
    Invalid {
        /// Dotted path of the field.
        field: String,
        /// What is wrong, without the value.
        reason: String,
    },
    /// A nested object could not be serialized to the JSON string the gateway expects.
    #[error("field `{field}` could not be serialized to JSON: {reason}")]
    Serialize {
        /// Dotted path of the field.
        field: String,
        /// The serializer's complaint (never includes values).
        reason: String,
    },
}

impl ValidationError {
    /// The dotted path of the offending field.
    pub fn field(&self) -> &str {
        match self {
            ValidationError::Missing { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::Pattern { field, .. }
            | ValidationError::Invalid { field, .. }
            | ValidationError::Serialize { field, .. } => field,
        }
    }
}

/// Checks `value` against a maximum length, naming `field` on failure.
pub fn check_max_len(
    field: &str,
    value: &str,
    limit: usize,
    unit: LengthUnit,
) -> Result<(), ValidationError> {
    check_max_count(field, unit.count(value), limit, unit)
}

/// Checks a length already counted in `unit` against a maximum, naming `field`.
pub fn check_max_count(
    field: &str,
    actual: usize,
    limit: usize,
    unit: LengthUnit,
) -> Result<(), ValidationError> {
    if actual > limit {
        return Err(ValidationError::TooLong {
            field: field.to_owned(),
            limit,
            actual,
            unit,
        });
    }
    Ok(())
}

/// How a sensitive value is shown in `Debug` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mask {
    /// Keep the first 4 and last 4 characters (`2601**********5964`); shorter values
    /// are fully starred.
    IdNumber,
    /// Keep the first character (`收*`).
    Name,
    /// Show only the length (`<redacted 1234 chars>`), for photos and other blobs.
    Length,
    /// Hide everything (`<redacted>`), for tokens and free text.
    Full,
}

/// A `Debug`/`Display` wrapper that prints a sensitive string masked.
pub struct Masked<'a>(pub &'a str, pub Mask);

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Masked(value, mask) = *self;
        let chars: Vec<char> = value.chars().collect();
        match mask {
            Mask::IdNumber if chars.len() > 8 => {
                let head: String = chars[..4].iter().collect();
                let tail: String = chars[chars.len() - 4..].iter().collect();
                write!(f, "{head}{}{tail}", "*".repeat(chars.len() - 8))
            }
            Mask::IdNumber => f.write_str(&"*".repeat(chars.len())),
            Mask::Name => match chars.first() {
                Some(first) => write!(f, "{first}{}", "*".repeat(chars.len() - 1)),
                None => Ok(()),
            },
            Mask::Length => write!(f, "<redacted {} chars>", chars.len()),
            Mask::Full => f.write_str("<redacted>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_non_bmp_as_two() {
        assert_eq!(LengthUnit::Utf16.count("a😀"), 3);
        assert_eq!(LengthUnit::Chars.count("a😀"), 2);
        assert_eq!(LengthUnit::Bytes.count("a😀"), 5);
    }

    #[test]
    fn check_max_len_at_the_limit() {
        assert!(check_max_len("f", "abc", 3, LengthUnit::Utf16).is_ok());
        let err = check_max_len("f", "abcd", 3, LengthUnit::Utf16).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `f` is too long: 4 UTF-16 code units exceeds the maximum of 3"
        );
    }

    #[test]
    fn masks() {
        assert_eq!(
            Masked("260104197909275964", Mask::IdNumber).to_string(),
            "2601**********5964"
        );
        assert_eq!(Masked("收委", Mask::Name).to_string(), "收*");
        assert_eq!(
            Masked("abcd", Mask::Length).to_string(),
            "<redacted 4 chars>"
        );
        assert_eq!(Masked("secret", Mask::Full).to_string(), "<redacted>");
        assert_eq!(Masked("1234", Mask::IdNumber).to_string(), "****");
    }

    #[test]
    fn response_key_replaces_dots() {
        assert_eq!(
            response_key("zhima.customer.certification.material.certify"),
            "zhima_customer_certification_material_certify_response"
        );
    }
}
