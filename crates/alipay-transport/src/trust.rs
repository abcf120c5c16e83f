//! How the client trusts Alipay's answers: the setting ([`AlipayTrust`]), what a built
//! client holds ([`Trust`]), and the build step that turns one into the other.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use alipay_protocol::cert::CertRole;
use alipay_protocol::keys::KeyRole;
use alipay_protocol::{
    AlipayKeyIsAppKey, AlipayPublicKey, CertError, CertMaterial, Clock, SignType, Verifier,
    check_not_own_key,
};

use crate::config::KeySource;
use crate::error::BuildError;
use crate::signing::AppKey;

/// How the client trusts Alipay's answers, the one setting
/// [`ClientBuilder::alipay_trust`](crate::ClientBuilder::alipay_trust) takes. Build it
/// with one of the constructors:
///
/// - [`public_key`](Self::public_key) / [`public_key_file`](Self::public_key_file):
///   public-key mode (公钥模式), answers verified with the Alipay public key (支付宝公钥);
/// - [`certificates`](Self::certificates): public-key certificate mode (公钥证书模式);
/// - [`verifier`](Self::verifier): a custom [`Verifier`] instead of the Alipay public key.
///
/// `Debug` never shows key text.
#[derive(Clone)]
pub struct AlipayTrust {
    source: TrustSource,
}

#[derive(Clone)]
enum TrustSource {
    PublicKey(KeySource),
    Certificates {
        app_cert: KeySource,
        alipay_cert: KeySource,
        root_bundle: KeySource,
    },
    Verifier(Arc<dyn Verifier>),
}

impl AlipayTrust {
    /// Public-key mode: the Alipay public key (支付宝公钥, not your app public key) as
    /// PEM, bare base64 or DER, from text, bytes or a [`KeySource`]. A `&str`/`String`
    /// is key *text*; use [`public_key_file`](Self::public_key_file) for a path.
    pub fn public_key(key: impl Into<KeySource>) -> Self {
        AlipayTrust {
            source: TrustSource::PublicKey(key.into()),
        }
    }

    /// Public-key mode with the Alipay public key read from a file by `build()`.
    pub fn public_key_file(path: impl Into<PathBuf>) -> Self {
        AlipayTrust::public_key(KeySource::Path(path.into()))
    }

    /// Certificate mode (公钥证书模式): the app public-key certificate
    /// (`appCertPublicKey_<appid>.crt`, 应用公钥证书), the Alipay public-key certificate
    /// (`alipayCertPublicKey_RSA2.crt`, 支付宝公钥证书) and the Alipay root bundle
    /// (`alipayRootCert.crt`, 支付宝根证书), each as PEM, DER or base64 from a
    /// [`KeySource`] (a `&str`/`String` is the file's *text*; use [`KeySource::file`]
    /// for a path).
    ///
    /// Every request then carries `app_cert_sn` and `alipay_root_cert_sn` (signed), and
    /// each response is verified with the Alipay certificate its `alipay_cert_sn` names.
    /// `build()` checks that the app certificate holds the app key's public half and
    /// that the Alipay certificate chains to the root bundle at the clock's time. When
    /// Alipay rotates its certificate, calls fail with
    /// [`VerifyError::UnknownAlipayCertificate`](crate::VerifyError::UnknownAlipayCertificate)
    /// naming the new SN; hand the new certificate to
    /// [`AlipayClient::accept_alipay_certificate`](crate::AlipayClient::accept_alipay_certificate).
    pub fn certificates(
        app_cert: impl Into<KeySource>,
        alipay_cert: impl Into<KeySource>,
        root_bundle: impl Into<KeySource>,
    ) -> Self {
        AlipayTrust {
            source: TrustSource::Certificates {
                app_cert: app_cert.into(),
                alipay_cert: alipay_cert.into(),
                root_bundle: root_bundle.into(),
            },
        }
    }

    /// A custom response verifier instead of the Alipay public key (e.g. one that
    /// checks with a key held elsewhere). Responses are always verified; there is no
    /// way to skip it.
    pub fn verifier(verifier: impl Verifier + 'static) -> Self {
        AlipayTrust {
            source: TrustSource::Verifier(Arc::new(verifier)),
        }
    }
}

impl fmt::Debug for AlipayTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            TrustSource::PublicKey(key) => f.debug_tuple("PublicKey").field(key).finish(),
            TrustSource::Certificates {
                app_cert,
                alipay_cert,
                root_bundle,
            } => f
                .debug_struct("Certificates")
                .field("app_cert", app_cert)
                .field("alipay_cert", alipay_cert)
                .field("root_bundle", root_bundle)
                .finish(),
            TrustSource::Verifier(_) => f.write_str("Verifier(<custom>)"),
        }
    }
}

/// What a built client verifies responses with.
pub(crate) enum Trust {
    /// One verifier: the Alipay public key or a custom verifier.
    PublicKey(Arc<dyn Verifier>),
    /// The certificate material; behind a lock because an accepted rotated Alipay
    /// certificate is added at run time, shared by every clone of the client. Boxed:
    /// the material is large and the enum lives in every client's shared state.
    Certificates(Box<RwLock<CertMaterial>>),
}

impl Trust {
    /// The certificate material for reading; a poisoned lock still holds valid
    /// material (writers only swap in fully checked state).
    pub(crate) fn read_certs(&self) -> Option<RwLockReadGuard<'_, CertMaterial>> {
        match self {
            Trust::PublicKey(_) => None,
            Trust::Certificates(lock) => {
                Some(lock.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
            }
        }
    }
}

/// The build step for trust: loads and checks the setting against the app key.
/// Returns the trust and the fingerprint of the Alipay key, when known.
pub(crate) fn resolve(
    setting: AlipayTrust,
    app: &AppKey,
    sign_type: SignType,
    clock: &dyn Clock,
) -> Result<(Trust, Option<String>), BuildError> {
    match setting.source {
        TrustSource::PublicKey(source) => {
            let key = AlipayPublicKey::parse(source.read_key(KeyRole::AlipayPublicKey)?)?;
            // A short key cannot check an RSA2 signature: every answer would read as
            // forged. Say so now, naming the key and its size.
            key.check_sign_type(sign_type)?;
            check_not_app_key(app, &key)?;
            let fingerprint = key.fingerprint();
            Ok((Trust::PublicKey(Arc::new(key)), Some(fingerprint)))
        }
        TrustSource::Certificates {
            app_cert,
            alipay_cert,
            root_bundle,
        } => {
            let material = CertMaterial::new(
                app_cert.read_cert(CertRole::AppCert)?,
                alipay_cert.read_cert(CertRole::AlipayCert)?,
                root_bundle.read_cert(CertRole::RootBundle)?,
            )?;
            check_app_cert(app, &material)?;
            // The clock is read only here: a ticking test clock stamps the first
            // request with its first reading.
            material.verify_alipay_cert(clock.timestamp())?;
            let fingerprint = material.alipay_public_key().fingerprint();
            Ok((
                Trust::Certificates(Box::new(RwLock::new(material))),
                Some(fingerprint),
            ))
        }
        TrustSource::Verifier(verifier) => {
            let fingerprint = verifier.key_fingerprint();
            Ok((Trust::PublicKey(verifier), fingerprint))
        }
    }
}

/// The mistake that makes every answer fail to verify: the app's own public key
/// given as the Alipay public key.
fn check_not_app_key(app: &AppKey, alipay: &AlipayPublicKey) -> Result<(), BuildError> {
    match (&app.private, &app.public) {
        (Some(private), _) => check_not_own_key(private, alipay)?,
        // A custom signer exposes only its public half: the same comparison.
        (None, Some(public)) if public == alipay => {
            return Err(AlipayKeyIsAppKey {
                fingerprint: alipay.fingerprint(),
            }
            .into());
        }
        _ => {}
    }
    Ok(())
}

/// The mistake that makes every request fail with `isv.invalid-signature`: an app
/// certificate for another key.
fn check_app_cert(app: &AppKey, material: &CertMaterial) -> Result<(), BuildError> {
    match (&app.private, &app.public) {
        (Some(private), _) => material.check_app_key(private)?,
        (None, Some(public)) if public != material.app_public_key() => {
            return Err(CertError::AppCertKeyMismatch {
                sn: material.app_cert_sn().to_owned(),
                key_fingerprint: public.fingerprint(),
                cert_fingerprint: material.app_public_key().fingerprint(),
            }
            .into());
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_text() {
        let shown = format!(
            "{:?}",
            AlipayTrust::certificates(
                "-----BEGIN CERTIFICATE-----MIIC",
                KeySource::file("alipayCertPublicKey_RSA2.crt"),
                b"MIIB".as_slice()
            )
        );
        assert!(!shown.contains("MII"), "{shown}");
        assert!(shown.contains("alipayCertPublicKey_RSA2.crt"), "{shown}");
    }
}
