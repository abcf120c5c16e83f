//! The signature primitives: the sign content (sorted `key=value` pairs) and a
//! signature in standard base64 over it, made and checked in a charset. Requests,
//! responses, notifications and the sandbox all sign and verify through these.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::charset::Charset;
use crate::crypto::{SignError, SignType, Signer, Verifier};

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
