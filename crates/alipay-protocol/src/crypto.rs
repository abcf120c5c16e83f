//! The crypto seam: one small trait to sign, one to verify.
//!
//! Built-in implementations:
//!
//! | path | RSA2 (SHA256withRSA) | RSA (SHA1withRSA) |
//! |---|---|---|
//! | [`AppPrivateKey`] (default signer) | aws-lc-rs | RustCrypto `rsa` 0.10 |
//! | [`RustCryptoSigner`] | RustCrypto `rsa` 0.10 | RustCrypto `rsa` 0.10 |
//! | [`AlipayPublicKey`] (default verifier) | aws-lc-rs | aws-lc-rs |
//! | [`RustCryptoVerifier`] | RustCrypto `rsa` 0.10 | RustCrypto `rsa` 0.10 |
//!
//! aws-lc-rs is the default because it signs at OpenSSL speed in constant time and is
//! already compiled for rustls; it cannot *sign* SHA-1, so legacy `RSA` signing falls
//! back to RustCrypto (0.10, which blinds; 0.9 is affected by RUSTSEC-2023-0071).
//! A remote signer (KMS/HSM) implements [`Signer`] itself, or, when it must await a
//! network call, signs the bytes of an [`UnsignedRequest`](crate::envelope::UnsignedRequest)
//! asynchronously (the transport's `AsyncSigner`).

use std::fmt;
use std::str::FromStr;

use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};

use crate::keys::{AlipayPublicKey, AppPrivateKey, MIN_RSA2_BITS};

/// The signature algorithm named by the `sign_type` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignType {
    /// `RSA2`: RSASSA-PKCS1-v1_5 with SHA-256. The one to use.
    #[default]
    Rsa2,
    /// `RSA`: RSASSA-PKCS1-v1_5 with SHA-1. Legacy apps only.
    Rsa,
}

impl SignType {
    /// The wire value: `RSA2` or `RSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `sign_type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sign type `{0}`: expected `RSA2` (SHA256withRSA) or `RSA` (SHA1withRSA)")]
pub struct UnknownSignType(pub String);

impl FromStr for SignType {
    type Err = UnknownSignType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RSA2" => Ok(SignType::Rsa2),
            "RSA" => Ok(SignType::Rsa),
            other => Err(UnknownSignType(other.to_owned())),
        }
    }
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key is too small for RSA2.
    #[error("the app private key has {bits} bits; RSA2 needs at least {min}")]
    KeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The minimum for RSA2.
        min: usize,
    },
    /// The sign content cannot be encoded in the request charset.
    #[error(
        "parameter `{param}` contains a character that {charset} cannot encode; use charset utf-8"
    )]
    Unencodable {
        /// The parameter holding the character.
        param: String,
        /// The charset.
        charset: &'static str,
    },
    /// An extra parameter uses the name of one the envelope sets itself.
    #[error(
        "extra parameter `{param}` would replace the envelope's own `{param}`; set it through \
         its dedicated setting instead"
    )]
    ReservedParam {
        /// The parameter name.
        param: String,
    },
    /// The backend failed (for a remote signer: the remote call failed). The
    /// backend's own error is the [`source`](std::error::Error::source).
    #[error("the signer failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl SignError {
    /// A backend failure caused by `source` (a KMS/HSM client's error, or a message).
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        SignError::Backend(source.into())
    }
}

/// Produces request signatures. Implement it to sign with a KMS or HSM.
pub trait Signer: Send + Sync {
    /// Signs `message` (the sign content in the request charset) and returns the raw
    /// signature bytes (the caller base64-encodes them).
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, SignError>;

    /// The public half of the signing key, when known: used to diagnose an Alipay
    /// public key that is really the app's own.
    fn public_key(&self) -> Option<&AlipayPublicKey> {
        None
    }
}

/// Checks response (and notification) signatures.
pub trait Verifier: Send + Sync {
    /// Returns whether `signature` is valid for `message` under `sign_type`.
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> bool;

    /// A non-secret identifier of the key, for error messages.
    fn key_fingerprint(&self) -> Option<String> {
        None
    }
}

impl<T: Signer + ?Sized> Signer for std::sync::Arc<T> {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).sign(sign_type, message)
    }
    fn public_key(&self) -> Option<&AlipayPublicKey> {
        (**self).public_key()
    }
}

impl<T: Verifier + ?Sized> Verifier for std::sync::Arc<T> {
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> bool {
        (**self).verify(sign_type, message, signature)
    }
    fn key_fingerprint(&self) -> Option<String> {
        (**self).key_fingerprint()
    }
}

impl Signer for AppPrivateKey {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match (sign_type, &self.aws) {
            (SignType::Rsa2, Some(pair)) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                pair.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &rng,
                    message,
                    &mut sig,
                )
                .map_err(|_| SignError::backend("aws-lc-rs RSA signing failed"))?;
                Ok(sig)
            }
            (SignType::Rsa2, None) => Err(SignError::KeyTooSmall {
                bits: self.bits(),
                min: MIN_RSA2_BITS,
            }),
            (SignType::Rsa, _) => rustcrypto_sign(self, sign_type, message),
        }
    }

    fn public_key(&self) -> Option<&AlipayPublicKey> {
        Some(AppPrivateKey::public_key(self))
    }
}

/// Signs both algorithms with RustCrypto `rsa` 0.10 only (no C code).
#[derive(Debug)]
pub struct RustCryptoSigner<'a>(pub &'a AppPrivateKey);

impl Signer for RustCryptoSigner<'_> {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, SignError> {
        if sign_type == SignType::Rsa2 && self.0.bits() < MIN_RSA2_BITS {
            return Err(SignError::KeyTooSmall {
                bits: self.0.bits(),
                min: MIN_RSA2_BITS,
            });
        }
        rustcrypto_sign(self.0, sign_type, message)
    }

    fn public_key(&self) -> Option<&AlipayPublicKey> {
        Some(self.0.public_key())
    }
}

fn rustcrypto_sign(
    key: &AppPrivateKey,
    sign_type: SignType,
    message: &[u8],
) -> Result<Vec<u8>, SignError> {
    let failed = SignError::backend;
    // `Signer::try_sign` blinds with the default RNG in rsa 0.10.
    match sign_type {
        SignType::Rsa2 => key
            .rc_sha256
            .try_sign(message)
            .map(|s| s.to_vec())
            .map_err(failed),
        SignType::Rsa => key
            .rc_sha1
            .try_sign(message)
            .map(|s| s.to_vec())
            .map_err(failed),
    }
}

impl Verifier for AlipayPublicKey {
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> bool {
        let parsed = match sign_type {
            SignType::Rsa2 => &self.aws_sha256,
            SignType::Rsa => &self.aws_sha1,
        };
        parsed
            .as_ref()
            .is_some_and(|key| key.verify_sig(message, signature).is_ok())
    }

    fn key_fingerprint(&self) -> Option<String> {
        Some(self.fingerprint())
    }
}

/// Verifies with RustCrypto `rsa` 0.10 only.
#[derive(Debug)]
pub struct RustCryptoVerifier<'a>(pub &'a AlipayPublicKey);

impl Verifier for RustCryptoVerifier<'_> {
    fn verify(&self, sign_type: SignType, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
            return false;
        };
        match sign_type {
            SignType::Rsa2 => self.0.rc_sha256.verify(message, &sig).is_ok(),
            SignType::Rsa => self.0.rc_sha1.verify(message, &sig).is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_backend_failure_keeps_its_source_out_of_display() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "KMS unreachable");
        let err = SignError::backend(io);
        assert_eq!(err.to_string(), "the signer failed");
        let source = err.source().expect("the backend error is the source");
        assert_eq!(source.to_string(), "KMS unreachable");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }
}
