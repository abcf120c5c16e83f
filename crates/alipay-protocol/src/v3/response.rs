//! v3 answers: the signature in the `alipay-signature` / `alipay-timestamp` /
//! `alipay-nonce` headers over `timestamp\nnonce\nbody\n`, checked over the exact body
//! bytes before anything is parsed or decrypted.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::replay::{ReplayError, ReplayGuard};
use super::{MAX_NONCE_LEN, header};
use crate::aes::AesKey;
use crate::cert::{AlipayCertificate, CertError, CertMaterial};
use crate::charset::Charset;
use crate::crypto::{SignType, Verifier};
use crate::redact::{
    UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, escape_controls, sanitize_unverified,
};
use crate::time::Timestamp;

/// The outcome vocabulary of `v3.json` (and of `alipay verify --v3`), plus this SDK's
/// own refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum V3Outcome {
    /// A 2xx answer whose signature verified.
    Verified,
    /// A 4xx/5xx answer whose signature verified: a trustworthy API error.
    VerifiedError,
    /// The signature headers are there and the signature does not verify.
    SignatureInvalid,
    /// A 2xx answer without one of the three signature headers.
    RejectUnsignedSuccess,
    /// A 4xx/5xx answer without a signature: an unverified error.
    UnsignedErrorResponse,
    /// `alipay-sn` names an Alipay certificate that is not held.
    UnknownAlipayCertificate,
    /// The Alipay certificate named is held but not valid now.
    UntrustedAlipayCertificate,
    /// Verified, but `alipay-timestamp` is outside the window (or not a number).
    RejectStale,
    /// Verified, but its nonce was already seen (or the replay cache is full).
    RejectReplay,
    /// Verified, but the body cannot be read (not UTF-8, repeated keys, bad ciphertext),
    /// or a signature header is repeated.
    RejectMalformed,
}

impl V3Outcome {
    /// The snake_case name used in vectors and CLI output.
    pub fn as_str(self) -> &'static str {
        match self {
            V3Outcome::Verified => "verified",
            V3Outcome::VerifiedError => "verified_error",
            V3Outcome::SignatureInvalid => "signature_invalid",
            V3Outcome::RejectUnsignedSuccess => "reject_unsigned_success",
            V3Outcome::UnsignedErrorResponse => "unsigned_error_response",
            V3Outcome::UnknownAlipayCertificate => "unknown_alipay_certificate",
            V3Outcome::UntrustedAlipayCertificate => "untrusted_alipay_certificate",
            V3Outcome::RejectStale => "reject_stale",
            V3Outcome::RejectReplay => "reject_replay",
            V3Outcome::RejectMalformed => "reject_malformed",
        }
    }
}

impl fmt::Display for V3Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer headers that matter, as received. An absent or empty value is missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct V3ResponseHeaders<'a> {
    /// `alipay-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `alipay-nonce`.
    pub nonce: Option<&'a str>,
    /// `alipay-signature`.
    pub signature: Option<&'a str>,
    /// `alipay-sn` (certificate mode).
    pub alipay_sn: Option<&'a str>,
    /// `alipay-trace-id`.
    pub trace_id: Option<&'a str>,
}

impl<'a> V3ResponseHeaders<'a> {
    /// Picks the headers out of `(name, value)` pairs (names case-insensitive). A
    /// signature header that appears twice is refused: which one counts is ambiguous.
    pub fn from_pairs<I>(pairs: I) -> Result<Self, V3ResponseError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut out = V3ResponseHeaders::default();
        for (name, value) in pairs {
            let slot = match name.to_ascii_lowercase().as_str() {
                header::TIMESTAMP => &mut out.timestamp,
                header::NONCE => &mut out.nonce,
                header::SIGNATURE => &mut out.signature,
                header::ALIPAY_SN => &mut out.alipay_sn,
                header::TRACE_ID => &mut out.trace_id,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(malformed(format!(
                    "the `{}` header appears more than once; refusing an ambiguous answer",
                    name.to_ascii_lowercase()
                )));
            }
        }
        Ok(out)
    }

    fn get(v: Option<&'a str>) -> Option<&'a str> {
        v.filter(|s| !s.is_empty())
    }
}

/// What answers are verified with.
#[derive(Clone, Copy)]
pub enum V3Trust<'a> {
    /// Public-key mode: the Alipay public key (or a custom verifier). `alipay-sn` is
    /// not consulted.
    Key(&'a dyn Verifier),
    /// Certificate mode: the certificate `alipay-sn` names (the current one when the
    /// header is absent), which must be valid at the verification time.
    Certificates(&'a CertMaterial),
    /// One Alipay certificate (an offline check): `alipay-sn`, when present, must be
    /// its SN, and it must be valid at the verification time.
    Certificate(&'a AlipayCertificate),
}

impl fmt::Debug for V3Trust<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V3Trust::Key(_) => f.write_str("Key(..)"),
            V3Trust::Certificates(m) => f.debug_tuple("Certificates").field(m).finish(),
            V3Trust::Certificate(c) => f.debug_tuple("Certificate").field(c).finish(),
        }
    }
}

/// How to check one answer.
#[derive(Debug, Clone, Copy)]
pub struct V3VerifyOptions<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The key or certificates.
    pub trust: V3Trust<'a>,
    /// The client clock's reading (freshness and certificate validity).
    pub now: SystemTime,
    /// Freshness and replay protection; `None` turns both off (offline tools only).
    pub replay: Option<&'a ReplayGuard>,
    /// The AES key, when the request was encrypted: a verified body that is not a JSON
    /// object is then ciphertext and is decrypted.
    pub aes_key: Option<&'a AesKey>,
}

/// A verified 2xx answer.
#[derive(Clone, PartialEq, Eq)]
pub struct V3VerifiedResponse {
    status: u16,
    body: String,
    decrypted: bool,
}

impl fmt::Debug for V3VerifiedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3VerifiedResponse")
            .field("status", &self.status)
            .field("decrypted", &self.decrypted)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl V3VerifiedResponse {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The verified body text (decrypted when it was AES ciphertext); may be empty.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether the body was AES ciphertext (verified, then decrypted).
    pub fn was_encrypted(&self) -> bool {
        self.decrypted
    }

    /// Deserializes the body into `T`; the error names the JSON path, never a value.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::DecodeError> {
        crate::decode::deserialize_node(&self.body)
    }
}

/// A verified 4xx/5xx answer: an API error whose `code` and `message` are Alipay's.
#[derive(Clone, PartialEq, Eq)]
pub struct V3VerifiedError {
    /// The HTTP status.
    pub status: u16,
    /// `code`, when the body is the v3 error object.
    pub code: Option<String>,
    /// `message`, when the body is the v3 error object.
    pub message: Option<String>,
    /// The verified body.
    pub body: String,
}

impl fmt::Debug for V3VerifiedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3VerifiedError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for V3VerifiedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Verified, yet the message may echo request data: shown with controls escaped.
        write!(
            f,
            "HTTP {}: {} {}",
            self.status,
            escape_controls(self.code.as_deref().unwrap_or("-")),
            escape_controls(self.message.as_deref().unwrap_or(""))
        )
    }
}

/// A 4xx/5xx answer without a signature. Nothing in it is verified: anyone on the path
/// could have written it, so its text is hostile. [`Display`](fmt::Display) and `Debug`
/// show it only sanitised and capped (one line, ID-like numbers masked).
#[derive(Clone, PartialEq, Eq)]
pub struct V3UnsignedError {
    status: u16,
    code: Option<String>,
    message: Option<String>,
    body_len: usize,
}

impl V3UnsignedError {
    /// The HTTP status (unverified too).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `code` exactly as received: UNVERIFIED, hostile text. Never act on it beyond
    /// showing it (use [`shown_code`](Self::shown_code) to show it).
    pub fn unverified_code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The `message` exactly as received: UNVERIFIED, hostile text.
    pub fn unverified_message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The `code`, sanitised and capped for display.
    pub fn shown_code(&self) -> Option<String> {
        self.code
            .as_deref()
            .map(|c| sanitize_unverified(c, UNVERIFIED_CODE_CAP))
    }

    /// The `message`, sanitised and capped for display.
    pub fn shown_message(&self) -> Option<String> {
        self.message
            .as_deref()
            .map(|m| sanitize_unverified(m, UNVERIFIED_TEXT_CAP))
    }
}

impl fmt::Debug for V3UnsignedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3UnsignedError")
            .field("status", &self.status)
            .field("code", &self.shown_code())
            .field("body_bytes", &self.body_len)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for V3UnsignedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} without a signature (UNVERIFIED)", self.status)?;
        match (self.shown_code(), self.shown_message()) {
            (None, None) => write!(
                f,
                ", {} bytes that are not the v3 error object",
                self.body_len
            ),
            (code, message) => write!(
                f,
                ": code `{}`, message `{}`",
                code.unwrap_or_default(),
                message.unwrap_or_default()
            ),
        }
    }
}

/// An answer that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V3Checked {
    /// A 2xx answer whose signature verified.
    Verified(V3VerifiedResponse),
    /// A 4xx/5xx answer whose signature verified.
    VerifiedError(V3VerifiedError),
    /// A 4xx/5xx answer without a signature; nothing was verified.
    UnsignedError(V3UnsignedError),
}

impl V3Checked {
    /// The outcome name.
    pub fn outcome(&self) -> V3Outcome {
        match self {
            V3Checked::Verified(_) => V3Outcome::Verified,
            V3Checked::VerifiedError(_) => V3Outcome::VerifiedError,
            V3Checked::UnsignedError(_) => V3Outcome::UnsignedErrorResponse,
        }
    }
}

/// Why an answer was refused. Never quotes body text.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V3ResponseError {
    /// The signature does not verify.
    #[error(
        "the answer's alipay-signature does not verify over alipay-timestamp, alipay-nonce \
         and the {body_bytes} body bytes (HTTP {status}, Alipay key {key_hint}); check that the \
         configured key is the 支付宝公钥 of this app and that nothing rewrote the body"
    )]
    SignatureInvalid {
        /// The HTTP status.
        status: u16,
        /// The body length.
        body_bytes: usize,
        /// The key's fingerprint, or a note that it is a custom verifier.
        key_hint: String,
    },
    /// A 2xx answer without one of the signature headers.
    #[error("HTTP {status} answer without the `{missing}` header: refusing unsigned data")]
    UnsignedSuccess {
        /// The HTTP status.
        status: u16,
        /// The first missing header.
        missing: &'static str,
    },
    /// `alipay-sn` names a certificate that is not held.
    #[error(
        "the answer is signed with the Alipay certificate SN `{sn}`, which is not among the \
         configured Alipay certificates; Alipay has probably rotated its certificate: \
         download the new alipayCertPublicKey_RSA2.crt and accept it"
    )]
    UnknownAlipayCertificate {
        /// The SN, when it looks like one; otherwise its length.
        sn: String,
    },
    /// The certificate named is held but cannot be used now (expired, not yet valid).
    #[error(transparent)]
    Certificate(CertError),
    /// Verified, but stale or replayed.
    #[error(transparent)]
    Replay(ReplayError),
    /// Not a usable answer.
    #[error("malformed v3 answer: {reason}")]
    Malformed {
        /// What is wrong (never quotes the body).
        reason: String,
    },
}

impl fmt::Debug for V3ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl V3ResponseError {
    /// The outcome name.
    pub fn outcome(&self) -> V3Outcome {
        match self {
            V3ResponseError::SignatureInvalid { .. } => V3Outcome::SignatureInvalid,
            V3ResponseError::UnsignedSuccess { .. } => V3Outcome::RejectUnsignedSuccess,
            V3ResponseError::UnknownAlipayCertificate { .. } => V3Outcome::UnknownAlipayCertificate,
            V3ResponseError::Certificate(_) => V3Outcome::UntrustedAlipayCertificate,
            V3ResponseError::Replay(ReplayError::Replayed | ReplayError::CacheFull { .. }) => {
                V3Outcome::RejectReplay
            }
            V3ResponseError::Replay(_) => V3Outcome::RejectStale,
            V3ResponseError::Malformed { .. } => V3Outcome::RejectMalformed,
        }
    }
}

fn malformed(reason: impl Into<String>) -> V3ResponseError {
    V3ResponseError::Malformed {
        reason: reason.into(),
    }
}

/// Checks one answer: `headers` and `body` exactly as received.
///
/// 1. Any of `alipay-signature`, `alipay-timestamp`, `alipay-nonce` missing: a 2xx is
///    refused ([`V3ResponseError::UnsignedSuccess`]); a 4xx/5xx becomes
///    [`V3Checked::UnsignedError`], its `{code, message}` unverified.
/// 2. The key is chosen (certificate mode: by `alipay-sn`) and the signature checked
///    over `timestamp\nnonce\nbody\n` with the body's exact bytes.
/// 3. With a [`ReplayGuard`]: the timestamp must be within its window and the nonce new.
/// 4. Only then is the body read: a 2xx as [`V3Checked::Verified`] (decrypted when it
///    is AES ciphertext and a key is given), a 4xx/5xx as [`V3Checked::VerifiedError`].
pub fn verify_v3_response(
    headers: &V3ResponseHeaders<'_>,
    body: &[u8],
    opts: &V3VerifyOptions<'_>,
) -> Result<V3Checked, V3ResponseError> {
    let status = opts.status;
    let success = (200..300).contains(&status);
    let get = V3ResponseHeaders::get;
    let present = [
        (header::SIGNATURE, get(headers.signature)),
        (header::TIMESTAMP, get(headers.timestamp)),
        (header::NONCE, get(headers.nonce)),
    ];
    let (signature, timestamp, nonce) = match present {
        [(_, Some(s)), (_, Some(t)), (_, Some(n))] => (s, t, n),
        _ => {
            let missing = present
                .iter()
                .find(|(_, v)| v.is_none())
                .map_or(header::SIGNATURE, |(name, _)| name);
            if success {
                return Err(V3ResponseError::UnsignedSuccess { status, missing });
            }
            return Ok(V3Checked::UnsignedError(unsigned_error(status, body)));
        }
    };
    let verifier: &dyn Verifier = match opts.trust {
        V3Trust::Key(v) => v,
        V3Trust::Certificates(material) => {
            let sn = get(headers.alipay_sn);
            match material.verifier_for_at(sn, Timestamp::from_system_time(opts.now)) {
                Ok(key) => key,
                Err(CertError::UnknownAlipayCertSn { sn }) => {
                    return Err(V3ResponseError::UnknownAlipayCertificate { sn });
                }
                Err(e) => return Err(V3ResponseError::Certificate(e)),
            }
        }
        V3Trust::Certificate(cert) => {
            if let Some(sn) = get(headers.alipay_sn)
                && !sn.trim().eq_ignore_ascii_case(cert.sn())
            {
                return Err(V3ResponseError::UnknownAlipayCertificate { sn: shown_sn(sn) });
            }
            cert.certificate()
                .check_validity(Timestamp::from_system_time(opts.now))
                .map_err(V3ResponseError::Certificate)?;
            cert.public_key()
        }
    };
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    let verified = STANDARD
        .decode(signature.as_bytes())
        .is_ok_and(|sig| verifier.verify(SignType::Rsa2, &message, &sig));
    if !verified {
        return Err(V3ResponseError::SignatureInvalid {
            status,
            body_bytes: body.len(),
            key_hint: verifier
                .key_fingerprint()
                .unwrap_or_else(|| "of a custom verifier".into()),
        });
    }
    if let Some(guard) = opts.replay {
        // Signed, but a hostile-length nonce would still cost cache memory.
        if nonce.len() > MAX_NONCE_LEN {
            return Err(malformed("alipay-nonce is longer than 64 bytes"));
        }
        guard
            .check(timestamp, nonce, opts.now)
            .map_err(V3ResponseError::Replay)?;
    }
    let text =
        std::str::from_utf8(body).map_err(|_| malformed("the verified body is not UTF-8 text"))?;
    check_keys(text, "verified")?;
    if !success {
        let (code, message) = error_fields(text);
        return Ok(V3Checked::VerifiedError(V3VerifiedError {
            status,
            code,
            message,
            body: text.to_owned(),
        }));
    }
    let (body, decrypted) = match opts.aes_key {
        // Base64 never starts with `{`: a JSON object is plain, anything else is
        // ciphertext.
        Some(key) if !text.is_empty() && !text.trim_start().starts_with('{') => {
            let plain = key
                .decrypt(text, Charset::Utf8)
                .map_err(|e| malformed(e.to_string()))?;
            check_keys(&plain, "decrypted")?;
            (plain, true)
        }
        _ => (text.to_owned(), false),
    };
    Ok(V3Checked::Verified(V3VerifiedResponse {
        status,
        body,
        decrypted,
    }))
}

/// Refuses a body that repeats a key, and one that looks like JSON (`{`, `[`) but that
/// a `Value` parse refuses: a lax reader could read it, and no key of it was vouched
/// for. Other text (empty, ciphertext without a key) is left to the caller.
fn check_keys(text: &str, which: &str) -> Result<(), V3ResponseError> {
    use crate::response::{KeyCheck, key_check};
    match key_check(text) {
        KeyCheck::Unique => Ok(()),
        KeyCheck::Repeated => Err(malformed(format!(
            "the {which} body repeats a key inside an object; refusing an ambiguous answer"
        ))),
        KeyCheck::Unreadable if text.trim_start().starts_with(['{', '[']) => Err(malformed(
            format!("the {which} body is not valid JSON; refusing it"),
        )),
        KeyCheck::Unreadable => Ok(()),
    }
}

/// An SN from an answer, for an error message: it arrives unverified, so only
/// something shaped like an SN (hex, at most 64 characters) is quoted.
fn shown_sn(sn: &str) -> String {
    let sn = sn.trim();
    if !sn.is_empty() && sn.len() <= 64 && sn.bytes().all(|b| b.is_ascii_hexdigit()) {
        sn.to_owned()
    } else {
        format!("<{} characters, not a certificate SN>", sn.chars().count())
    }
}

fn unsigned_error(status: u16, body: &[u8]) -> V3UnsignedError {
    let (code, message) = std::str::from_utf8(body)
        .map(error_fields)
        .unwrap_or((None, None));
    V3UnsignedError {
        status,
        code,
        message,
        body_len: body.len(),
    }
}

/// `code` and `message` of the v3 error object `{code, message, links}`, when the text
/// is one; other members are ignored.
fn error_fields(text: &str) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(e) => (e.code, e.message),
        Err(_) => (None, None),
    }
}
