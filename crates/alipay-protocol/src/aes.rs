//! AES content encryption (`encrypt_type=AES`, 接口内容加密): AES-CBC with a zero IV and
//! PKCS#7 padding, base64 on the wire (protocol.md §7).
//!
//! Requests: encrypt `biz_content`, then sign the ciphertext (and `encrypt_type=AES`).
//! Responses: the node is a JSON string of ciphertext; verify the signature over the
//! quoted token first, then decrypt.

use std::fmt;

use aws_lc_rs::cipher::{
    AES_128, AES_256, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey,
    PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::charset::Charset;

/// Why AES encryption or decryption failed. Never holds key or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AesError {
    /// The key is not base64 of 16 or 32 bytes.
    #[error(
        "the AES key (接口内容加密密钥) must be base64 of 16 or 32 bytes; got {0}. Copy it from the \
         Alipay console exactly"
    )]
    BadKey(String),
    /// The ciphertext is not base64, not whole blocks, or its padding is wrong (wrong key).
    #[error(
        "the encrypted content cannot be decrypted: {0} (is the AES key the app's current one?)"
    )]
    Decrypt(&'static str),
    /// The plaintext cannot be represented in the charset.
    #[error("the content cannot be encoded in {0}")]
    Charset(&'static str),
    /// The cipher backend failed.
    #[error("AES {0} failed")]
    Backend(&'static str),
}

/// An AES content-encryption key, decoded once.
#[derive(Clone)]
pub struct AesKey {
    bytes: Vec<u8>,
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AesKey(AES-{}, <redacted>)", self.bytes.len() * 8)
    }
}

const ZERO_IV: [u8; 16] = [0; 16];

impl AesKey {
    /// Parses the base64 key shown in the Alipay console (16 bytes → AES-128, 32 → AES-256).
    pub fn from_base64(text: &str) -> Result<AesKey, AesError> {
        let compact: String = text.split_whitespace().collect();
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| AesError::BadKey("text that is not base64".into()))?;
        match bytes.len() {
            16 | 32 => Ok(AesKey { bytes }),
            n => Err(AesError::BadKey(format!("{n} bytes"))),
        }
    }

    fn unbound(&self) -> Result<UnboundCipherKey, AesError> {
        let alg = if self.bytes.len() == 16 {
            &AES_128
        } else {
            &AES_256
        };
        UnboundCipherKey::new(alg, &self.bytes).map_err(|_| AesError::Backend("key setup"))
    }

    /// Encrypts `plaintext` (encoded in `charset`) and returns standard base64.
    pub fn encrypt(&self, plaintext: &str, charset: Charset) -> Result<String, AesError> {
        let key = PaddedBlockEncryptingKey::cbc_pkcs7(self.unbound()?)
            .map_err(|_| AesError::Backend("key setup"))?;
        let mut buf = charset
            .encode(plaintext)
            .map_err(|e| AesError::Charset(e.charset))?
            .into_owned();
        key.less_safe_encrypt(
            &mut buf,
            EncryptionContext::Iv128(FixedLength::from(ZERO_IV)),
        )
        .map_err(|_| AesError::Backend("encryption"))?;
        Ok(STANDARD.encode(buf))
    }

    /// Decrypts base64 ciphertext and decodes the plaintext in `charset`.
    pub fn decrypt(&self, ciphertext_b64: &str, charset: Charset) -> Result<String, AesError> {
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(self.unbound()?)
            .map_err(|_| AesError::Backend("key setup"))?;
        let mut buf = STANDARD
            .decode(ciphertext_b64.as_bytes())
            .map_err(|_| AesError::Decrypt("not base64"))?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(AesError::Decrypt("not a whole number of AES blocks"));
        }
        let plain = key
            .decrypt(
                &mut buf,
                DecryptionContext::Iv128(FixedLength::from(ZERO_IV)),
            )
            .map_err(|_| AesError::Decrypt("bad padding"))?;
        charset
            .decode(plain)
            .map(|s| s.into_owned())
            .map_err(|_| AesError::Decrypt("the plaintext is not valid text in the charset"))
    }
}
