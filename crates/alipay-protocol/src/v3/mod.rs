//! OpenAPI v3, sans-IO: REST paths under `/v3/`, the request signed into an
//! `Authorization: ALIPAY-SHA256withRSA …` header, the answer signed in the
//! `alipay-signature` / `alipay-timestamp` / `alipay-nonce` headers.
//!
//! It lives beside the `gateway.do` protocol and shares its seams: the
//! [`Signer`](crate::Signer) and [`Verifier`](crate::Verifier), the app key and Alipay
//! key or certificates, AES, and an injected time (the caller hands in the epoch
//! milliseconds and the nonce; see [`NonceSource`] and [`Clock`](crate::Clock)).
//!
//! Requests ([`UnsignedV3Request`]):
//!
//! ```text
//! auth string  app_id=<app_id>[,app_cert_sn=<sn>],nonce=<nonce>,timestamp=<epoch ms>
//! sign string  <auth string>\n<METHOD>\n<path?query as sent>\n<body>\n[<app_auth_token>\n]
//! header       Authorization: ALIPAY-SHA256withRSA <auth string>,sign=<base64 SHA256withRSA>
//! ```
//!
//! Answers ([`verify_v3_response`]): the signature covers
//! `<alipay-timestamp>\n<alipay-nonce>\n<body bytes exactly as received>\n` and is
//! checked before anything is parsed or decrypted. Unlike the official Node SDK, a
//! success without the three headers is refused, a 4xx/5xx without them comes back as
//! an *unverified* error whose text is hostile, and (with a [`ReplayGuard`]) a signed
//! answer older or newer than the window, or whose nonce was already seen, is refused.

use std::time::{SystemTime, UNIX_EPOCH};

mod endpoint;
mod replay;
mod request;
mod response;

pub use endpoint::{V3Endpoint, V3Target};
pub use replay::{ReplayError, ReplayGuard};
pub use request::{
    SignedV3Request, UnsignedV3Request, V3Body, V3Call, V3File, V3Identity, V3Payload,
    V3RequestError,
};
pub use response::{
    V3Checked, V3Outcome, V3ResponseError, V3ResponseHeaders, V3Trust, V3UnsignedError,
    V3VerifiedError, V3VerifiedResponse, V3VerifyOptions, verify_v3_response,
};

/// The authorization scheme of v3 requests (the only algorithm v3 defines).
pub const AUTH_SCHEME: &str = "ALIPAY-SHA256withRSA";

/// Header names of the v3 protocol, lower case (HTTP header names are case-insensitive).
pub mod header {
    /// The request signature: `ALIPAY-SHA256withRSA <auth string>,sign=<base64>`.
    pub const AUTHORIZATION: &str = "authorization";
    /// ISV calls: the merchant's app_auth_token (also the fifth signed line).
    pub const APP_AUTH_TOKEN: &str = "alipay-app-auth-token";
    /// Certificate mode: the SN of the Alipay root bundle (not signed).
    pub const ROOT_CERT_SN: &str = "alipay-root-cert-sn";
    /// `AES` when the body is AES ciphertext.
    pub const ENCRYPT_TYPE: &str = "alipay-encrypt-type";
    /// `AES` when the body is AES ciphertext (sent by the Node SDK beside the above).
    pub const ENCRYPTION_ALGM: &str = "alipay-encryption-algm";
    /// Answer: the epoch milliseconds the answer was signed at.
    pub const TIMESTAMP: &str = "alipay-timestamp";
    /// Answer: the nonce of the answer's signature.
    pub const NONCE: &str = "alipay-nonce";
    /// Answer: base64 SHA256withRSA over `timestamp\nnonce\nbody\n`.
    pub const SIGNATURE: &str = "alipay-signature";
    /// Answer, certificate mode: the SN of the Alipay certificate that signed it.
    pub const ALIPAY_SN: &str = "alipay-sn";
    /// Answer: the gateway's trace id, to quote to Alipay support.
    pub const TRACE_ID: &str = "alipay-trace-id";
}

/// Where request nonces come from. The default, [`RandomNonce`], is what real calls
/// use; inject a fixed one to make a signed request deterministic. Any
/// `Fn() -> String + Send + Sync` is a nonce source.
pub trait NonceSource: Send + Sync + 'static {
    /// A fresh nonce: a value never used before by this app (the gateway may refuse a
    /// repeat). It must be non-empty, at most [`MAX_NONCE_LEN`] characters, and hold no
    /// `,`, `=`, whitespace or control character (it is a field of the auth string).
    fn nonce(&self) -> String;
}

impl<F: Fn() -> String + Send + Sync + 'static> NonceSource for F {
    fn nonce(&self) -> String {
        self()
    }
}

/// A random UUID (version 4) from the system's cryptographic RNG, the form the official
/// SDKs send.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        use aws_lc_rs::rand::SecureRandom as _;
        let mut b = [0u8; 16];
        // The system RNG failing is not recoverable and not input-dependent; a nonce
        // from a failed RNG would be all zeros and collide, so refuse to go on.
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut b)
            .expect("the system random number generator failed");
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

/// The longest nonce accepted, in a request or an answer. Real ones are 32 or 36
/// characters; the bound keeps a hostile answer from filling the replay cache with
/// large strings.
pub const MAX_NONCE_LEN: usize = 64;

/// Milliseconds since the Unix epoch, the v3 timestamp; `None` for a time before 1970
/// (a broken clock, which no request should be signed with).
pub fn epoch_millis(t: SystemTime) -> Option<u64> {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_millis()).ok())
}

/// Whether `s` can be a field of the auth string or a header line: non-empty, and no
/// separator (`,` `=`), whitespace or control character.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c == ',' || c == '=' || c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonces_are_uuid_v4_and_differ() {
        let a = RandomNonce.nonce();
        let b = RandomNonce.nonce();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(is_token(&a));
        let fixed = || "n-1".to_owned();
        assert_eq!(fixed.nonce(), "n-1");
    }

    #[test]
    fn epoch_millis_keeps_milliseconds() {
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_795_993_444_253);
        assert_eq!(epoch_millis(t), Some(1_795_993_444_253));
        assert_eq!(
            epoch_millis(UNIX_EPOCH - std::time::Duration::from_secs(1)),
            None
        );
    }
}
