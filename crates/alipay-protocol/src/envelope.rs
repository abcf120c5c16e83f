//! The signed request envelope: common parameters, `biz_content`, the sign content,
//! the signature, and the exact HTTP request parts.
//!
//! # Where each parameter travels
//!
//! The gateway reads the URL query and the form body alike (protocol.md §2.2), so the
//! split is ours to choose. We put the routing parameters (`app_id`, `method`,
//! `charset`, `format`, `sign_type`, `timestamp`, `version`, URLs, certificate serials,
//! `encrypt_type`) and `sign` in the query, and everything else — `biz_content`,
//! `app_auth_token`, `auth_token` and any extra text parameter — in the form body:
//!
//! * URLs end up in proxy, load-balancer and gateway access logs. `biz_content` carries
//!   personal data (names, ID numbers, face photos) and tokens are credentials, so
//!   neither may appear there. (Python and Node put `app_auth_token` in the query; Java
//!   keeps it in the body, as we do.)
//! * `biz_content` can be hundreds of kilobytes; URLs have practical limits near 8 KB.
//! * `charset` in the query lets the gateway decode the body before reading it.
//!
//! Empty values are dropped from both the sign content and the wire (the Java rule and
//! the documented gateway rule); Python and Node sign `k=` and get it wrong.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::aes::{AesError, AesKey};
use crate::charset::Charset;
use crate::crypto::{SignError, SignType, Signer, Verifier};
use crate::time::Timestamp;

/// Parameter names that travel in the URL query; everything else goes in the body.
pub const QUERY_PARAMS: &[&str] = &[
    "app_id",
    "method",
    "format",
    "charset",
    "sign_type",
    "timestamp",
    "version",
    "notify_url",
    "return_url",
    "encrypt_type",
    "app_cert_sn",
    "alipay_root_cert_sn",
    "sign",
];

/// The parameter that marks encrypted `biz_content`.
pub const ENCRYPT_TYPE_PARAM: &str = "encrypt_type";
/// Its value for AES content encryption.
pub const ENCRYPT_TYPE_AES: &str = "AES";

/// Parameters the envelope sets itself; [`CommonParams::extra`] may not name them.
pub const RESERVED_PARAMS: &[&str] = &[
    "app_id",
    "method",
    "format",
    "charset",
    "sign_type",
    "sign",
    "timestamp",
    "version",
    "app_auth_token",
    "notify_url",
    "return_url",
    "biz_content",
];

/// Builds the sign content: every parameter except `sign`, empty keys or values
/// dropped, sorted by key (byte order), `key=value` joined with `&`, values raw.
pub fn sign_content<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| !k.is_empty() && !v.is_empty() && *k != "sign")
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Signs `content` (encoded in `charset`) and returns standard base64.
pub fn sign_base64(
    signer: &dyn Signer,
    sign_type: SignType,
    charset: Charset,
    content: &str,
) -> Result<String, SignError> {
    let bytes = charset
        .encode(content)
        .map_err(|e| SignError::Unencodable {
            param: "sign content".into(),
            charset: e.charset,
        })?;
    Ok(STANDARD.encode(signer.sign(sign_type, &bytes)?))
}

/// Why [`verify_base64`] could not check a signature at all. A signature that simply
/// does not verify is `Ok(false)`, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyBase64Error {
    /// The signature is not standard base64 (the symbol is not quoted: it is unverified
    /// input).
    #[error("the signature is not valid base64")]
    NotBase64,
    /// The signed content has a character the charset cannot encode.
    #[error("the signed content cannot be encoded in {charset}")]
    Unencodable {
        /// The charset's wire name.
        charset: &'static str,
    },
}

/// The counterpart of [`sign_base64`]: decodes the standard-base64 `signature` and
/// checks it over `content` encoded in `charset`. `Ok(true)` only when it verifies.
pub fn verify_base64(
    verifier: &dyn Verifier,
    sign_type: SignType,
    charset: Charset,
    content: &str,
    signature: &str,
) -> Result<bool, VerifyBase64Error> {
    let signature = STANDARD
        .decode(signature.as_bytes())
        .map_err(|_| VerifyBase64Error::NotBase64)?;
    let bytes = charset
        .encode(content)
        .map_err(|e| VerifyBase64Error::Unencodable { charset: e.charset })?;
    Ok(verifier.verify(sign_type, &bytes, &signature))
}

/// The common request parameters that stay the same across calls of one app.
#[derive(Clone, PartialEq, Eq)]
pub struct CommonParams {
    /// `app_id`.
    pub app_id: String,
    /// `sign_type`.
    pub sign_type: SignType,
    /// `charset`.
    pub charset: Charset,
    /// `format`; `JSON` (the only value the gateway documents).
    pub format: String,
    /// `version`; `1.0`.
    pub version: String,
    /// `app_auth_token` when an ISV calls on behalf of a merchant.
    pub app_auth_token: Option<String>,
    /// `notify_url` for asynchronous notifications.
    pub notify_url: Option<String>,
    /// `return_url` for page methods.
    pub return_url: Option<String>,
    /// Further text parameters (e.g. `auth_token`, `app_cert_sn`), signed and sent.
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for CommonParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommonParams")
            .field("app_id", &self.app_id)
            .field("sign_type", &self.sign_type)
            .field("charset", &self.charset)
            .field(
                "app_auth_token",
                &self.app_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("notify_url", &self.notify_url)
            .field("return_url", &self.return_url)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl CommonParams {
    /// Defaults for an app: RSA2, utf-8, JSON, version 1.0.
    pub fn new(app_id: impl Into<String>) -> Self {
        CommonParams {
            app_id: app_id.into(),
            sign_type: SignType::Rsa2,
            charset: Charset::Utf8,
            format: "JSON".into(),
            version: "1.0".into(),
            app_auth_token: None,
            notify_url: None,
            return_url: None,
            extra: Vec::new(),
        }
    }
}

/// One call to sign: the method, its `biz_content` and per-call overrides.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// The method name.
    pub method: &'a str,
    /// The `biz_content` JSON (or AES ciphertext); `None` for methods without one.
    pub biz_content: Option<&'a str>,
    /// When the request is made; rendered in UTC+8.
    pub timestamp: Timestamp,
    /// Overrides the common `app_auth_token` for this call.
    pub app_auth_token: Option<&'a str>,
}

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
        let mut out = String::new();
        for (k, v) in self.params.iter().filter(|(k, _)| include(k)) {
            if !out.is_empty() {
                out.push('&');
            }
            out.extend(form_urlencoded::byte_serialize(k.as_bytes()));
            out.push('=');
            // Every value was checked encodable in `UnsignedRequest::from_params`, the
            // only way to a `SignedRequest`.
            match self.charset.encode(v) {
                Ok(bytes) => out.extend(form_urlencoded::byte_serialize(&bytes)),
                Err(_) => unreachable!("values are checked encodable before signing"),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppPrivateKey;

    fn key() -> AppPrivateKey {
        AppPrivateKey::parse(include_str!("../tests/data/keys/app_private_pkcs1.pem")).unwrap()
    }

    fn call() -> Call<'static> {
        Call {
            method: "alipay.trade.query",
            biz_content: Some("{}"),
            timestamp: Timestamp::from_unix(1_736_908_200),
            app_auth_token: None,
        }
    }

    #[test]
    fn verify_base64_checks_what_sign_base64_signs() {
        let key = key();
        let public = key.public_key();
        let (t, gbk) = (SignType::Rsa2, Charset::Gbk);
        let sign = sign_base64(&key, t, gbk, "a=中文&b=2").unwrap();
        assert_eq!(verify_base64(public, t, gbk, "a=中文&b=2", &sign), Ok(true));
        assert_eq!(
            verify_base64(public, t, gbk, "a=中文&b=3", &sign),
            Ok(false)
        );
        assert_eq!(
            verify_base64(public, SignType::Rsa, gbk, "a=中文&b=2", &sign),
            Ok(false)
        );
        assert_eq!(
            verify_base64(public, t, gbk, "a=中文&b=2", &format!("{sign}!")),
            Err(VerifyBase64Error::NotBase64)
        );
        assert_eq!(
            verify_base64(public, t, gbk, "a=😀", &sign),
            Err(VerifyBase64Error::Unencodable { charset: "gbk" })
        );
    }

    #[test]
    fn extras_cannot_replace_core_parameters() {
        for name in ["charset", "method", "timestamp", "app_id", "biz_content"] {
            let mut common = CommonParams::new("2021000000000001");
            common.extra.push((name.into(), "x".into()));
            let err = SignedRequest::new(&common, &call(), &key()).unwrap_err();
            assert!(
                matches!(&err, SignError::ReservedParam { param } if param == name),
                "{err:?}"
            );
        }
        let mut common = CommonParams::new("2021000000000001");
        common
            .extra
            .push(("auth_token".into(), "user-token".into()));
        let signed = SignedRequest::new(&common, &call(), &key()).unwrap();
        assert_eq!(signed.param("auth_token"), Some("user-token"));
        assert!(signed.sign_content().contains("auth_token=user-token"));
    }

    #[test]
    fn a_signature_made_elsewhere_completes_the_same_request() {
        let mut common = CommonParams::new("2021000000000001");
        common.charset = Charset::Gbk;
        let call = Call {
            biz_content: Some("{\"cert_name\":\"收委\"}"),
            ..call()
        };
        let unsigned = UnsignedRequest::new(&common, &call).unwrap();
        // The bytes handed to a remote signer are the sign content in the charset.
        assert_eq!(
            unsigned.message(),
            &*Charset::Gbk.encode(unsigned.sign_content()).unwrap()
        );
        assert_eq!(unsigned.sign_type(), SignType::Rsa2);
        let remote = key()
            .sign(unsigned.sign_type(), unsigned.message())
            .unwrap();
        let completed = unsigned.with_signature(&remote);
        assert_eq!(
            completed,
            SignedRequest::new(&common, &call, &key()).unwrap()
        );
        assert_eq!(completed.params().last().unwrap().0, "sign");
    }

    #[test]
    fn empty_values_are_neither_signed_nor_sent() {
        let mut common = CommonParams::new("2021000000000001");
        common.notify_url = Some(String::new());
        common.extra.push(("terminal_info".into(), String::new()));
        let signed = SignedRequest::new(&common, &call(), &key()).unwrap();
        assert!(!signed.sign_content().contains("notify_url"));
        assert!(!signed.sign_content().contains("terminal_info"));
        assert!(!signed.query().contains("notify_url") && !signed.body().contains("terminal_info"));
    }
}
