//! RSA keys as users paste them: PEM, bare base64 (what Alipay's key tool writes) or DER,
//! also wrapped in quotes, behind a BOM or with literal `\n` escapes for line breaks
//! (as environment variables and CI secrets hold them).
//!
//! Keys are parsed once into [`AppPrivateKey`] / [`AlipayPublicKey`]; signing and
//! verification never parse again. Neither type prints key material in `Debug`, and no
//! error here ever quotes the input.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::der::Decode as _;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::traits::PublicKeyParts as _;
use sha2::Digest as _;

use crate::SignType;
use crate::armor;

/// The smallest modulus `RSA2` accepts. Alipay issues 2048-bit keys; anything smaller is
/// rejected for SHA-256 because the gateway would reject it too.
pub const MIN_RSA2_BITS: usize = 2048;

/// Why a key could not be loaded. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is empty or only whitespace.
    #[error("the {role} is empty")]
    Empty {
        /// Which key was expected.
        role: KeyRole,
    },
    /// A public key (or certificate) was given where the app private key is needed.
    #[error(
        "the app private key is a public key ({found}); give the PRIVATE key your app signs with \
         (the file Alipay's key tool calls 应用私钥), not a public key"
    )]
    PublicGivenForPrivate {
        /// What was found, e.g. `SubjectPublicKeyInfo`.
        found: &'static str,
    },
    /// A private key was given where the Alipay public key is needed.
    #[error(
        "the Alipay public key is a private key ({found}); give the Alipay public key \
         (支付宝公钥) shown in the Alipay open platform console, never a private key"
    )]
    PrivateGivenForPublic {
        /// What was found, e.g. `PKCS#8 private key`.
        found: &'static str,
    },
    /// An encrypted private key; the SDK does not take passphrases.
    #[error(
        "the app private key is encrypted (password-protected PEM); decrypt it first, e.g. \
         `openssl pkcs8 -in key.pem -out key-plain.pem` (PKCS#8) or `openssl rsa -in key.pem -out key-plain.pem` (PKCS#1)"
    )]
    Encrypted,
    /// A certificate was given where a bare public key is needed.
    #[error(
        "the {role} is an X.509 certificate; in public-key mode give the bare public key \
         (certificate mode is configured separately)"
    )]
    Certificate {
        /// Which key was expected.
        role: KeyRole,
    },
    /// A well-formed key of another algorithm.
    #[error("the {role} is not an RSA key ({found}); Alipay RSA/RSA2 signing needs an RSA key")]
    NotRsa {
        /// Which key was expected.
        role: KeyRole,
        /// The algorithm found, as an OID or PEM label.
        found: String,
    },
    /// An RSA key too small for the chosen algorithm.
    #[error(
        "the {role} has a {bits}-bit modulus; RSA2 needs at least {min} bits \
         (generate a new 2048-bit key with Alipay's key tool)"
    )]
    TooSmall {
        /// Which key was expected.
        role: KeyRole,
        /// The modulus size found.
        bits: usize,
        /// The minimum.
        min: usize,
    },
    /// The input is not a key in any supported format.
    #[error(
        "the {role} could not be read: {reason}. Expected PEM (-----BEGIN ...-----) or the bare \
         base64 text Alipay's key tool writes"
    )]
    Malformed {
        /// Which key was expected.
        role: KeyRole,
        /// What went wrong, without quoting the input.
        reason: String,
    },
}

/// Which of the two keys a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The app's private key (应用私钥), which signs requests.
    AppPrivateKey,
    /// Alipay's public key (支付宝公钥), which verifies responses.
    AlipayPublicKey,
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyRole::AppPrivateKey => "app private key",
            KeyRole::AlipayPublicKey => "Alipay public key",
        })
    }
}

/// The app private key (应用私钥), parsed once.
///
/// Holds both an aws-lc-rs key pair (for `RSA2`, when the key is large enough) and a
/// RustCrypto key (for legacy `RSA`, which aws-lc-rs cannot sign).
pub struct AppPrivateKey {
    pub(crate) rc_sha256: rsa::pkcs1v15::SigningKey<sha2::Sha256>,
    pub(crate) rc_sha1: rsa::pkcs1v15::SigningKey<sha1::Sha1>,
    pub(crate) aws: Option<aws_lc_rs::rsa::KeyPair>,
    bits: usize,
    public: AlipayPublicKey,
}

impl fmt::Debug for AppPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPrivateKey")
            .field("bits", &self.bits)
            .field("public_fingerprint", &self.public.fingerprint())
            .finish_non_exhaustive()
    }
}

impl AppPrivateKey {
    /// Parses PKCS#1 or PKCS#8, as PEM, bare base64 (line breaks and stray whitespace
    /// are ignored) or raw DER bytes. Surrounding quotes, a BOM and literal `\n` /
    /// `\r\n` escapes are accepted, as in certificates.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let role = KeyRole::AppPrivateKey;
        let der = decode_armor(input.as_ref(), role)?;
        let key = match classify(&der.bytes) {
            Some(Kind::Pkcs8Private) => rsa::PrivateKey::from_pkcs8_der(&der.bytes)
                .map_err(|e| malformed(role, format!("invalid PKCS#8 RSA key ({e})")))?,
            Some(Kind::Pkcs1Private) => rsa::PrivateKey::from_pkcs1_der(&der.bytes)
                .map_err(|e| malformed(role, format!("invalid PKCS#1 RSA key ({e})")))?,
            Some(Kind::Pkcs8NotRsa(oid)) => return Err(KeyError::NotRsa { role, found: oid }),
            Some(Kind::SpkiNotRsa(_)) | Some(Kind::Spki) => {
                return Err(KeyError::PublicGivenForPrivate {
                    found: "SubjectPublicKeyInfo",
                });
            }
            Some(Kind::Pkcs1Public) => {
                return Err(KeyError::PublicGivenForPrivate {
                    found: "PKCS#1 RSA public key",
                });
            }
            Some(Kind::EncryptedPkcs8) => return Err(KeyError::Encrypted),
            Some(Kind::Certificate) => {
                return Err(KeyError::PublicGivenForPrivate {
                    found: "X.509 certificate",
                });
            }
            None => return Err(der.unrecognised(role)),
        };
        Self::from_rustcrypto(key)
    }

    fn from_rustcrypto(key: rsa::PrivateKey) -> Result<Self, KeyError> {
        let role = KeyRole::AppPrivateKey;
        let bits = key.n_bits_precision() as usize;
        let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&key)
            .map_err(|e| malformed(role, format!("cannot re-encode key ({e})")))?;
        // aws-lc-rs refuses keys below 2048 bits; those can still sign legacy `RSA`.
        let aws = if bits >= MIN_RSA2_BITS {
            Some(
                aws_lc_rs::rsa::KeyPair::from_der(pkcs1.as_bytes())
                    .map_err(|e| malformed(role, format!("aws-lc rejected the key ({e})")))?,
            )
        } else {
            None
        };
        let public = AlipayPublicKey::from_rustcrypto(key.to_public_key())?;
        Ok(AppPrivateKey {
            rc_sha256: rsa::pkcs1v15::SigningKey::new(key.clone()),
            rc_sha1: rsa::pkcs1v15::SigningKey::new(key),
            aws,
            bits,
            public,
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The public half of this key, e.g. to compare with the configured Alipay key.
    pub fn public_key(&self) -> &AlipayPublicKey {
        &self.public
    }

    /// Fails when this key cannot sign with `sign_type` (an RSA2 key under 2048 bits).
    pub fn check_sign_type(&self, sign_type: SignType) -> Result<(), KeyError> {
        if sign_type == SignType::Rsa2 && self.bits < MIN_RSA2_BITS {
            return Err(KeyError::TooSmall {
                role: KeyRole::AppPrivateKey,
                bits: self.bits,
                min: MIN_RSA2_BITS,
            });
        }
        Ok(())
    }
}

/// The Alipay public key (支付宝公钥), parsed once. Also used for any RSA public key the
/// protocol needs (e.g. the app public key inside the sandbox gateway).
#[derive(Clone)]
pub struct AlipayPublicKey {
    /// PKCS#1 `RSAPublicKey` DER, the form aws-lc-rs verifies with.
    pub(crate) pkcs1_der: Vec<u8>,
    pub(crate) rustcrypto: rsa::PublicKey,
    pub(crate) rc_sha256: rsa::pkcs1v15::VerifyingKey<sha2::Sha256>,
    pub(crate) rc_sha1: rsa::pkcs1v15::VerifyingKey<sha1::Sha1>,
    /// aws-lc-rs keys, parsed once: `None` for SHA-256 when the key is under 2048 bits
    /// (aws-lc-rs refuses those for RSA2, as the gateway does).
    pub(crate) aws_sha256: Option<aws_lc_rs::signature::ParsedPublicKey>,
    pub(crate) aws_sha1: Option<aws_lc_rs::signature::ParsedPublicKey>,
    bits: usize,
}

impl fmt::Debug for AlipayPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayPublicKey")
            .field("bits", &self.bits)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl PartialEq for AlipayPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.pkcs1_der == other.pkcs1_der
    }
}

impl Eq for AlipayPublicKey {}

impl AlipayPublicKey {
    /// Parses SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`), as PEM,
    /// bare base64 or raw DER bytes.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let role = KeyRole::AlipayPublicKey;
        let der = decode_armor(input.as_ref(), role)?;
        let key = match classify(&der.bytes) {
            Some(Kind::Spki) => rsa::PublicKey::from_public_key_der(&der.bytes)
                .map_err(|e| malformed(role, format!("invalid RSA public key ({e})")))?,
            Some(Kind::Pkcs1Public) => rsa::PublicKey::from_pkcs1_der(&der.bytes)
                .map_err(|e| malformed(role, format!("invalid PKCS#1 RSA public key ({e})")))?,
            Some(Kind::SpkiNotRsa(oid)) => return Err(KeyError::NotRsa { role, found: oid }),
            Some(Kind::Pkcs8Private) | Some(Kind::Pkcs8NotRsa(_)) => {
                return Err(KeyError::PrivateGivenForPublic {
                    found: "PKCS#8 private key",
                });
            }
            Some(Kind::Pkcs1Private) => {
                return Err(KeyError::PrivateGivenForPublic {
                    found: "PKCS#1 RSA private key",
                });
            }
            Some(Kind::EncryptedPkcs8) => {
                return Err(KeyError::PrivateGivenForPublic {
                    found: "encrypted private key",
                });
            }
            Some(Kind::Certificate) => return Err(KeyError::Certificate { role }),
            None => return Err(der.unrecognised(role)),
        };
        Self::from_rustcrypto(key)
    }

    pub(crate) fn from_rustcrypto(key: rsa::PublicKey) -> Result<Self, KeyError> {
        let pkcs1_der = key
            .to_pkcs1_der()
            .map_err(|e| malformed(KeyRole::AlipayPublicKey, format!("cannot re-encode ({e})")))?
            .into_vec();
        let bits = key.n_bits_precision() as usize;
        use aws_lc_rs::signature::{
            ParsedPublicKey, RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            RSA_PKCS1_2048_8192_SHA256,
        };
        let aws_sha256 = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &pkcs1_der).ok();
        let aws_sha1 =
            ParsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, &pkcs1_der).ok();
        Ok(AlipayPublicKey {
            aws_sha256,
            aws_sha1,
            pkcs1_der,
            rc_sha256: rsa::pkcs1v15::VerifyingKey::new(key.clone()),
            rc_sha1: rsa::pkcs1v15::VerifyingKey::new(key.clone()),
            rustcrypto: key,
            bits,
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Fails when this key cannot verify `sign_type` signatures (an RSA2 key under
    /// 2048 bits: every RSA2 signature would otherwise just look invalid).
    pub fn check_sign_type(&self, sign_type: SignType) -> Result<(), KeyError> {
        if sign_type == SignType::Rsa2 && self.bits < MIN_RSA2_BITS {
            return Err(KeyError::TooSmall {
                role: KeyRole::AlipayPublicKey,
                bits: self.bits,
                min: MIN_RSA2_BITS,
            });
        }
        Ok(())
    }

    /// A short, non-secret identifier: the first 8 bytes of SHA-256 over the PKCS#1
    /// encoding, in hex. Lets logs and errors say *which* key without printing it.
    pub fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::digest(&self.pkcs1_der);
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// SubjectPublicKeyInfo DER, the form Alipay's console and `openssl` print.
    pub fn to_spki_der(&self) -> Vec<u8> {
        rsa::pkcs8::EncodePublicKey::to_public_key_der(&self.rustcrypto)
            .map(|d| d.into_vec())
            .unwrap_or_default()
    }

    /// The key as bare base64 SubjectPublicKeyInfo, as Alipay's console shows it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_spki_der())
    }
}

/// The most common integration mistake: the configured "Alipay public key" is the
/// public half of the app's own key pair (the 应用公钥 uploaded to Alipay, not the
/// 支付宝公钥 Alipay gives back). Every response then fails verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the configured Alipay public key is your app's own public key (fingerprint {fingerprint}): \
     it is the public half of the app private key. In the Alipay open platform console, copy the \
     \"支付宝公钥\" (Alipay public key), not the \"应用公钥\" (app public key) you uploaded"
)]
pub struct AlipayKeyIsAppKey {
    /// Fingerprint of the key (see [`AlipayPublicKey::fingerprint`]).
    pub fingerprint: String,
}

/// Fails when `alipay_public_key` is the public half of `app_key`.
pub fn check_not_own_key(
    app_key: &AppPrivateKey,
    alipay_public_key: &AlipayPublicKey,
) -> Result<(), AlipayKeyIsAppKey> {
    if app_key.public_key() == alipay_public_key {
        return Err(AlipayKeyIsAppKey {
            fingerprint: alipay_public_key.fingerprint(),
        });
    }
    Ok(())
}

enum Kind {
    Pkcs8Private,
    Pkcs8NotRsa(String),
    Pkcs1Private,
    Spki,
    SpkiNotRsa(String),
    Pkcs1Public,
    EncryptedPkcs8,
    Certificate,
}

/// Works out what a DER blob is by trying each structure; the order matters only for
/// structures that could both parse, which these cannot.
fn classify(der: &[u8]) -> Option<Kind> {
    use rsa::pkcs8::PrivateKeyInfoRef;
    use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
    let rsa_oid = rsa::pkcs1::ALGORITHM_OID;
    if let Ok(info) = PrivateKeyInfoRef::from_der(der) {
        return Some(if info.algorithm.oid == rsa_oid {
            Kind::Pkcs8Private
        } else {
            Kind::Pkcs8NotRsa(info.algorithm.oid.to_string())
        });
    }
    if rsa::pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
        return Some(Kind::Pkcs1Private);
    }
    if let Ok(info) = SubjectPublicKeyInfoRef::from_der(der) {
        return Some(if info.algorithm.oid == rsa_oid {
            Kind::Spki
        } else {
            Kind::SpkiNotRsa(info.algorithm.oid.to_string())
        });
    }
    if rsa::pkcs1::RsaPublicKeyRef::from_der(der).is_ok() {
        return Some(Kind::Pkcs1Public);
    }
    if looks_like_encrypted_pkcs8(der) {
        return Some(Kind::EncryptedPkcs8);
    }
    if looks_like_certificate(der) {
        return Some(Kind::Certificate);
    }
    None
}

/// A certificate is `SEQUENCE { SEQUENCE tbs, SEQUENCE alg, BIT STRING sig }`; checking
/// the outer shape is enough to give a better message than "garbage".
fn looks_like_certificate(der: &[u8]) -> bool {
    use rsa::pkcs8::der::asn1::{AnyRef, BitStringRef};
    use rsa::pkcs8::der::{Reader as _, SliceReader, Tagged as _};
    let Ok(mut outer) = SliceReader::new(der) else {
        return false;
    };
    outer
        .sequence(|r| {
            let tbs = AnyRef::decode(r)?;
            let alg = AnyRef::decode(r)?;
            let _sig = BitStringRef::decode(r)?;
            if tbs.tag() == rsa::pkcs8::der::Tag::Sequence
                && alg.tag() == rsa::pkcs8::der::Tag::Sequence
            {
                Ok::<(), rsa::pkcs8::der::Error>(())
            } else {
                Err(rsa::pkcs8::der::Tag::Sequence.value_error().into())
            }
        })
        .is_ok()
}

/// `EncryptedPrivateKeyInfo` is `SEQUENCE { AlgorithmIdentifier, OCTET STRING }`; the
/// shape suffices to say "encrypted" (parsing it fully needs the pkcs5 feature).
fn looks_like_encrypted_pkcs8(der: &[u8]) -> bool {
    use rsa::pkcs8::der::asn1::OctetStringRef;
    use rsa::pkcs8::der::{Reader as _, SliceReader};
    use rsa::pkcs8::spki::AlgorithmIdentifierRef;
    let Ok(mut outer) = SliceReader::new(der) else {
        return false;
    };
    outer
        .sequence(|r| {
            AlgorithmIdentifierRef::decode(r)?;
            <&OctetStringRef>::decode(r)?;
            Ok::<(), rsa::pkcs8::der::Error>(())
        })
        .is_ok()
}

struct Der {
    bytes: Vec<u8>,
    pem_label: Option<String>,
}

impl Der {
    fn unrecognised(&self, role: KeyRole) -> KeyError {
        match &self.pem_label {
            Some(label) if !label.contains("RSA") && label.contains("PRIVATE") => {
                KeyError::NotRsa {
                    role,
                    found: format!("PEM label {label}"),
                }
            }
            Some(label) => malformed(role, format!("PEM block `{label}` holds no readable key")),
            None => malformed(
                role,
                "the decoded bytes are not a DER-encoded RSA key".into(),
            ),
        }
    }
}

fn malformed(role: KeyRole, reason: String) -> KeyError {
    KeyError::Malformed { role, reason }
}

/// Strips PEM armour or decodes bare base64 (through [`crate::armor`], the decoder
/// certificates use too); raw DER passes through.
fn decode_armor(input: &[u8], role: KeyRole) -> Result<Der, KeyError> {
    // Raw DER starts with a SEQUENCE tag; text never does.
    if input.first() == Some(&0x30) {
        return Ok(Der {
            bytes: input.to_vec(),
            pem_label: None,
        });
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| malformed(role, "it is neither text nor DER".into()))?;
    let text = armor::normalise(text);
    if text.is_empty() {
        return Err(KeyError::Empty { role });
    }
    let (label, body) = match armor::next_block(&text) {
        Err(e) => return Err(malformed(role, e.to_string())),
        Ok(Some((block, _))) => {
            let encrypted_pkcs8 = block.label == "ENCRYPTED PRIVATE KEY";
            if block.encrypted || (encrypted_pkcs8 && role == KeyRole::AppPrivateKey) {
                if role == KeyRole::AppPrivateKey {
                    return Err(KeyError::Encrypted);
                }
                return Err(KeyError::PrivateGivenForPublic {
                    found: "encrypted private key",
                });
            }
            (Some(block.label), block.body)
        }
        Ok(None) => (None, text.into_owned()),
    };
    let bytes = armor::decode_base64(&body)
        .ok_or_else(|| malformed(role, "the text is not valid base64".into()))?;
    if bytes.is_empty() {
        return Err(KeyError::Empty { role });
    }
    Ok(Der {
        bytes,
        pem_label: label,
    })
}

/// Whether `text` is key (or certificate) text rather than a file path: PEM armour
/// (even malformed), or at least 64 characters of base64 of DER (`MI…`) or of PEM,
/// allowing what environment variables and CI secrets add: surrounding quotes and
/// whitespace, a BOM, literal `\n` / `\r\n` escapes. Use it to tell a setting that
/// holds a key from one that names a key file.
pub fn is_key_text(text: &str) -> bool {
    armor::is_key_text(text)
}

/// Whether `text` may hold key material and so must never be printed (in an error
/// about a "file path", for instance): anything [`is_key_text`] accepts, PEM dashes, or
/// a run of 64 or more base64 characters that mixes upper and lower case as base64
/// does. Ordinary file paths do not qualify.
pub fn may_hold_key_material(text: &str) -> bool {
    armor::may_hold_key_material(text)
}
