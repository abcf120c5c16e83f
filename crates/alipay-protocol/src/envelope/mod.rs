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
//!
//! This module holds the parameters ([`CommonParams`], [`Call`]) and which of them are
//! reserved or travel in the query; `request` builds, signs and encodes the request
//! ([`UnsignedRequest`], [`SignedRequest`]); `sign` holds the sign content and the
//! base64 signature primitives shared with responses and notifications.

mod page;
mod request;
mod sign;

use std::fmt;

use crate::charset::Charset;
use crate::crypto::SignType;
use crate::time::Timestamp;

pub use request::{SignedRequest, UnsignedRequest};
pub use sign::{VerifyBase64Error, sign_base64, sign_content, verify_base64};

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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppPrivateKey;
    use crate::crypto::{SignError, Signer as _};

    fn key() -> AppPrivateKey {
        AppPrivateKey::parse(include_str!("../../tests/data/keys/app_private_pkcs1.pem")).unwrap()
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
    #[test]
    fn an_owned_biz_content_builds_the_same_request_in_its_own_buffer() {
        let mut common = CommonParams::new("2021000000000001");
        common.notify_url = Some("https://example.com/n".into());
        common.extra.push(("auth_token".into(), "t".into()));
        let biz = format!("{{\"photo\":\"{}\"}}", "A".repeat(10_000));
        let call = Call {
            biz_content: Some(&biz),
            ..call()
        };
        let borrowed = UnsignedRequest::new(&common, &call).unwrap();
        let mut owned_text = String::with_capacity(biz.len() + 512);
        owned_text.push_str(&biz);
        let buffer = owned_text.as_ptr();
        let owned = UnsignedRequest::with_biz_content(
            &common,
            &Call {
                biz_content: None,
                ..call
            },
            owned_text,
        )
        .unwrap();
        assert_eq!(owned, borrowed);
        // The sign content is the donated buffer, not a copy of it.
        assert_eq!(owned.sign_content().as_ptr(), buffer);
        let signed = owned.sign(&key()).unwrap();
        assert_eq!(signed.param("biz_content"), Some(biz.as_str()));
        assert_eq!(signed.param("notify_url"), Some("https://example.com/n"));
        let names: Vec<&str> = signed.params().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "app_id",
                "auth_token",
                "biz_content",
                "charset",
                "format",
                "method",
                "notify_url",
                "sign_type",
                "timestamp",
                "version",
                "sign"
            ]
        );
    }
}
