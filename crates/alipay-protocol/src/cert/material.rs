//! Certificate mode's run-time material: the app certificate, the Alipay certificate,
//! and the set of Alipay certificates a client accepts across a rotation.

use std::fmt;

use super::chain::names_match;
use super::{
    CertError, CertRole, Certificate, parse_certificates_as, root_cert_sn_of, shown_dn,
    verify_chain_parsed,
};
use crate::keys::{AlipayPublicKey, AppPrivateKey};
use crate::time::Timestamp;

/// The leaf of a certificate file (the certificate that issues none of the others),
/// the rest of the file, and the leaf's RSA key.
fn parse_leaf(
    input: &[u8],
    role: CertRole,
) -> Result<(Certificate, Vec<Certificate>, AlipayPublicKey), CertError> {
    let (cert, rest) = split_leaf(parse_certificates_as(input, role)?);
    let key = cert.rsa_public_key_as(role)?;
    Ok((cert, rest, key))
}

/// The app public-key certificate (`appCertPublicKey_<appid>.crt`) with its SN and key.
#[derive(Clone)]
pub struct AppCertificate {
    cert: Certificate,
    sn: String,
    key: AlipayPublicKey,
}

impl fmt::Debug for AppCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCertificate")
            .field("sn", &self.sn)
            .finish_non_exhaustive()
    }
}

impl AppCertificate {
    /// Parses the app certificate file (PEM, DER or base64). When the file holds a
    /// chain, the leaf (the certificate that issues none of the others) is used.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, CertError> {
        let (cert, _, key) = parse_leaf(input.as_ref(), CertRole::AppCert)?;
        Ok(AppCertificate {
            sn: cert.sn(),
            cert,
            key,
        })
    }

    /// `app_cert_sn`.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The app public key inside the certificate.
    pub fn public_key(&self) -> &AlipayPublicKey {
        &self.key
    }

    /// The parsed certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}

/// An Alipay public-key certificate (`alipayCertPublicKey_RSA2.crt`) with its SN, key
/// and any intermediate CA certificates shipped in the same file.
#[derive(Clone)]
pub struct AlipayCertificate {
    cert: Certificate,
    sn: String,
    key: AlipayPublicKey,
    intermediates: Vec<Certificate>,
}

impl fmt::Debug for AlipayCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlipayCertificate")
            .field("sn", &self.sn)
            .finish_non_exhaustive()
    }
}

impl AlipayCertificate {
    /// Parses the Alipay certificate file (PEM, DER or base64). Alipay may ship the leaf
    /// together with its intermediate; the leaf is the certificate that issues none of
    /// the others, the rest are kept as intermediates for the chain check.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, CertError> {
        let (cert, intermediates, key) = parse_leaf(input.as_ref(), CertRole::AlipayCert)?;
        Ok(AlipayCertificate {
            sn: cert.sn(),
            cert,
            key,
            intermediates,
        })
    }

    /// The SN that responses carry in `alipay_cert_sn`.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The Alipay public key that verifies responses signed under this certificate.
    pub fn public_key(&self) -> &AlipayPublicKey {
        &self.key
    }

    /// The parsed leaf certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// Other certificates found in the same file (normally the intermediate CA).
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }
}

/// Everything certificate mode needs at run time: `app_cert_sn`, `alipay_root_cert_sn`
/// and the Alipay certificates (SN → key) responses are verified with.
///
/// `Debug` shows SNs only.
#[derive(Clone)]
pub struct CertMaterial {
    app: AppCertificate,
    root_cert_sn: String,
    roots: Vec<Certificate>,
    /// CA certificates seen in Alipay certificate files, offered to later chain checks so
    /// a rotated certificate downloaded without its intermediate still chains.
    intermediates: Vec<Certificate>,
    /// The current Alipay certificate: the configured one or the latest accepted.
    current: AlipayCertificate,
    /// Earlier Alipay certificates, oldest first, still accepted for responses that
    /// name them (Alipay signs with the old key until the rotation completes).
    previous: Vec<AlipayCertificate>,
}

impl fmt::Debug for CertMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertMaterial")
            .field("app_cert_sn", &self.app.sn)
            .field("alipay_root_cert_sn", &self.root_cert_sn)
            .field("alipay_cert_sns", &self.alipay_cert_sns())
            .finish_non_exhaustive()
    }
}

impl CertMaterial {
    /// Loads the three files of certificate mode: the app certificate
    /// (`appCertPublicKey_<appid>.crt`), the Alipay certificate
    /// (`alipayCertPublicKey_RSA2.crt`) and the root bundle (`alipayRootCert.crt`).
    ///
    /// The configured Alipay certificate is trusted as given (it came from the console,
    /// like a configured public key); use [`CertMaterial::verify_alipay_cert`] to check
    /// its chain too.
    pub fn new(
        app_cert: impl AsRef<[u8]>,
        alipay_cert: impl AsRef<[u8]>,
        root_bundle: impl AsRef<[u8]>,
    ) -> Result<Self, CertError> {
        let app = AppCertificate::parse(app_cert)?;
        let alipay = AlipayCertificate::parse(alipay_cert)?;
        if alipay.key == app.key {
            return Err(CertError::AlipayCertIsAppCert {
                sn: alipay.sn.clone(),
            });
        }
        let roots = parse_certificates_as(root_bundle.as_ref(), CertRole::RootBundle)?;
        let root_cert_sn = root_cert_sn_of(&roots)?;
        Ok(CertMaterial {
            app,
            root_cert_sn,
            roots,
            intermediates: alipay.intermediates.clone(),
            current: alipay,
            previous: Vec::new(),
        })
    }

    /// `app_cert_sn`, sent with every request.
    pub fn app_cert_sn(&self) -> &str {
        &self.app.sn
    }

    /// `alipay_root_cert_sn`, sent with every request.
    pub fn alipay_root_cert_sn(&self) -> &str {
        &self.root_cert_sn
    }

    /// The SN of the current Alipay certificate (the configured one, or the latest
    /// accepted by [`CertMaterial::accept_rotated`]).
    pub fn alipay_cert_sn(&self) -> &str {
        self.current.sn()
    }

    /// The key of the current Alipay certificate.
    pub fn alipay_public_key(&self) -> &AlipayPublicKey {
        self.current.public_key()
    }

    /// The app public key from the app certificate.
    pub fn app_public_key(&self) -> &AlipayPublicKey {
        self.app.public_key()
    }

    /// Every known Alipay certificate SN, oldest first.
    pub fn alipay_cert_sns(&self) -> Vec<&str> {
        self.previous
            .iter()
            .chain(std::iter::once(&self.current))
            .map(|c| c.sn())
            .collect()
    }

    /// Fails when the app certificate does not hold the public half of `key`, the
    /// mistake that makes every request fail with `isv.invalid-signature`.
    pub fn check_app_key(&self, key: &AppPrivateKey) -> Result<(), CertError> {
        if key.public_key() == self.app.public_key() {
            return Ok(());
        }
        Err(CertError::AppCertKeyMismatch {
            sn: self.app.sn.clone(),
            key_fingerprint: key.public_key().fingerprint(),
            cert_fingerprint: self.app.public_key().fingerprint(),
        })
    }

    /// Checks that the current Alipay certificate chains to the root bundle at `now`.
    pub fn verify_alipay_cert(&self, now: Timestamp) -> Result<(), CertError> {
        verify_chain_parsed(
            self.current.certificate(),
            &self.intermediates,
            &self.roots,
            now,
        )
    }

    /// Adds extra intermediate CA certificates for later chain checks (for Alipay
    /// certificate files that hold only the leaf). They are trusted only through a
    /// verified path to the root bundle. Returns how many were added.
    pub fn add_intermediates(&mut self, input: impl AsRef<[u8]>) -> Result<usize, CertError> {
        let certs = parse_certificates_as(input.as_ref(), CertRole::Intermediates)?;
        let added = certs.len();
        self.remember_intermediates(certs);
        Ok(added)
    }

    /// Accepts a rotated Alipay certificate (e.g. from `alipay.open.app.alipaycert.download`)
    /// only if it is a leaf with the configured Alipay certificate's subject and chains to
    /// the configured root bundle at `now`; then it becomes the current certificate and
    /// its SN (returned) resolves in [`CertMaterial::verifier_for`].
    pub fn accept_rotated(
        &mut self,
        new_alipay_cert: impl AsRef<[u8]>,
        now: Timestamp,
    ) -> Result<String, CertError> {
        let new = AlipayCertificate::parse(new_alipay_cert)?;
        if new.key == self.app.key {
            return Err(CertError::AlipayCertIsAppCert { sn: new.sn });
        }
        // Chaining to the roots is not enough: every merchant's app certificate does.
        // A rotation keeps the subject Alipay's certificate has and is a leaf.
        if new.cert.is_ca() {
            return Err(CertError::NotAlipayCertificate {
                sn: new.sn,
                reason: "it is a CA certificate, not a signing (leaf) certificate".into(),
            });
        }
        if new.cert.subject_dn() != self.current.cert.subject_dn() {
            return Err(CertError::NotAlipayCertificate {
                sn: new.sn.clone(),
                reason: format!(
                    "its subject `{}` differs from the configured Alipay certificate's `{}`",
                    shown_dn(new.cert.subject_dn()),
                    shown_dn(self.current.cert.subject_dn())
                ),
            });
        }
        let mut pool = new.intermediates.clone();
        pool.extend(self.intermediates.iter().cloned());
        verify_chain_parsed(new.certificate(), &pool, &self.roots, now)?;
        let sn = new.sn.clone();
        self.remember_intermediates(new.intermediates.clone());
        // Re-accepting a known SN makes it current again without keeping a duplicate.
        self.previous.retain(|c| c.sn != sn);
        let old = std::mem::replace(&mut self.current, new);
        if old.sn != sn {
            self.previous.push(old);
        }
        Ok(sn)
    }

    /// The key to verify a response with, from its `alipay_cert_sn`.
    ///
    /// `None` (no `alipay_cert_sn` in the response, e.g. an unsigned error) gives the
    /// current certificate's key; whether a success without the SN is acceptable is the
    /// caller's policy (Java rejects it). An unknown SN is
    /// [`CertError::UnknownAlipayCertSn`]: fetch that certificate and call
    /// [`CertMaterial::accept_rotated`].
    pub fn verifier_for(&self, sn: Option<&str>) -> Result<&AlipayPublicKey, CertError> {
        self.find(sn).map(AlipayCertificate::public_key)
    }

    /// [`verifier_for`](Self::verifier_for), refusing a certificate that is not valid
    /// at `now`: an answer signed under an expired certificate is not trusted, even
    /// though the certificate was accepted while it was valid.
    pub fn verifier_for_at(
        &self,
        sn: Option<&str>,
        now: Timestamp,
    ) -> Result<&AlipayPublicKey, CertError> {
        let cert = self.find(sn)?;
        cert.cert.check_validity(now)?;
        Ok(cert.public_key())
    }

    fn find(&self, sn: Option<&str>) -> Result<&AlipayCertificate, CertError> {
        let Some(sn) = sn else {
            return Ok(&self.current);
        };
        let wanted = sn.trim();
        std::iter::once(&self.current)
            .chain(self.previous.iter().rev())
            .find(|c| c.sn.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| CertError::UnknownAlipayCertSn {
                sn: shown_sn(wanted),
            })
    }

    fn remember_intermediates(&mut self, certs: Vec<Certificate>) {
        for cert in certs {
            if !self.intermediates.contains(&cert) {
                self.intermediates.push(cert);
            }
        }
    }
}

/// An SN from a response, for an error message: it arrives unverified, so only
/// something shaped like an SN (hex, at most 64 characters) is quoted.
fn shown_sn(sn: &str) -> String {
    if !sn.is_empty() && sn.len() <= 64 && sn.bytes().all(|b| b.is_ascii_hexdigit()) {
        sn.to_owned()
    } else {
        format!("<{} characters, not a certificate SN>", sn.chars().count())
    }
}

/// Picks the leaf of a certificate list: the first certificate that is not the issuer of
/// another one in the list (so `leaf, intermediate` and `intermediate, leaf` both work);
/// the first certificate when every one issues another (a loop of self-signed roots).
pub(super) fn split_leaf(mut certs: Vec<Certificate>) -> (Certificate, Vec<Certificate>) {
    let issues_another = |i: usize| {
        certs
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && names_match(&other.issuer_der, &other.issuer_dn, &certs[i]))
    };
    let leaf = (0..certs.len()).find(|&i| !issues_another(i)).unwrap_or(0);
    let leaf = certs.remove(leaf);
    (leaf, certs)
}
