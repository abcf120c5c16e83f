//! Certificate-mode material for a sandbox (公钥证书模式): a CA chain the sandbox makes
//! itself — a root CA, an intermediate CA, the app's public-key certificate and the
//! emulated Alipay public-key certificate — RSA keys signed with SHA-256, the shape of
//! the files the Alipay open platform hands out.

use std::fmt;
use std::path::Path;
use std::str::FromStr as _;
use std::time::{Duration, SystemTime};

use alipay_protocol::{AlipayCertificate, AppCertificate, CertMaterial, root_cert_sn};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use sha2::Sha256;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

use crate::keys::{KeySet, KeySetError, generate_pair, pem};

/// Subject of the sandbox root CA (stands in for the Alipay root of `alipayRootCert.crt`).
const ROOT_DN: &str = "CN=Alipay Sandbox Root CA,OU=Sandbox,O=alipay-sandbox,C=CN";
/// Subject of the intermediate CA that issues the app and Alipay certificates, as Ant
/// Financial's "Class 1/2 R1" intermediates do.
const CA_DN: &str = "CN=Alipay Sandbox Class 2 CA,OU=Sandbox,O=alipay-sandbox,C=CN";
/// Subject of the emulated Alipay public-key certificate.
const ALIPAY_DN: &str = "CN=Alipay Sandbox Public Key,OU=Alipay OpenPlatform,O=alipay-sandbox,C=CN";

/// File names used by [`CertSet::write_to_dir`] and [`CertSet::read_from_dir`], besides
/// the key files of [`KeySet::write_to_dir`] (the app certificate's name embeds the
/// app id: `appCertPublicKey_<app_id>.crt`, as the open platform names it).
pub const ALIPAY_CERT_FILE: &str = "alipayCertPublicKey_RSA2.crt";
/// The root bundle file name.
pub const ROOT_CERT_FILE: &str = "alipayRootCert.crt";
/// The intermediate CA certificate (sandbox only: lets a restarted sandbox rotate).
pub const CA_CERT_FILE: &str = "sandbox_ca.crt";
/// The intermediate CA private key (sandbox only).
pub const CA_KEY_FILE: &str = "sandbox_ca_private_key.pem";

/// The app certificate file name for `app_id`: `appCertPublicKey_<app_id>.crt`.
pub fn app_cert_file(app_id: &str) -> String {
    format!("appCertPublicKey_{app_id}.crt")
}

/// Everything of a certificate-mode setup, as PEM text.
///
/// The app keeps `keys.app_private_pem`, `app_cert_pem`, `alipay_cert_pem` and
/// `root_cert_pem` (what `ClientBuilder::certificates` takes); the sandbox keeps the rest,
/// including the CA key it issues rotated Alipay certificates with.
#[derive(Clone)]
pub struct CertSet {
    /// The app id the app certificate is issued for (its subject `CN`).
    pub app_id: String,
    /// The app and (current) Alipay key pairs.
    pub keys: KeySet,
    /// The app public-key certificate `appCertPublicKey_<app_id>.crt` (leaf only).
    pub app_cert_pem: String,
    /// The Alipay public-key certificate `alipayCertPublicKey_RSA2.crt`: the leaf
    /// followed by the intermediate CA, as Alipay ships it.
    pub alipay_cert_pem: String,
    /// The root bundle `alipayRootCert.crt` (one RSA root).
    pub root_cert_pem: String,
    /// The intermediate CA certificate.
    pub ca_cert_pem: String,
    /// The intermediate CA private key, PKCS#8 PEM: sandbox-side only.
    pub ca_private_pem: String,
    not_before: SystemTime,
    not_after: SystemTime,
}

impl fmt::Debug for CertSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertSet")
            .field("app_id", &self.app_id)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// How long generated certificates are valid by default, counted from a day before
/// now (so a client whose clock is a little behind still accepts them).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 365 * 24 * 3600);
const ONE_DAY: Duration = Duration::from_secs(24 * 3600);

impl CertSet {
    /// Generates fresh keys and a fresh CA chain for `app_id`, valid from a day ago for
    /// five years.
    pub fn generate(app_id: &str) -> Result<CertSet, KeySetError> {
        let now = SystemTime::now();
        CertSet::issue(
            KeySet::generate()?,
            app_id,
            now - ONE_DAY,
            now + DEFAULT_LIFETIME,
        )
    }

    /// Issues a CA chain and certificates for existing keys, valid between the given
    /// times (every certificate of the set, including later rotated ones).
    pub fn issue(
        keys: KeySet,
        app_id: &str,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<CertSet, KeySetError> {
        if app_id.is_empty() || !app_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeySetError::Issue {
                what: "app certificate",
                reason: "the app id must be ASCII letters and digits".into(),
            });
        }
        let validity = (not_before, not_after);
        let (root_key, root_public) = generate_pair()?;
        let (ca_key, ca_public) = generate_pair()?;
        let root = issue_cert(ROOT_DN, ROOT_DN, true, &root_public, &root_key, validity)?;
        let ca = issue_cert(CA_DN, ROOT_DN, true, &ca_public, &root_key, validity)?;
        let app_dn = format!("CN={app_id},OU=Alipay OpenPlatform,O=alipay-sandbox app,C=CN");
        let app = issue_cert(
            &app_dn,
            CA_DN,
            false,
            &keys.app_public_pem,
            &ca_key,
            validity,
        )?;
        let alipay = issue_cert(
            ALIPAY_DN,
            CA_DN,
            false,
            &keys.alipay_public_pem,
            &ca_key,
            validity,
        )?;
        let ca_cert_pem = pem("CERTIFICATE", &ca);
        Ok(CertSet {
            app_id: app_id.to_owned(),
            keys,
            app_cert_pem: pem("CERTIFICATE", &app),
            alipay_cert_pem: format!("{}{ca_cert_pem}", pem("CERTIFICATE", &alipay)),
            root_cert_pem: pem("CERTIFICATE", &root),
            ca_cert_pem,
            ca_private_pem: ca_key,
            not_before,
            not_after,
        })
    }

    /// Rotates the Alipay certificate, as Alipay does before the old one expires: a new
    /// Alipay key pair and a new certificate (new serial, so a new `alipay_cert_sn`)
    /// from the same intermediate CA. Replaces `keys.alipay_*` and `alipay_cert_pem`.
    pub fn rotate_alipay(&mut self) -> Result<(), KeySetError> {
        let (private, public) = generate_pair()?;
        let cert = issue_cert(
            ALIPAY_DN,
            CA_DN,
            false,
            &public,
            &self.ca_private_pem,
            (self.not_before, self.not_after),
        )?;
        self.alipay_cert_pem = format!("{}{}", pem("CERTIFICATE", &cert), self.ca_cert_pem);
        self.keys.alipay_private_pem = private;
        self.keys.alipay_public_pem = public;
        Ok(())
    }

    /// Issues an app certificate for another app (`app_id`, SPKI PEM `app_public_pem`)
    /// from this set's CA, followed by the CA certificate: what a second merchant on the
    /// same platform holds. Tests use it to check that such a certificate, which chains
    /// to the same roots, is never accepted as Alipay's.
    pub fn issue_app_cert(
        &self,
        app_id: &str,
        app_public_pem: &str,
    ) -> Result<String, KeySetError> {
        let dn = format!("CN={app_id},OU=Alipay OpenPlatform,O=alipay-sandbox app,C=CN");
        let cert = issue_cert(
            &dn,
            CA_DN,
            false,
            app_public_pem,
            &self.ca_private_pem,
            (self.not_before, self.not_after),
        )?;
        Ok(format!("{}{}", pem("CERTIFICATE", &cert), self.ca_cert_pem))
    }

    /// `app_cert_sn` of the app certificate.
    pub fn app_cert_sn(&self) -> Result<String, KeySetError> {
        AppCertificate::parse(&self.app_cert_pem)
            .map(|c| c.sn().to_owned())
            .map_err(|e| cert_error("app certificate", e))
    }

    /// `alipay_cert_sn` of the current Alipay certificate.
    pub fn alipay_cert_sn(&self) -> Result<String, KeySetError> {
        AlipayCertificate::parse(&self.alipay_cert_pem)
            .map(|c| c.sn().to_owned())
            .map_err(|e| cert_error("Alipay certificate", e))
    }

    /// `alipay_root_cert_sn` of the root bundle.
    pub fn root_cert_sn(&self) -> Result<String, KeySetError> {
        root_cert_sn(&self.root_cert_pem).map_err(|e| cert_error("root bundle", e))
    }

    /// Writes the key files ([`KeySet::write_to_dir`]), the three certificate files the
    /// app needs (`appCertPublicKey_<app_id>.crt`, [`ALIPAY_CERT_FILE`],
    /// [`ROOT_CERT_FILE`]) and the sandbox's CA files ([`CA_CERT_FILE`],
    /// [`CA_KEY_FILE`], mode 0600 on Unix) into `dir`.
    pub fn write_to_dir(&self, dir: &Path) -> Result<(), KeySetError> {
        self.keys.write_to_dir(dir)?;
        let files = [
            (app_cert_file(&self.app_id), &self.app_cert_pem, false),
            (ALIPAY_CERT_FILE.to_owned(), &self.alipay_cert_pem, false),
            (ROOT_CERT_FILE.to_owned(), &self.root_cert_pem, false),
            (CA_CERT_FILE.to_owned(), &self.ca_cert_pem, false),
            (CA_KEY_FILE.to_owned(), &self.ca_private_pem, true),
        ];
        for (name, text, private) in files {
            crate::keys::write_file(&dir.join(name), text, private)?;
        }
        Ok(())
    }

    /// Reads the files written by [`CertSet::write_to_dir`] for `app_id`, checking that
    /// they form a usable certificate-mode setup (the app certificate holds the app key,
    /// the Alipay certificate chains to the root). Rotations after reading issue
    /// certificates valid from a day ago for five years.
    pub fn read_from_dir(dir: &Path, app_id: &str) -> Result<CertSet, KeySetError> {
        let keys = KeySet::read_from_dir(dir)?;
        let read = |name: &str| crate::keys::read_file(&dir.join(name));
        let now = SystemTime::now();
        let set = CertSet {
            app_id: app_id.to_owned(),
            keys,
            app_cert_pem: read(&app_cert_file(app_id))?,
            alipay_cert_pem: read(ALIPAY_CERT_FILE)?,
            root_cert_pem: read(ROOT_CERT_FILE)?,
            ca_cert_pem: read(CA_CERT_FILE)?,
            ca_private_pem: read(CA_KEY_FILE)?,
            not_before: now - ONE_DAY,
            not_after: now + DEFAULT_LIFETIME,
        };
        set.material()?;
        Ok(set)
    }

    /// The client-side view of the set, checked: the app certificate holds the app
    /// key and the Alipay certificate chains to the root bundle now.
    pub(crate) fn material(&self) -> Result<CertMaterial, KeySetError> {
        let material = CertMaterial::new(
            &self.app_cert_pem,
            &self.alipay_cert_pem,
            &self.root_cert_pem,
        )
        .map_err(|e| cert_error("certificate set", e))?;
        let app_key = alipay_protocol::AppPrivateKey::parse(&self.keys.app_private_pem).map_err(
            |source| KeySetError::Key {
                path: "app private key".into(),
                source,
            },
        )?;
        material
            .check_app_key(&app_key)
            .map_err(|e| cert_error("app certificate", e))?;
        material
            .verify_alipay_cert(alipay_protocol::Timestamp::from_system_time(
                SystemTime::now(),
            ))
            .map_err(|e| cert_error("Alipay certificate", e))?;
        Ok(material)
    }
}

fn cert_error(what: &'static str, e: alipay_protocol::CertError) -> KeySetError {
    KeySetError::Issue {
        what,
        reason: e.to_string(),
    }
}

/// The issuing rules of the sandbox CA: fixed issuer and subject, `basicConstraints`
/// and `keyUsage` (the two extensions a chain check looks at), nothing else.
struct Profile {
    issuer: Name,
    subject: Name,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let constraints = BasicConstraints {
            ca: self.ca,
            path_len_constraint: None,
        };
        extensions.push((&constraints).to_extension(tbs.subject(), &extensions)?);
        let usage = if self.ca {
            KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        } else {
            KeyUsage(KeyUsages::DigitalSignature.into())
        };
        extensions.push((&usage).to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

/// Issues one certificate for the SPKI PEM `subject_public_pem`, signed with the
/// PKCS#8 PEM key `issuer_private_pem` (SHA256withRSA); returns its DER.
fn issue_cert(
    subject: &str,
    issuer: &str,
    ca: bool,
    subject_public_pem: &str,
    issuer_private_pem: &str,
    (not_before, not_after): (SystemTime, SystemTime),
) -> Result<Vec<u8>, KeySetError> {
    let what = if ca { "CA certificate" } else { "certificate" };
    let fail = |reason: String| KeySetError::Issue { what, reason };
    let name = |dn: &str| Name::from_str(dn).map_err(|e| fail(format!("bad name `{dn}`: {e}")));
    let profile = Profile {
        issuer: name(issuer)?,
        subject: name(subject)?,
        ca,
    };
    let spki_der = alipay_protocol::AlipayPublicKey::parse(subject_public_pem)
        .map_err(|e| fail(e.to_string()))?
        .to_spki_der();
    let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der)
        .map_err(|e| fail(format!("public key: {e}")))?;
    let issuer_der = alipay_protocol::armor::decode_der(issuer_private_pem.as_bytes())
        .ok_or_else(|| fail("the issuer key is not PEM".into()))?;
    let issuer_key = rsa::PrivateKey::from_pkcs8_der(&issuer_der)
        .map_err(|e| fail(format!("issuer key: {e}")))?;
    let signer = SigningKey::<Sha256>::new(issuer_key);
    let time = |t: SystemTime| Time::try_from(t).map_err(|e| fail(format!("validity: {e}")));
    let validity = Validity::new(time(not_before)?, time(not_after)?);
    let builder = CertificateBuilder::new(profile, random_serial()?, validity, spki)
        .map_err(|e| fail(e.to_string()))?;
    let cert = builder
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .map_err(|e| fail(e.to_string()))?;
    cert.to_der().map_err(|e| fail(e.to_string()))
}

/// A random positive 16-byte serial, so every issued certificate (and so every SN) is new.
fn random_serial() -> Result<SerialNumber, KeySetError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| KeySetError::Generate)?;
    // Positive and without a leading zero byte, as DER INTEGER rules want.
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).map_err(|e| KeySetError::Issue {
        what: "certificate",
        reason: format!("serial: {e}"),
    })
}
