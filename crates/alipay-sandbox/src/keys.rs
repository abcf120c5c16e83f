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
    #[error("cannot access `{path}`")]
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
    #[error("`{path}` holds no usable key")]
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// The `Display` of each variant with a source says only this layer's part (the file);
    /// the cause comes from `source()`, so a chain printer does not say it twice.
    #[test]
    fn key_set_errors_do_not_repeat_their_source() {
        let dir = std::env::temp_dir().join(format!("alipay-keyset-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();

        let missing = KeySet::read_from_dir(&dir.join("absent")).unwrap_err();
        assert!(matches!(missing, KeySetError::Io { .. }), "{missing:?}");
        let source = missing
            .source()
            .expect("the I/O error is the source")
            .to_string();
        let shown = missing.to_string();
        assert!(
            shown.starts_with("cannot access `") && shown.contains("absent"),
            "{shown}"
        );
        assert!(!shown.contains(&source), "{shown}");

        KeySet::generate().unwrap().write_to_dir(&dir).unwrap();
        std::fs::write(dir.join(KEY_FILES[0]), "not a key").unwrap();
        let bad = KeySet::read_from_dir(&dir).unwrap_err();
        assert!(matches!(bad, KeySetError::Key { .. }), "{bad:?}");
        let source = bad
            .source()
            .expect("the key error is the source")
            .to_string();
        let shown = bad.to_string();
        assert!(
            shown.ends_with("holds no usable key") && shown.contains(KEY_FILES[0]),
            "{shown}"
        );
        assert!(!shown.contains(&source), "{shown}");

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sandbox_errors_do_not_repeat_their_source() {
        let keys = KeySet::generate().unwrap();
        // `SandboxConfig` has no `Debug` (it holds keys), hence `let ... else`.
        let Err(bad_key) =
            crate::SandboxConfig::new("2021000000000001", "not a key", &keys.alipay_private_pem)
        else {
            panic!("the app public key is refused");
        };
        let Err(bad_aes) = crate::SandboxConfig::new(
            "2021000000000001",
            &keys.app_public_pem,
            &keys.alipay_private_pem,
        )
        .unwrap()
        .aes_key("2021000000000001", "c2VjcmV0LWtleQ==") else {
            panic!("a 10-byte AES key is refused");
        };
        for (e, layer) in [
            (bad_key, "the app public key is unusable"),
            (bad_aes, "the AES key of app 2021000000000001 is unusable"),
        ] {
            let source = e.source().expect("the cause is the source").to_string();
            assert_eq!(e.to_string(), layer);
            assert!(!e.to_string().contains(&source), "{e}");
        }
    }
}
