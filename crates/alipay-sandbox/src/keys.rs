//! Fresh key sets for a sandbox: the app's key pair and the emulated Alipay key pair.

use std::fmt;
use std::path::Path;

use aws_lc_rs::encoding::AsDer as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use alipay_protocol::{AlipayPublicKey, AppPrivateKey, KeyError};

/// Why a key set could not be made, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeySetError {
    /// The platform RNG or key generation failed.
    #[error("RSA key generation failed")]
    Generate,
    /// A key file could not be read or written.
    #[error("cannot access `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A certificate could not be issued, read or checked.
    #[error("{what}: {reason}")]
    Issue {
        /// Which certificate (or set).
        what: &'static str,
        /// What went wrong (never key material).
        reason: String,
    },
    /// A key file holds no usable key.
    #[error("`{path}`: {source}")]
    Key {
        /// The file.
        path: String,
        /// What is wrong with the key.
        source: KeyError,
    },
}

/// The four keys of a sandbox setup, as PEM text (PKCS#8 private keys, SPKI public keys).
///
/// The app keeps `app_private_pem` and `alipay_public_pem`; the sandbox gateway keeps
/// `app_public_pem` and `alipay_private_pem`, exactly as the real platform does.
#[derive(Clone)]
pub struct KeySet {
    /// The app private key (应用私钥), PKCS#8 PEM.
    pub app_private_pem: String,
    /// The app public key (应用公钥), SPKI PEM.
    pub app_public_pem: String,
    /// The emulated Alipay private key, PKCS#8 PEM.
    pub alipay_private_pem: String,
    /// The emulated Alipay public key (支付宝公钥), SPKI PEM.
    pub alipay_public_pem: String,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeySet { <4 PEM keys redacted> }")
    }
}

/// File names used by [`KeySet::write_to_dir`] and [`KeySet::read_from_dir`].
pub const KEY_FILES: [&str; 4] = [
    "app_private_key.pem",
    "app_public_key.pem",
    "alipay_private_key.pem",
    "alipay_public_key.pem",
];

impl KeySet {
    /// Generates two fresh RSA-2048 key pairs.
    pub fn generate() -> Result<KeySet, KeySetError> {
        let (app_private_pem, app_public_pem) = generate_pair()?;
        let (alipay_private_pem, alipay_public_pem) = generate_pair()?;
        Ok(KeySet {
            app_private_pem,
            app_public_pem,
            alipay_private_pem,
            alipay_public_pem,
        })
    }

    /// Writes the four PEM files into `dir` (created if missing). Private key files get
    /// mode 0600 on Unix.
    pub fn write_to_dir(&self, dir: &Path) -> Result<(), KeySetError> {
        std::fs::create_dir_all(dir).map_err(|source| KeySetError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let contents = [
            &self.app_private_pem,
            &self.app_public_pem,
            &self.alipay_private_pem,
            &self.alipay_public_pem,
        ];
        for (name, text) in KEY_FILES.iter().zip(contents) {
            write_file(&dir.join(name), text, name.contains("private"))?;
        }
        Ok(())
    }

    /// Reads the files written by [`KeySet::write_to_dir`], checking each holds a key.
    pub fn read_from_dir(dir: &Path) -> Result<KeySet, KeySetError> {
        let read = |name: &str, private: bool| -> Result<String, KeySetError> {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|source| KeySetError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let checked = if private {
                AppPrivateKey::parse(&text).map(drop)
            } else {
                AlipayPublicKey::parse(&text).map(drop)
            };
            checked.map_err(|source| KeySetError::Key {
                path: path.display().to_string(),
                source,
            })?;
            Ok(text)
        };
        Ok(KeySet {
            app_private_pem: read(KEY_FILES[0], true)?,
            app_public_pem: read(KEY_FILES[1], false)?,
            alipay_private_pem: read(KEY_FILES[2], true)?,
            alipay_public_pem: read(KEY_FILES[3], false)?,
        })
    }
}

/// Writes one file; `private` files get mode 0600 on Unix.
pub(crate) fn write_file(path: &Path, text: &str, private: bool) -> Result<(), KeySetError> {
    let io = |source| KeySetError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::write(path, text).map_err(io)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

/// Reads one text file.
pub(crate) fn read_file(path: &Path) -> Result<String, KeySetError> {
    std::fs::read_to_string(path).map_err(|source| KeySetError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// A fresh RSA-2048 key pair as (PKCS#8 PEM, SPKI PEM).
pub(crate) fn generate_pair() -> Result<(String, String), KeySetError> {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| KeySetError::Generate)?;
    let der = pair.as_der().map_err(|_| KeySetError::Generate)?;
    let private_pem = pem("PRIVATE KEY", der.as_ref());
    let public = AppPrivateKey::parse(der.as_ref())
        .map_err(|_| KeySetError::Generate)?
        .public_key()
        .to_spki_der();
    Ok((private_pem, pem("PUBLIC KEY", &public)))
}

/// PEM text of `der` under `label`, 64-character lines.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
