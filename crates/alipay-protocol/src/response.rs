//! Response extraction and verification (protocol.md §4.3).
//!
//! The signature covers exactly the bytes of the response node's value as transmitted.
//! The body is parsed with a real JSON parser; `serde_json::value::RawValue` hands back
//! the exact text of each top-level value, so nothing is found by searching or index
//! arithmetic, keys or `"sign"` inside strings cannot confuse it, and nothing is ever
//! re-serialized. Unverified data is never returned as verified: an unsigned
//! `error_response` comes back as a distinct [`Checked::UnsignedError`].

use std::fmt;

use serde_json::value::RawValue;

use crate::charset::Charset;
use crate::crypto::{SignType, Verifier};
use crate::envelope::{VerifyBase64Error, verify_base64};
use crate::gateway::GatewayStatus;
use crate::model::response_key;
use crate::redact::describe_json_error as json_problem;

mod strict;

pub(crate) use strict::{KeyCheck, key_check, repeats_a_key};

use strict::{Members, check_unique_keys, repeated_key, scan_node};

/// The outcome vocabulary of the test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The signature verifies over the raw node text.
    Verified,
    /// The signature verifies only after replacing `\/` with `/` (Java SDK behaviour).
    VerifiedWithSlashFallback,
    /// A signature is present and does not verify.
    SignatureInvalid,
    /// An `error_response` (or a node with a `sub_code`) without a signature: an API
    /// error that could not be verified.
    UnsignedErrorResponse,
    /// The body is not a well-formed response (bad JSON, truncated, duplicate keys,
    /// no response node).
    RejectMalformed,
    /// A success node without a signature.
    RejectUnsignedSuccess,
}

impl Outcome {
    /// The snake_case name used in vectors and CLI output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::VerifiedWithSlashFallback => "verified_with_slash_fallback",
            Outcome::SignatureInvalid => "signature_invalid",
            Outcome::UnsignedErrorResponse => "unsigned_error_response",
            Outcome::RejectMalformed => "reject_malformed",
            Outcome::RejectUnsignedSuccess => "reject_unsigned_success",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which node of the body was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// `<method>_response`, holding the key.
    Method(String),
    /// `error_response`.
    Error,
}

impl Node {
    /// The JSON key.
    pub fn key(&self) -> &str {
        match self {
            Node::Method(k) => k,
            Node::Error => "error_response",
        }
    }
}

/// What to verify a body against.
#[derive(Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The method that was called (selects `<method>_response`).
    pub method: &'a str,
    /// The configured sign type.
    pub sign_type: SignType,
    /// The request charset, which is also the response charset.
    pub charset: Charset,
    /// The Alipay public key (or another verifier).
    pub verifier: &'a dyn Verifier,
}

/// A response whose signature verified.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedResponse {
    node: Node,
    raw: String,
    outcome: Outcome,
    status: Option<GatewayStatus>,
    alipay_cert_sn: Option<String>,
}

impl fmt::Debug for VerifiedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedResponse")
            .field("node", &self.node)
            .field("outcome", &self.outcome)
            .field("status", &self.status)
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl VerifiedResponse {
    /// The node the signature covered.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// `Verified` or `VerifiedWithSlashFallback`.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The exact node text that was verified: a JSON object, or for an AES-encrypted
    /// response the JSON string token (with quotes) holding the ciphertext.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether the node is a JSON string (AES ciphertext) rather than an object.
    pub fn is_encrypted(&self) -> bool {
        self.raw.starts_with('"')
    }

    /// `code`/`msg`/`sub_code`/`sub_msg`, when the node is a plain object.
    pub fn status(&self) -> Option<&GatewayStatus> {
        self.status.as_ref()
    }

    /// The top-level `alipay_cert_sn` (certificate mode), not covered by the signature.
    pub fn alipay_cert_sn(&self) -> Option<&str> {
        self.alipay_cert_sn.as_deref()
    }

    /// Decrypts an AES-encrypted node (after its signature verified) into a response
    /// whose [`raw`](Self::raw) is the plaintext JSON object. A plain node is returned
    /// unchanged, so callers with an AES key can call this on every response.
    pub fn decrypt(
        self,
        key: &crate::aes::AesKey,
        charset: Charset,
    ) -> Result<VerifiedResponse, ResponseError> {
        if !self.is_encrypted() {
            return Ok(self);
        }
        let ciphertext: String = serde_json::from_str(&self.raw)
            .map_err(|_| malformed("the encrypted node is not a JSON string"))?;
        let plain = key
            .decrypt(&ciphertext, charset)
            .map_err(|e| malformed(e.to_string()))?;
        check_unique_keys(&self.node, &plain)?;
        let status = serde_json::from_str::<GatewayStatus>(&plain)
            .map_err(|e| json_problem(&e))
            .map_err(|e| malformed(format!("the decrypted node is not a JSON object ({e})")))?;
        Ok(VerifiedResponse {
            raw: plain,
            status: Some(status),
            ..self
        })
    }

    /// Deserializes the verified node into `T`. The error names the JSON path and what
    /// was expected, never a value (serde's own messages quote them).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::DecodeError> {
        crate::decode::deserialize_node(&self.raw)
    }
}

/// An API error that came without a signature (typically a gateway-level
/// `error_response`). Its content is *unverified*: show it, never trust it.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedError {
    /// The node.
    pub node: Node,
    /// The unverified result fields.
    pub status: GatewayStatus,
    /// The unverified node text.
    pub raw: String,
}

impl fmt::Debug for UnsignedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unverified: the raw node may echo request data or carry forged text, so only
        // the sanitised codes are shown (Display of the status sanitises its messages).
        use crate::redact::{UNVERIFIED_CODE_CAP, sanitize_unverified};
        f.debug_struct("UnsignedError")
            .field("node", &self.node)
            .field(
                "code",
                &sanitize_unverified(&self.status.code, UNVERIFIED_CODE_CAP),
            )
            .field(
                "sub_code",
                &self
                    .status
                    .sub_code
                    .as_deref()
                    .map(|s| sanitize_unverified(s, UNVERIFIED_CODE_CAP)),
            )
            .field("raw_bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// A body that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The signature verified.
    Verified(VerifiedResponse),
    /// An unsigned API error; nothing was verified.
    UnsignedError(UnsignedError),
}

impl Checked {
    /// The outcome name.
    pub fn outcome(&self) -> Outcome {
        match self {
            Checked::Verified(v) => v.outcome,
            Checked::UnsignedError(_) => Outcome::UnsignedErrorResponse,
        }
    }
}

/// Why a response body was rejected.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The body is not a well-formed gateway response.
    #[error("malformed response: {reason}")]
    Malformed {
        /// What is wrong (never quotes field values).
        reason: String,
    },
    /// The signature does not verify.
    #[error(
        "response signature does not verify over `{}` ({} bytes, {sign_type}, Alipay key {key_hint}); check that \
         the configured Alipay public key is the 支付宝公钥 of this app and that sign_type matches the app's setting",
        node.key(), signed_span.len()
    )]
    SignatureInvalid {
        /// The node whose text was checked.
        node: Node,
        /// The exact text checked (may hold business data; not part of `Display`).
        signed_span: String,
        /// The sign type used.
        sign_type: SignType,
        /// A hint naming the key (fingerprint) or `unknown`.
        key_hint: String,
    },
    /// A success (no `sub_code`) without a signature.
    #[error(
        "the `{}` node has no signature and is not an error: refusing unsigned data",
        node.key()
    )]
    UnsignedSuccess {
        /// The node.
        node: Node,
    },
}

impl fmt::Debug for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl ResponseError {
    /// The outcome name.
    pub fn outcome(&self) -> Outcome {
        match self {
            ResponseError::Malformed { .. } => Outcome::RejectMalformed,
            ResponseError::SignatureInvalid { .. } => Outcome::SignatureInvalid,
            ResponseError::UnsignedSuccess { .. } => Outcome::RejectUnsignedSuccess,
        }
    }
}

fn malformed(reason: impl Into<String>) -> ResponseError {
    ResponseError::Malformed {
        reason: reason.into(),
    }
}

/// Verifies a raw response body (the exact bytes received) with one verifier, as in
/// public-key mode.
pub fn verify_response(body: &[u8], opts: &VerifyOptions<'_>) -> Result<Checked, ResponseError> {
    verify_response_with(body, opts.method, opts.sign_type, opts.charset, |_| {
        Ok::<_, ResponseError>(opts.verifier)
    })
}

/// What is known about a signed response before its signature is checked, handed to
/// the verifier selector of [`verify_response_with`]. None of it is verified yet.
#[derive(Debug, Clone, Copy)]
pub struct SignedNode<'a> {
    /// The node the signature covers.
    pub node: &'a Node,
    /// The top-level `alipay_cert_sn` (certificate mode): which Alipay certificate's
    /// key signed the response. Not covered by the signature.
    pub alipay_cert_sn: Option<&'a str>,
    /// `code`/`msg`/`sub_code`/`sub_msg` of a plain node; `None` for an AES-encrypted
    /// node (a JSON string).
    pub status: Option<&'a GatewayStatus>,
}

impl SignedNode<'_> {
    /// Whether the node is an error (`error_response`, or a non-empty `sub_code`). An
    /// encrypted node is not known to be an error.
    pub fn is_error(&self) -> bool {
        is_error_node(self.node, self.status)
    }
}

/// Verifies a raw response body, choosing the verifier only once the body is parsed:
/// `select` sees the node and its `alipay_cert_sn` and returns the key to check the
/// signature with (certificate mode picks the Alipay certificate by that SN).
///
/// `select` is called only for a signed body; an unsigned error is returned as
/// [`Checked::UnsignedError`] without it. Its error type must absorb
/// [`ResponseError`], so a caller can both reject a response in `select` (an unknown
/// certificate SN, a success without `alipay_cert_sn`) and see every parsing or
/// signature failure in one type.
pub fn verify_response_with<'v, E, F>(
    body: &[u8],
    method: &str,
    sign_type: SignType,
    charset: Charset,
    select: F,
) -> Result<Checked, E>
where
    E: From<ResponseError>,
    F: FnOnce(&SignedNode<'_>) -> Result<&'v dyn Verifier, E>,
{
    let text = charset.decode(body).map_err(|e| malformed(e.to_string()))?;
    // For GBK the signature covers the original bytes of the node. Decoding then
    // re-encoding is exact for every byte sequence that round-trips; require that the
    // whole body does, so re-encoding the node text yields exactly its original bytes.
    if charset != Charset::Utf8 {
        let again = charset
            .encode(&text)
            .map_err(|_| malformed("the body does not round-trip through its charset"))?;
        if again.as_ref() != body {
            return Err(malformed("the body does not round-trip through its charset").into());
        }
    }
    if text.starts_with('\u{feff}') {
        return Err(malformed(
            "the body starts with a byte order mark (U+FEFF); a gateway answer is bare JSON",
        )
        .into());
    }
    let members: Members<'_> = serde_json::from_str(&text).map_err(|e| {
        malformed(if e.is_eof() {
            format!("the body is truncated ({})", json_problem(&e))
        } else {
            format!("the body is not a JSON object ({})", json_problem(&e))
        })
    })?;
    let members = members.0;
    // A set, not a pairwise scan: a hostile body of many tiny keys stays linear.
    let mut seen = std::collections::HashSet::with_capacity(members.len());
    for (key, _) in &members {
        if !seen.insert(key.as_str()) {
            return Err(malformed(format!(
                "top-level key `{}` appears more than once; refusing an ambiguous body",
                crate::redact::sanitize_unverified(key, crate::redact::UNVERIFIED_CODE_CAP)
            ))
            .into());
        }
    }
    let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let method_key = response_key(method);
    let (node, raw) = match (get(&method_key), get("error_response")) {
        (Some(raw), _) => (Node::Method(method_key), raw),
        (None, Some(raw)) => (Node::Error, raw),
        (None, None) => {
            return Err(malformed(format!(
                "neither `{method_key}` nor `error_response` is present"
            ))
            .into());
        }
    };
    let sign = string_member(get("sign"), "sign")?;
    let alipay_cert_sn = string_member(get("alipay_cert_sn"), "alipay_cert_sn")?;
    let span = raw.get();
    // The result fields and the duplicate-key check of the node in one walk; `None`
    // for `repeats` when they had to be read apart (see `scan_node`), the check then
    // running on the verified text as before.
    let (status, repeats) = match span.as_bytes().first() {
        Some(b'{') => match scan_node(span) {
            Ok((status, repeats)) => (Some(status), Some(repeats)),
            Err(_) => {
                let status = serde_json::from_str::<GatewayStatus>(span).map_err(|e| {
                    malformed(format!(
                        "`{}` has invalid result fields ({})",
                        node.key(),
                        json_problem(&e)
                    ))
                })?;
                (Some(status), None)
            }
        },
        Some(b'"') => (None, Some(false)),
        _ => {
            return Err(malformed(format!(
                "`{}` is neither an object nor an encrypted string",
                node.key()
            ))
            .into());
        }
    };
    let Some(sign) = sign.filter(|s| !s.is_empty()) else {
        let is_error = is_error_node(&node, status.as_ref());
        return match (is_error, status) {
            (true, Some(status)) => Ok(Checked::UnsignedError(UnsignedError {
                node,
                status,
                raw: span.to_owned(),
            })),
            _ => Err(ResponseError::UnsignedSuccess { node }.into()),
        };
    };
    let verifier = select(&SignedNode {
        node: &node,
        alipay_cert_sn: alipay_cert_sn.as_deref(),
        status: status.as_ref(),
    })?;
    let verify = |candidate: &str| -> Result<bool, ResponseError> {
        verify_base64(verifier, sign_type, charset, candidate, &sign).map_err(|e| match e {
            VerifyBase64Error::NotBase64 => malformed("`sign` is not valid base64"),
            _ => malformed("the response node cannot be encoded in its charset"),
        })
    };
    // What is handed out as verified is exactly the text the signature covered: with the
    // Java `\/` fallback that is the replaced text, never the span as received (a span
    // with `\\/` would otherwise verify and come back holding backslashes nobody signed).
    let (outcome, verified_text) = if verify(span)? {
        (Outcome::Verified, span.to_owned())
    } else {
        match span.contains("\\/").then(|| span.replace("\\/", "/")) {
            Some(unescaped) if verify(&unescaped)? => {
                (Outcome::VerifiedWithSlashFallback, unescaped)
            }
            _ => {
                return Err(ResponseError::SignatureInvalid {
                    node,
                    signed_span: span.to_owned(),
                    sign_type,
                    key_hint: verifier
                        .key_fingerprint()
                        .unwrap_or_else(|| "of a custom verifier".into()),
                }
                .into());
            }
        }
    };
    match repeats {
        // The walk before verification read exactly the text that verified.
        Some(true) if outcome == Outcome::Verified => return Err(repeated_key(&node).into()),
        Some(_) if outcome == Outcome::Verified => {}
        _ if verified_text.starts_with('{') => check_unique_keys(&node, &verified_text)?,
        _ => {}
    }
    let status = if outcome == Outcome::VerifiedWithSlashFallback {
        // The replaced text is what verified; its result fields are read from it alone,
        // and it must still be the same kind of node.
        reparse_fallback_status(&node, &verified_text, status.is_some())?
    } else {
        status
    };
    Ok(Checked::Verified(VerifiedResponse {
        node,
        raw: verified_text,
        outcome,
        status,
        alipay_cert_sn,
    }))
}

/// Whether a node is an error: `error_response`, or a method node with a non-empty
/// `sub_code` whose `code` is not the success code. An unsigned node saying `10000` is
/// a success whatever else it says, so a `sub_code` cannot pass it off as an
/// (acceptable) unsigned error.
fn is_error_node(node: &Node, status: Option<&GatewayStatus>) -> bool {
    *node == Node::Error
        || status.is_some_and(|s| {
            s.code != "10000" && s.sub_code.as_deref().is_some_and(|sub| !sub.is_empty())
        })
}

/// Re-reads the result fields of a node that verified only after `\/` → `/`.
fn reparse_fallback_status(
    node: &Node,
    text: &str,
    is_object: bool,
) -> Result<Option<GatewayStatus>, ResponseError> {
    let value: &RawValue = serde_json::from_str(text).map_err(|_| {
        malformed(format!(
            "`{}` is not valid JSON once `\\/` is replaced by `/`",
            node.key()
        ))
    })?;
    match (is_object, value.get().as_bytes().first()) {
        (true, Some(b'{')) => serde_json::from_str::<GatewayStatus>(text)
            .map(Some)
            .map_err(|_| malformed(format!("`{}` has invalid result fields", node.key()))),
        (false, Some(b'"')) => Ok(None),
        _ => Err(malformed(format!(
            "`{}` changed its kind once `\\/` is replaced by `/`",
            node.key()
        ))),
    }
}

fn string_member(raw: Option<&RawValue>, name: &str) -> Result<Option<String>, ResponseError> {
    raw.map(|r| {
        serde_json::from_str::<String>(r.get())
            .map_err(|_| malformed(format!("`{name}` is not a JSON string")))
    })
    .transpose()
}
