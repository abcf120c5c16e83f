//! Building and signing one request: the parameter set ([`UnsignedRequest`]), its
//! signature, made here or by a remote signer ([`SignedRequest`]), and the query, body
//! and URL the HTTP layer sends.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{
    Call, CommonParams, ENCRYPT_TYPE_AES, ENCRYPT_TYPE_PARAM, QUERY_PARAMS, RESERVED_PARAMS,
};
use crate::aes::{AesError, AesKey};
use crate::charset::Charset;
use crate::crypto::{SignError, SignType, Signer};
use crate::form;

/// A fully signed request, ready to be sent. Holds personal data (`biz_content`), so
/// its `Debug` shows only parameter names and sizes.
///
/// The sign content is the one copy of every parameter value: each parameter is a
/// span of it (a 200 KB `biz_content` is held once, not once more per parameter).
#[derive(Clone)]
pub struct SignedRequest {
    sign_content: String,
    spans: Vec<Span>,
    sign: String,
    charset: Charset,
    /// [`params`](Self::params) as owned pairs, made on first use.
    owned: OnceLock<Vec<(String, String)>>,
}

impl PartialEq for SignedRequest {
    fn eq(&self, other: &Self) -> bool {
        // `owned` is a cache of the other fields.
        (&self.sign_content, &self.spans, &self.sign, self.charset)
            == (
                &other.sign_content,
                &other.spans,
                &other.sign,
                other.charset,
            )
    }
}

impl Eq for SignedRequest {}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("params", &shown_params(self.pairs()))
            .field("charset", &self.charset)
            .finish_non_exhaustive()
    }
}

/// Where one parameter sits in the sign content (`key=value` pairs joined by `&`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    key: Range<usize>,
    value: Range<usize>,
}

/// A request ready to be signed: every parameter to transmit except `sign`, the sign
/// content and the exact bytes to sign. This is the sans-IO half of signing: sign it
/// here with a [`Signer`] ([`sign`](Self::sign)), or hand [`message`](Self::message)
/// to a remote signer (a KMS or HSM reached over the network), await its answer and
/// finish with [`with_signature`](Self::with_signature). Holds personal data
/// (`biz_content`), so its `Debug` shows only parameter names and sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedRequest {
    sign_content: String,
    spans: Vec<Span>,
    /// The sign content in the charset, when that differs from its UTF-8 text.
    message: Option<Vec<u8>>,
    sign_type: SignType,
    charset: Charset,
}

impl fmt::Debug for UnsignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsignedRequest")
            .field(
                "params",
                &shown_params(self.spans.iter().map(|s| span_pair(&self.sign_content, s))),
            )
            .field("sign_type", &self.sign_type)
            .field("charset", &self.charset)
            .finish_non_exhaustive()
    }
}

fn span_pair<'a>(content: &'a str, span: &Span) -> (&'a str, &'a str) {
    (&content[span.key.clone()], &content[span.value.clone()])
}

/// A parameter value while the sign content is assembled: borrowed text, or the owned
/// text whose buffer becomes the sign content.
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Donor,
}

fn text<'t>(v: Value<'t>, donor: &'t str) -> &'t str {
    match v {
        Value::Text(t) => t,
        Value::Donor => donor,
    }
}

fn shown_params<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    params
        .map(|(k, v)| format!("{k} ({} bytes)", v.len()))
        .collect()
}

/// The parameters of one call except `biz_content`.
fn base_params<'a>(
    common: &'a CommonParams,
    call: &Call<'a>,
    timestamp: &'a str,
) -> Result<Vec<(&'a str, &'a str)>, SignError> {
    let mut params: Vec<(&str, &str)> = vec![
        ("app_id", &common.app_id),
        ("method", call.method),
        ("format", &common.format),
        ("charset", common.charset.as_str()),
        ("sign_type", common.sign_type.as_str()),
        ("timestamp", timestamp),
        ("version", &common.version),
    ];
    if let Some(token) = call.app_auth_token.or(common.app_auth_token.as_deref()) {
        params.push(("app_auth_token", token));
    }
    if let Some(url) = &common.notify_url {
        params.push(("notify_url", url));
    }
    if let Some(url) = &common.return_url {
        params.push(("return_url", url));
    }
    for (k, v) in &common.extra {
        // An extra named like a core parameter would silently replace it (and an
        // extra `charset` would make the wire disagree with the bytes signed).
        if RESERVED_PARAMS.contains(&k.as_str()) {
            return Err(SignError::ReservedParam { param: k.clone() });
        }
        params.push((k, v));
    }
    Ok(params)
}

impl UnsignedRequest {
    /// Builds the parameters of one call.
    pub fn new(common: &CommonParams, call: &Call<'_>) -> Result<UnsignedRequest, SignError> {
        let timestamp = call.timestamp.to_string();
        let mut params = base_params(common, call, &timestamp)?;
        if let Some(biz) = call.biz_content {
            params.push(("biz_content", biz));
        }
        Self::from_params(params, common.sign_type, common.charset)
    }

    /// [`new`](Self::new) with `biz_content` given as owned text, in place of
    /// `call.biz_content`: its buffer becomes the sign content, so a large value (a
    /// photo) is not copied and is held once.
    pub fn with_biz_content(
        common: &CommonParams,
        call: &Call<'_>,
        biz_content: String,
    ) -> Result<UnsignedRequest, SignError> {
        let timestamp = call.timestamp.to_string();
        let params = base_params(common, call, &timestamp)?;
        Self::assemble(
            params,
            Some(("biz_content", biz_content)),
            common.sign_type,
            common.charset,
        )
    }

    /// Builds a call whose `biz_content` is AES-encrypted (protocol.md §7):
    /// `biz_content` is encrypted with `key` in the request charset, `encrypt_type=AES`
    /// is added, and the signature will cover the ciphertext and `encrypt_type`, as the
    /// gateway checks it. A call without `biz_content` is built as is (nothing to
    /// encrypt, so no `encrypt_type` either).
    pub fn new_encrypted(
        common: &CommonParams,
        call: &Call<'_>,
        key: &AesKey,
    ) -> Result<UnsignedRequest, SignError> {
        let Some(plain) = call.biz_content else {
            return Self::new(common, call);
        };
        let ciphertext = key.encrypt(plain, common.charset).map_err(|e| match e {
            AesError::Charset(charset) => SignError::Unencodable {
                param: "biz_content".into(),
                charset,
            },
            other => SignError::backend(other),
        })?;
        let mut common = common.clone();
        common
            .extra
            .retain(|(k, _)| k != ENCRYPT_TYPE_PARAM && k != "biz_content");
        common
            .extra
            .push((ENCRYPT_TYPE_PARAM.into(), ENCRYPT_TYPE_AES.into()));
        let call = Call {
            biz_content: Some(&ciphertext),
            ..*call
        };
        Self::new(&common, &call)
    }

    /// An arbitrary parameter set (everything to transmit except `sign`). Empty values
    /// are dropped; a later duplicate key replaces an earlier one.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        sign_type: SignType,
        charset: Charset,
    ) -> Result<UnsignedRequest, SignError> {
        Self::assemble(params, None, sign_type, charset)
    }

    /// The parameters plus, last, one whose owned value (`donor`) becomes the buffer of
    /// the sign content.
    fn assemble<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        donor: Option<(&'a str, String)>,
        sign_type: SignType,
        charset: Charset,
    ) -> Result<UnsignedRequest, SignError> {
        let (donor_key, donor) = match donor {
            Some((k, v)) => (Some(k), v),
            None => (None, String::new()),
        };
        let mut kept: Vec<(&str, Value<'_>)> = Vec::new();
        let all = params
            .into_iter()
            .map(|(k, v)| (k, Value::Text(v)))
            .chain(donor_key.map(|k| (k, Value::Donor)));
        for (k, v) in all {
            let t = text(v, &donor);
            if k.is_empty() || t.is_empty() || k == "sign" {
                continue;
            }
            if let Some(charset_err) = charset.encode(t).err() {
                return Err(SignError::Unencodable {
                    param: k.to_owned(),
                    charset: charset_err.charset,
                });
            }
            match kept.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => kept.push((k, v)),
            }
        }
        kept.sort_by(|a, b| a.0.cmp(b.0));
        // The sign content: `key=value` joined by `&`, values raw (as `sign_content`).
        let mut spans = Vec::with_capacity(kept.len());
        let mut at = 0;
        for (i, (k, v)) in kept.iter().enumerate() {
            at += usize::from(i > 0);
            let key = at..at + k.len();
            at = key.end + 1;
            let value = at..at + text(*v, &donor).len();
            at = value.end;
            spans.push(Span { key, value });
        }
        let pair = |out: &mut String, (k, v): (&str, Value<'_>)| {
            out.push_str(k);
            out.push('=');
            out.push_str(text(v, ""));
        };
        let sign_content = match kept.iter().position(|(_, v)| matches!(v, Value::Donor)) {
            Some(d) => {
                let mut prefix = String::new();
                for &p in &kept[..d] {
                    pair(&mut prefix, p);
                    prefix.push('&');
                }
                prefix.push_str(kept[d].0);
                prefix.push('=');
                let mut suffix = String::new();
                for &p in &kept[d + 1..] {
                    suffix.push('&');
                    pair(&mut suffix, p);
                }
                let mut out = donor;
                out.reserve_exact(prefix.len() + suffix.len());
                out.insert_str(0, &prefix);
                out.push_str(&suffix);
                out
            }
            None => {
                let mut out = String::with_capacity(at);
                for (i, &p) in kept.iter().enumerate() {
                    if i > 0 {
                        out.push('&');
                    }
                    pair(&mut out, p);
                }
                out
            }
        };
        debug_assert_eq!(sign_content.len(), at);
        let message = match charset {
            Charset::Utf8 => None,
            _ => Some(
                charset
                    .encode(&sign_content)
                    .map_err(|e| SignError::Unencodable {
                        param: "sign content".into(),
                        charset: e.charset,
                    })?
                    .into_owned(),
            ),
        };
        Ok(UnsignedRequest {
            sign_content,
            spans,
            message,
            sign_type,
            charset,
        })
    }

    /// The sign content (before charset encoding).
    pub fn sign_content(&self) -> &str {
        &self.sign_content
    }

    /// The bytes to sign: the sign content in the request charset.
    pub fn message(&self) -> &[u8] {
        self.message
            .as_deref()
            .unwrap_or(self.sign_content.as_bytes())
    }

    /// The algorithm the signature must use.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// Signs with `signer`.
    pub fn sign(self, signer: &dyn Signer) -> Result<SignedRequest, SignError> {
        let signature = signer.sign(self.sign_type, self.message())?;
        Ok(self.with_signature(&signature))
    }

    /// Completes the request with `signature`, the raw signature bytes over
    /// [`message`](Self::message) (base64-encoded here).
    pub fn with_signature(self, signature: &[u8]) -> SignedRequest {
        SignedRequest {
            sign_content: self.sign_content,
            spans: self.spans,
            sign: STANDARD.encode(signature),
            charset: self.charset,
            owned: OnceLock::new(),
        }
    }
}

impl SignedRequest {
    /// Builds and signs the parameters of one call.
    pub fn new(
        common: &CommonParams,
        call: &Call<'_>,
        signer: &dyn Signer,
    ) -> Result<SignedRequest, SignError> {
        UnsignedRequest::new(common, call)?.sign(signer)
    }

    /// Builds and signs a call whose `biz_content` is AES-encrypted; see
    /// [`UnsignedRequest::new_encrypted`].
    pub fn new_encrypted(
        common: &CommonParams,
        call: &Call<'_>,
        key: &AesKey,
        signer: &dyn Signer,
    ) -> Result<SignedRequest, SignError> {
        UnsignedRequest::new_encrypted(common, call, key)?.sign(signer)
    }

    /// Signs an arbitrary parameter set (everything to transmit except `sign`). Empty
    /// values are dropped; a later duplicate key replaces an earlier one.
    pub fn sign_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        sign_type: SignType,
        charset: Charset,
        signer: &dyn Signer,
    ) -> Result<SignedRequest, SignError> {
        UnsignedRequest::from_params(params, sign_type, charset)?.sign(signer)
    }

    /// Every transmitted parameter, sorted by key, `sign` last. Owned copies, made on
    /// the first call (the request itself holds each value once, in the sign content).
    pub fn params(&self) -> &[(String, String)] {
        self.owned.get_or_init(|| {
            self.pairs()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
    }

    /// Every transmitted parameter as borrowed text, sorted by key, `sign` last.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans
            .iter()
            .map(|s| span_pair(&self.sign_content, s))
            .chain([("sign", self.sign.as_str())])
    }

    /// The exact text that was signed (before charset encoding).
    pub fn sign_content(&self) -> &str {
        &self.sign_content
    }

    /// The base64 signature.
    pub fn sign(&self) -> &str {
        &self.sign
    }

    /// The charset of the query, body and signature.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The value of a transmitted parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The URL query string (routing parameters and `sign`), form-encoded in the charset.
    pub fn query(&self) -> String {
        self.encode(|k| QUERY_PARAMS.contains(&k))
    }

    /// The `application/x-www-form-urlencoded` body (`biz_content`, tokens, extras).
    pub fn body(&self) -> String {
        self.encode(|k| !QUERY_PARAMS.contains(&k))
    }

    /// Everything form-encoded in one string, e.g. for a `GET` page-redirect URL.
    pub fn all_params_encoded(&self) -> String {
        self.encode(|_| true)
    }

    /// `application/x-www-form-urlencoded;charset=<charset>`.
    pub fn content_type(&self) -> String {
        format!(
            "application/x-www-form-urlencoded;charset={}",
            self.charset.as_str()
        )
    }

    /// `gateway?query`, the URL to `POST` the body to.
    pub fn url(&self, gateway: &str) -> String {
        let sep = if gateway.contains('?') { '&' } else { '?' };
        format!("{gateway}{sep}{}", self.query())
    }

    fn encode(&self, include: impl Fn(&str) -> bool) -> String {
        // Every value was checked encodable in `UnsignedRequest::from_params`, the only
        // way to a `SignedRequest`.
        fn encoded(charset: Charset, v: &str) -> std::borrow::Cow<'_, [u8]> {
            match charset.encode(v) {
                Ok(bytes) => bytes,
                Err(_) => unreachable!("values are checked encodable before signing"),
            }
        }
        let parts: Vec<(&str, std::borrow::Cow<'_, [u8]>)> = self
            .pairs()
            .filter(|(k, _)| include(k))
            .map(|(k, v)| (k, encoded(self.charset, v)))
            .collect();
        let lens: Vec<(usize, usize)> = parts
            .iter()
            .map(|(k, v)| (form::encoded_len(k.as_bytes()), form::encoded_len(v)))
            .collect();
        // Sized exactly (plus the encoder's room), so a 200 KB value is neither copied
        // by growth nor over-held.
        let size = lens.iter().map(|(k, v)| k + v + 2).sum::<usize>() + form::ROOM;
        let mut out = Vec::with_capacity(size);
        for ((k, v), (k_len, v_len)) in parts.iter().zip(lens) {
            if !out.is_empty() {
                out.push(b'&');
            }
            form::encode_counted(&mut out, k.as_bytes(), k_len);
            out.push(b'=');
            form::encode_counted(&mut out, v, v_len);
        }
        // Form encoding writes ASCII only; the check is one pass at memory speed.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}
