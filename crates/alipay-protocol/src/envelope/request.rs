//! Building and signing one request: the parameter set ([`UnsignedRequest`]), its
//! signature, made here or by a remote signer ([`SignedRequest`]), and the query, body
//! and URL the HTTP layer sends.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::sign::sign_content;
use super::{
    Call, CommonParams, ENCRYPT_TYPE_AES, ENCRYPT_TYPE_PARAM, QUERY_PARAMS, RESERVED_PARAMS,
};
use crate::aes::{AesError, AesKey};
use crate::charset::Charset;
use crate::crypto::{SignError, SignType, Signer};

/// A fully signed request, ready to be sent. Holds personal data (`biz_content`), so
/// its `Debug` shows only parameter names and sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    params: Vec<(String, String)>,
    sign_content: String,
    sign: String,
    charset: Charset,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("params", &shown_params(&self.params))
            .field("charset", &self.charset)
            .finish_non_exhaustive()
    }
}

/// A request ready to be signed: every parameter to transmit except `sign`, the sign
/// content and the exact bytes to sign. This is the sans-IO half of signing: sign it
/// here with a [`Signer`] ([`sign`](Self::sign)), or hand [`message`](Self::message)
/// to a remote signer (a KMS or HSM reached over the network), await its answer and
/// finish with [`with_signature`](Self::with_signature). Holds personal data
/// (`biz_content`), so its `Debug` shows only parameter names and sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedRequest {
    params: Vec<(String, String)>,
    sign_content: String,
    message: Vec<u8>,
    sign_type: SignType,
    charset: Charset,
}

impl fmt::Debug for UnsignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsignedRequest")
            .field("params", &shown_params(&self.params))
            .field("sign_type", &self.sign_type)
            .field("charset", &self.charset)
            .finish_non_exhaustive()
    }
}

fn shown_params(params: &[(String, String)]) -> Vec<String> {
    params
        .iter()
        .map(|(k, v)| format!("{k} ({} bytes)", v.len()))
        .collect()
}

impl UnsignedRequest {
    /// Builds the parameters of one call.
    pub fn new(common: &CommonParams, call: &Call<'_>) -> Result<UnsignedRequest, SignError> {
        let timestamp = call.timestamp.to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("app_id", &common.app_id),
            ("method", call.method),
            ("format", &common.format),
            ("charset", common.charset.as_str()),
            ("sign_type", common.sign_type.as_str()),
            ("timestamp", &timestamp),
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
        if let Some(biz) = call.biz_content {
            params.push(("biz_content", biz));
        }
        Self::from_params(params, common.sign_type, common.charset)
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
        let mut kept: Vec<(&str, &str)> = Vec::new();
        for (k, v) in params {
            if k.is_empty() || v.is_empty() || k == "sign" {
                continue;
            }
            if let Some(charset_err) = charset.encode(v).err() {
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
        let sign_content = sign_content(kept.iter().copied());
        let message = charset
            .encode(&sign_content)
            .map_err(|e| SignError::Unencodable {
                param: "sign content".into(),
                charset: e.charset,
            })?
            .into_owned();
        let params = kept
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok(UnsignedRequest {
            params,
            sign_content,
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
        &self.message
    }

    /// The algorithm the signature must use.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// Signs with `signer`.
    pub fn sign(self, signer: &dyn Signer) -> Result<SignedRequest, SignError> {
        let signature = signer.sign(self.sign_type, &self.message)?;
        Ok(self.with_signature(&signature))
    }

    /// Completes the request with `signature`, the raw signature bytes over
    /// [`message`](Self::message) (base64-encoded here).
    pub fn with_signature(self, signature: &[u8]) -> SignedRequest {
        let sign = STANDARD.encode(signature);
        let mut params = self.params;
        params.push(("sign".into(), sign.clone()));
        SignedRequest {
            params,
            sign_content: self.sign_content,
            sign,
            charset: self.charset,
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

    /// Every transmitted parameter, sorted by key, `sign` last.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
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
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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
        let size: usize = self
            .params
            .iter()
            .filter(|(k, _)| include(k))
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum();
        let mut out = String::with_capacity(size + size / 8);
        for (k, v) in self.params.iter().filter(|(k, _)| include(k)) {
            if !out.is_empty() {
                out.push('&');
            }
            crate::form::encode_into(&mut out, k.as_bytes());
            out.push('=');
            // Every value was checked encodable in `UnsignedRequest::from_params`, the
            // only way to a `SignedRequest`.
            match self.charset.encode(v) {
                Ok(bytes) => crate::form::encode_into(&mut out, &bytes),
                Err(_) => unreachable!("values are checked encodable before signing"),
            }
        }
        out
    }
}
