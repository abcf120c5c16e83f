//! Public-key-certificate mode (公钥证书模式): certificate serial numbers, the root
//! bundle SN, key extraction and the chain check for a rotated Alipay certificate.
//!
//! In certificate mode every request carries `app_cert_sn` (the SN of the app
//! certificate `appCertPublicKey_<appid>.crt`) and `alipay_root_cert_sn` (the SNs of the
//! RSA-signed roots in `alipayRootCert.crt`), and every response names the Alipay
//! certificate whose key signed it in `alipay_cert_sn`.
//!
//! A certificate SN is the lowercase hex MD5 of the issuer name, rendered exactly as
//! Java's `X500Principal.getName()` prints it, followed by the serial number in decimal.
//! Java is the reference because Alipay's gateway computes the SN the same way; the
//! Node and Go SDKs differ for unusual issuer names (see `protocol.md` §6).
//!
//! Everything here is sans-IO: certificates are passed in as bytes (PEM with one or
//! several blocks, DER, or base64 of either) and the current time is passed in as a
//! [`Timestamp`]; nothing reads files or the clock.
//!
//! ```
//! use alipay_protocol::cert::{Certificate, cert_sn, root_cert_sn};
//!
//! let app = include_str!("../tests/data/certs/appCertPublicKey_2021000000000001.crt");
//! let cert = Certificate::parse(app)?;
//! assert_eq!(cert_sn(&cert), "fb49f095da221bc9603ae4cf378443ce");
//!
//! let bundle = include_str!("../tests/data/certs/alipayRootCert.crt");
//! assert_eq!(
//!     root_cert_sn(bundle)?,
//!     "ec3581008485990ca03f31b6d88e1bcc_b62a283ea92a7515fe523a1a8c140714"
//! );
//! # Ok::<(), alipay_protocol::cert::CertError>(())
//! ```

use std::fmt;
use std::time::Duration;

use md5::Digest as _;
use rsa::pkcs8::DecodePublicKey as _;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::BasicConstraints;

use crate::armor;
use crate::keys::{AlipayPublicKey, AppPrivateKey};
use crate::time::Timestamp;

mod chain;

use chain::names_match;
pub use chain::{MAX_CHAIN_SIGNATURE_CHECKS, MAX_INTERMEDIATES, verify_chain_parsed};

/// Signature-algorithm OIDs under this arc are the RSA PKCS#1 family; Java and Node keep
/// exactly those roots when computing `alipay_root_cert_sn` (Go keeps only SHA-1/SHA-256
/// and is wrong for e.g. sha512WithRSA roots).
pub const RSA_SIGNATURE_OID_PREFIX: &str = "1.2.840.113549.1.1.";

/// `rsaEncryption`, the SubjectPublicKeyInfo algorithm of an RSA key.
const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";

/// Which certificate input an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertRole {
    /// The app public-key certificate `appCertPublicKey_<appid>.crt` (应用公钥证书).
    AppCert,
    /// The Alipay public-key certificate `alipayCertPublicKey_RSA2.crt` (支付宝公钥证书).
    AlipayCert,
    /// The Alipay root certificate bundle `alipayRootCert.crt` (支付宝根证书).
    RootBundle,
    /// Extra intermediate CA certificates passed alongside an Alipay certificate.
    Intermediates,
    /// A certificate given without a role (e.g. to `alipay cert-sn`).
    Certificate,
}

impl fmt::Display for CertRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertRole::AppCert => "app public-key certificate (appCertPublicKey_<appid>.crt)",
            CertRole::AlipayCert => "Alipay public-key certificate (alipayCertPublicKey_RSA2.crt)",
            CertRole::RootBundle => "Alipay root certificate bundle (alipayRootCert.crt)",
            CertRole::Intermediates => "intermediate certificates",
            CertRole::Certificate => "certificate file",
        })
    }
}

/// Why a certificate could not be used. Messages name certificates by subject and SN;
/// they never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The input is empty or holds no certificate.
    #[error(
        "the {role} is empty or holds no certificate; give the contents of the .crt file \
         downloaded from the Alipay open platform (it starts with -----BEGIN CERTIFICATE-----)"
    )]
    Empty {
        /// Which input.
        role: CertRole,
    },
    /// The input is not a readable certificate.
    #[error(
        "the {role} could not be read: {reason}. Expected PEM (-----BEGIN CERTIFICATE-----), \
         DER, or base64 of either, as downloaded from the Alipay open platform"
    )]
    Malformed {
        /// Which input.
        role: CertRole,
        /// What went wrong, without quoting the input.
        reason: String,
    },
    /// A PEM block that is not a certificate (a key, a CSR, ...).
    #[error("the {role} contains a `{label}` PEM block, not a certificate. {hint}")]
    NotACertificate {
        /// Which input.
        role: CertRole,
        /// The PEM label found, e.g. `PRIVATE KEY`.
        label: String,
        /// What the user probably meant.
        hint: &'static str,
    },
    /// The certificate's key is not RSA, so it cannot verify RSA/RSA2 signatures.
    #[error(
        "the {role} `{subject}` (SN {sn}) holds a public key of type {algorithm}, not RSA; Alipay \
         RSA/RSA2 signatures need an RSA certificate. Download the RSA2 certificate \
         (alipayCertPublicKey_RSA2.crt / appCertPublicKey_<appid>.crt), not an SM2 or EC one"
    )]
    NotRsaKey {
        /// Which input.
        role: CertRole,
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// The key algorithm found, e.g. `EC (SM2)`.
        algorithm: String,
    },
    /// The root bundle has no RSA-signed certificate, so there is no `alipay_root_cert_sn`.
    #[error(
        "the Alipay root certificate bundle holds {certificates} certificate(s) but none is \
         signed with RSA (signature algorithm {RSA_SIGNATURE_OID_PREFIX}*), so there is no \
         alipay_root_cert_sn; check that the file is alipayRootCert.crt from the Alipay open \
         platform and not another certificate"
    )]
    NoRsaRoot {
        /// How many certificates the bundle holds.
        certificates: usize,
    },
    /// A certificate's validity period has not started yet.
    #[error(
        "the certificate `{subject}` (SN {sn}) is not valid before {not_before}, and the time \
         given is {now}; check the system clock, or wait until the certificate becomes valid"
    )]
    NotYetValid {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// Start of validity, RFC 3339 UTC.
        not_before: String,
        /// The time checked, RFC 3339 UTC.
        now: String,
    },
    /// A certificate has expired.
    #[error(
        "the certificate `{subject}` (SN {sn}) expired at {not_after}, and the time given is \
         {now}; download the current certificate from the Alipay open platform, or check the \
         system clock"
    )]
    Expired {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// End of validity, RFC 3339 UTC.
        not_after: String,
        /// The time checked, RFC 3339 UTC.
        now: String,
    },
    /// No path leads from the certificate to a root in the bundle.
    #[error(
        "the certificate `{subject}` (SN {sn}) does not chain to the configured Alipay root \
         certificate bundle: no root in the bundle and no intermediate given is its issuer \
         `{issuer}`. Check that the certificate really comes from Alipay, that \
         alipayRootCert.crt is the current bundle, and, if the certificate file holds only the \
         leaf, pass the intermediate CA certificate as well"
    )]
    UntrustedChain {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// The issuer that could not be found (RFC 2253).
        issuer: String,
    },
    /// The issuer was found by name but its key did not verify the certificate's signature.
    #[error(
        "the signature on the certificate `{subject}` (SN {sn}) does not verify with the key \
         of its issuer `{issuer}`: the certificate was altered or was not issued by that CA. \
         Download it again from the Alipay open platform"
    )]
    BadSignature {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// The issuer whose key was tried (RFC 2253).
        issuer: String,
    },
    /// The certificate is signed with an algorithm this crate does not verify.
    #[error(
        "the certificate `{subject}` (SN {sn}) is signed with {algorithm}, which cannot be \
         checked here (supported: RSA PKCS#1 v1.5 with SHA-1/256/384/512); use the RSA \
         certificate chain Alipay provides"
    )]
    UnsupportedSignature {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
        /// The signature algorithm (name or OID).
        algorithm: String,
    },
    /// An intermediate certificate that is not a CA was used as an issuer.
    #[error(
        "the certificate `{subject}` (SN {sn}) is used as an issuer but is not a CA \
         certificate (no basicConstraints cA=TRUE); an end-entity certificate cannot issue \
         others. Supply the real intermediate CA certificate from Alipay"
    )]
    IssuerNotCa {
        /// The certificate's subject (RFC 2253).
        subject: String,
        /// The certificate's SN.
        sn: String,
    },
    /// The chain check was stopped because the input needs too much work: more than
    /// [`MAX_CHAIN_SIGNATURE_CHECKS`] signature checks (many look-alike CA certificates).
    #[error(
        "checking that the certificate `{subject}` (SN {sn}) chains to the Alipay root \
         certificate bundle was stopped after {limit} signature checks, the most one check \
         may make: the certificates given with it offer too many candidate issuers (e.g. many \
         CA certificates sharing one name). Give only the Alipay certificate and its \
         intermediate CA certificate from the Alipay open platform"
    )]
    ChainSearchTooExpensive {
        /// The subject of the certificate being checked (RFC 2253).
        subject: String,
        /// Its SN.
        sn: String,
        /// The cap, [`MAX_CHAIN_SIGNATURE_CHECKS`].
        limit: usize,
    },
    /// The Alipay certificate holds the same key as the app certificate.
    #[error(
        "the Alipay public-key certificate holds the same key as the app certificate (SN {sn}): \
         the files were mixed up. Use alipayCertPublicKey_RSA2.crt for the Alipay certificate \
         and appCertPublicKey_<appid>.crt for the app certificate"
    )]
    AlipayCertIsAppCert {
        /// The SN of the certificate given as the Alipay certificate.
        sn: String,
    },
    /// A replacement Alipay certificate that chains to the roots but is not Alipay's
    /// signing certificate: a CA certificate, or one issued to another subject (any
    /// merchant's app certificate chains to the same roots).
    #[error(
        "the new certificate (SN {sn}) is not a replacement for the Alipay certificate: {reason}. \
         Use the alipayCertPublicKey_RSA2.crt Alipay issued for this app"
    )]
    NotAlipayCertificate {
        /// The SN of the rejected certificate.
        sn: String,
        /// Why, without key material.
        reason: String,
    },
    /// The app certificate does not hold the public half of the app private key.
    #[error(
        "the app certificate (SN {sn}) does not belong to the app private key (key fingerprint \
         {key_fingerprint}, certificate key fingerprint {cert_fingerprint}); requests would fail \
         with isv.invalid-signature. Use the appCertPublicKey_<appid>.crt issued for this key"
    )]
    AppCertKeyMismatch {
        /// The app certificate's SN.
        sn: String,
        /// Fingerprint of the private key's public half.
        key_fingerprint: String,
        /// Fingerprint of the certificate's key.
        cert_fingerprint: String,
    },
    /// A response named an Alipay certificate that is not configured.
    #[error(
        "the response is signed with the Alipay certificate SN `{sn}`, which is not among the \
         configured Alipay public-key certificates; Alipay has probably rotated its \
         certificate. Download the new alipayCertPublicKey_RSA2.crt (SN {sn}) from the open \
         platform console and supply it with CertMaterial::accept_rotated, which checks that \
         it is a signing certificate with the Alipay subject chaining to alipayRootCert.crt"
    )]
    UnknownAlipayCertSn {
        /// The SN that arrived in `alipay_cert_sn`, trimmed; a value that is not hex of
        /// at most 64 characters is replaced by its length (it arrived unverified).
        sn: String,
    },
}

/// A parsed X.509 certificate, kept together with the exact bytes it was read from
/// (names and signatures are checked against those bytes, never a re-encoding).
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    x509: x509_cert::Certificate,
    tbs_der: Vec<u8>,
    issuer_der: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_dn: String,
    subject_dn: String,
    serial_decimal: String,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_dn)
            .field("issuer", &self.issuer_dn)
            .field("serial", &self.serial_decimal)
            .field("sn", &cert_sn(self))
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parses the first certificate of `input` (PEM, DER, or base64 of either). Use
    /// [`parse_certificates`] to read every certificate of a bundle.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, CertError> {
        let role = CertRole::Certificate;
        parse_certificates_as(input.as_ref(), role)?
            .into_iter()
            .next()
            .ok_or(CertError::Empty { role })
    }

    /// Parses one DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        Self::from_der_as(der, CertRole::Certificate)
    }

    fn from_der_as(der: &[u8], role: CertRole) -> Result<Self, CertError> {
        let bad = |reason: String| CertError::Malformed { role, reason };
        let x509 = x509_cert::Certificate::from_der(der)
            .map_err(|e| bad(format!("invalid X.509 certificate ({e})")))?;
        let raw = RawTbs::split(der)
            .ok_or_else(|| bad("the certificate's DER structure is not as expected".into()))?;
        let issuer_dn =
            java_rfc2253(raw.issuer).ok_or_else(|| bad("the issuer name cannot be read".into()))?;
        let subject_dn = java_rfc2253(raw.subject)
            .ok_or_else(|| bad("the subject name cannot be read".into()))?;
        let serial_decimal = integer_to_decimal(raw.serial)
            .ok_or_else(|| bad("the serial number is empty".into()))?;
        Ok(Certificate {
            der: der.to_vec(),
            tbs_der: raw.tbs.to_vec(),
            issuer_der: raw.issuer.to_vec(),
            subject_der: raw.subject.to_vec(),
            x509,
            issuer_dn,
            subject_dn,
            serial_decimal,
        })
    }

    /// The DER encoding the certificate was read from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer name as Java's `X500Principal.getName()` (RFC 2253) prints it: most
    /// specific RDN first, `,` without spaces, unknown attribute types as `OID=#hex`.
    pub fn issuer_dn(&self) -> &str {
        &self.issuer_dn
    }

    /// The subject name, rendered like [`Certificate::issuer_dn`].
    pub fn subject_dn(&self) -> &str {
        &self.subject_dn
    }

    /// The serial number in decimal, as Java's `BigInteger.toString()` prints it (no
    /// leading zeros; a non-conforming negative serial keeps its `-`).
    pub fn serial_decimal(&self) -> &str {
        &self.serial_decimal
    }

    /// The exact text whose MD5 is the certificate SN: issuer DN followed by the serial.
    pub fn sn_input(&self) -> String {
        format!("{}{}", self.issuer_dn, self.serial_decimal)
    }

    /// The certificate SN; same as [`cert_sn`].
    pub fn sn(&self) -> String {
        cert_sn(self)
    }

    /// The signature algorithm OID in dotted form, e.g. `1.2.840.113549.1.1.11`.
    pub fn signature_algorithm_oid(&self) -> String {
        self.x509.signature_algorithm().oid.to_string()
    }

    /// A readable name for the signature algorithm (`sha256WithRSAEncryption`,
    /// `SM2-with-SM3`, ...), or the dotted OID when unknown.
    pub fn signature_algorithm_name(&self) -> String {
        let oid = self.signature_algorithm_oid();
        signature_algorithm_label(&oid)
            .map(str::to_owned)
            .unwrap_or(oid)
    }

    /// Whether the signature algorithm is in the RSA PKCS#1 family: the roots kept for
    /// `alipay_root_cert_sn`.
    pub fn is_rsa_signed(&self) -> bool {
        self.signature_algorithm_oid()
            .starts_with(RSA_SIGNATURE_OID_PREFIX)
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> Timestamp {
        unix_timestamp(
            self.x509
                .tbs_certificate()
                .validity()
                .not_before
                .to_unix_duration(),
        )
    }

    /// End of the validity period.
    pub fn not_after(&self) -> Timestamp {
        unix_timestamp(
            self.x509
                .tbs_certificate()
                .validity()
                .not_after
                .to_unix_duration(),
        )
    }

    /// Fails unless `now` lies within the validity period (both ends inclusive).
    pub fn check_validity(&self, now: Timestamp) -> Result<(), CertError> {
        if now < self.not_before() {
            return Err(CertError::NotYetValid {
                subject: shown_dn(&self.subject_dn),
                sn: self.sn(),
                not_before: rfc3339(self.not_before()),
                now: rfc3339(now),
            });
        }
        if now > self.not_after() {
            return Err(CertError::Expired {
                subject: shown_dn(&self.subject_dn),
                sn: self.sn(),
                not_after: rfc3339(self.not_after()),
                now: rfc3339(now),
            });
        }
        Ok(())
    }

    /// The public-key algorithm, e.g. `RSA`, `EC (SM2)`, `EC (P-256)`, or the OID.
    pub fn public_key_algorithm(&self) -> String {
        let spki = self.x509.tbs_certificate().subject_public_key_info();
        let oid = spki.algorithm.oid.to_string();
        match oid.as_str() {
            RSA_ENCRYPTION_OID => "RSA".into(),
            "1.2.840.10045.2.1" => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                    .map(|c| c.to_string());
                match curve.as_deref() {
                    Some("1.2.156.10197.1.301") => "EC (SM2)".into(),
                    Some("1.2.840.10045.3.1.7") => "EC (P-256)".into(),
                    Some("1.3.132.0.34") => "EC (P-384)".into(),
                    Some("1.3.132.0.35") => "EC (P-521)".into(),
                    Some(other) => format!("EC ({other})"),
                    None => "EC".into(),
                }
            }
            "1.3.101.112" => "Ed25519".into(),
            _ => oid,
        }
    }

    /// The certificate's RSA public key, ready to verify signatures.
    pub fn rsa_public_key(&self) -> Result<AlipayPublicKey, CertError> {
        self.rsa_public_key_as(CertRole::Certificate)
    }

    fn rsa_public_key_as(&self, role: CertRole) -> Result<AlipayPublicKey, CertError> {
        let spki = self.x509.tbs_certificate().subject_public_key_info();
        if spki.algorithm.oid.to_string() != RSA_ENCRYPTION_OID {
            return Err(CertError::NotRsaKey {
                role,
                subject: shown_dn(&self.subject_dn),
                sn: self.sn(),
                algorithm: self.public_key_algorithm(),
            });
        }
        let bad = |reason: String| CertError::Malformed { role, reason };
        let spki_der = spki
            .to_der()
            .map_err(|e| bad(format!("the public key cannot be re-encoded ({e})")))?;
        let key = rsa::PublicKey::from_public_key_der(&spki_der)
            .map_err(|e| bad(format!("the RSA public key is invalid ({e})")))?;
        // Re-encoding a key that just decoded cannot fail in practice; the mapping keeps
        // the message free of key material either way.
        AlipayPublicKey::from_rustcrypto(key)
            .map_err(|_| bad("the RSA public key cannot be used".into()))
    }

    /// Whether the certificate says it is a CA (basicConstraints cA=TRUE). A malformed
    /// or duplicated extension counts as "not a CA", the safe answer.
    pub fn is_ca(&self) -> bool {
        matches!(
            self.x509
                .tbs_certificate()
                .get_extension::<BasicConstraints>(),
            Ok(Some((_, BasicConstraints { ca: true, .. })))
        )
    }
}

/// Reads every certificate of `input`, in file order: PEM with any number of
/// `CERTIFICATE` blocks (CRLF, indentation, stray blank lines and literal `\n` escapes are
/// tolerated), one or more concatenated DER certificates, or base64 of DER or of PEM (as
/// `alipay.open.app.alipaycert.download` returns it).
pub fn parse_certificates(input: impl AsRef<[u8]>) -> Result<Vec<Certificate>, CertError> {
    parse_certificates_as(input.as_ref(), CertRole::Certificate)
}

fn parse_certificates_as(input: &[u8], role: CertRole) -> Result<Vec<Certificate>, CertError> {
    let ders = decode_input(input, role, true)?;
    let certs = ders
        .iter()
        .map(|der| Certificate::from_der_as(der, role))
        .collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(CertError::Empty { role });
    }
    Ok(certs)
}

/// The certificate SN: lowercase hex MD5 (32 characters) of the UTF-8 bytes of
/// [`Certificate::issuer_dn`] followed by [`Certificate::serial_decimal`].
pub fn cert_sn(cert: &Certificate) -> String {
    let digest = md5::Md5::digest(cert.sn_input().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `alipay_root_cert_sn` of a root bundle: the SNs of the RSA-signed certificates
/// (signature OID under `1.2.840.113549.1.1.`), in file order, joined with `_`.
pub fn root_cert_sn(bundle: impl AsRef<[u8]>) -> Result<String, CertError> {
    root_cert_sn_of(&parse_certificates_as(
        bundle.as_ref(),
        CertRole::RootBundle,
    )?)
}

/// [`root_cert_sn`] over already parsed certificates.
pub fn root_cert_sn_of(bundle: &[Certificate]) -> Result<String, CertError> {
    let kept: Vec<String> = bundle
        .iter()
        .filter(|c| c.is_rsa_signed())
        .map(cert_sn)
        .collect();
    if kept.is_empty() {
        return Err(CertError::NoRsaRoot {
            certificates: bundle.len(),
        });
    }
    Ok(kept.join("_"))
}

/// Checks that the first certificate of `leaf_chain` (the leaf; any further
/// certificates in the same input are used as intermediates) chains to a root of
/// `root_bundle`, with every signature, issuer name and validity period checked at `now`.
pub fn verify_chain(
    leaf_chain: impl AsRef<[u8]>,
    root_bundle: impl AsRef<[u8]>,
    now: Timestamp,
) -> Result<(), CertError> {
    verify_chain_with_intermediates(leaf_chain, &[] as &[u8], root_bundle, now)
}

/// [`verify_chain`] with further intermediate CA certificates supplied separately, for a
/// leaf file that does not include its intermediate. `intermediates` may be empty.
pub fn verify_chain_with_intermediates(
    leaf_chain: impl AsRef<[u8]>,
    intermediates: impl AsRef<[u8]>,
    root_bundle: impl AsRef<[u8]>,
    now: Timestamp,
) -> Result<(), CertError> {
    let (leaf, mut pool) = split_leaf(parse_certificates_as(
        leaf_chain.as_ref(),
        CertRole::AlipayCert,
    )?);
    if !is_blank(intermediates.as_ref()) {
        pool.extend(parse_certificates_as(
            intermediates.as_ref(),
            CertRole::Intermediates,
        )?);
    }
    let roots = parse_certificates_as(root_bundle.as_ref(), CertRole::RootBundle)?;
    verify_chain_parsed(&leaf, &pool, &roots, now)
}

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
fn split_leaf(mut certs: Vec<Certificate>) -> (Certificate, Vec<Certificate>) {
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

/// The raw parts of a certificate the SN and signature checks need, sliced from the
/// original DER so a re-encoding can never change what is hashed or verified.
struct RawTbs<'a> {
    tbs: &'a [u8],
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
}

impl<'a> RawTbs<'a> {
    fn split(der: &'a [u8]) -> Option<Self> {
        let (outer, _) = read_tlv(der, TAG_SEQUENCE)?;
        let (tbs, _) = read_tlv(outer.content, TAG_SEQUENCE)?;
        let mut rest = tbs.content;
        // `[0] EXPLICIT Version` is absent in v1 certificates.
        if rest.first() == Some(&0xa0) {
            rest = read_any(rest)?.1;
        }
        let (serial, rest) = read_tlv(rest, TAG_INTEGER)?;
        let (_signature, rest) = read_tlv(rest, TAG_SEQUENCE)?;
        let (issuer, rest) = read_tlv(rest, TAG_SEQUENCE)?;
        let (_validity, rest) = read_tlv(rest, TAG_SEQUENCE)?;
        let (subject, _) = read_tlv(rest, TAG_SEQUENCE)?;
        Some(RawTbs {
            tbs: tbs.whole,
            serial: serial.content,
            issuer: issuer.whole,
            subject: subject.whole,
        })
    }
}

const TAG_INTEGER: u8 = 0x02;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_OID: u8 = 0x06;

/// One DER element: the whole encoding (tag, length, content) and the content.
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    content: &'a [u8],
}

/// Reads one element of any tag; `None` on truncated or unsupported (high-tag-number or
/// over-long) encodings, which never occur in the structures walked here.
fn read_any(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let whole = input.get(..end)?;
    let content = whole.get(header..)?;
    let rest = input.get(end..)?;
    Some((
        Tlv {
            tag,
            whole,
            content,
        },
        rest,
    ))
}

fn read_tlv(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    read_any(input).filter(|(tlv, _)| tlv.tag == tag)
}

/// Renders a DER `Name` exactly as Java's `X500Principal.getName()` (RFC 2253 form of
/// `sun.security.x509.X500Name.getRFC2253Name()`), since the SN hashes that text.
/// The longest distinguished name shown in full in error text.
const MAX_SHOWN_DN_CHARS: usize = 200;

/// A certificate name as it may appear in error text. Names come from the input (a
/// rotation certificate may be anyone's), so control and bidi characters are shown
/// escaped and a long name is cut, marked with `…` and its full length.
pub(crate) fn shown_dn(dn: &str) -> String {
    let mut out = String::new();
    for (i, c) in dn.chars().enumerate() {
        if i == MAX_SHOWN_DN_CHARS {
            out.push_str(&format!("… ({} characters)", dn.chars().count()));
            break;
        }
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn java_rfc2253(name_der: &[u8]) -> Option<String> {
    let (seq, _) = read_tlv(name_der, TAG_SEQUENCE)?;
    let mut rdns = Vec::new();
    let mut rest = seq.content;
    while !rest.is_empty() {
        let (set, next) = read_tlv(rest, TAG_SET)?;
        rest = next;
        let mut avas = Vec::new();
        let mut inner = set.content;
        while !inner.is_empty() {
            let (ava, next) = read_tlv(inner, TAG_SEQUENCE)?;
            inner = next;
            avas.push(java_ava(ava.content)?);
        }
        // Multi-valued RDNs keep their encoded order, as Java's non-canonical form does.
        rdns.push(avas.join("+"));
    }
    // RFC 2253 prints the most specific RDN (the last encoded) first.
    rdns.reverse();
    Some(rdns.join(","))
}

/// One `AttributeTypeAndValue`, as `sun.security.x509.AVA.toRFC2253String()`.
fn java_ava(ava: &[u8]) -> Option<String> {
    let (oid, rest) = read_tlv(ava, TAG_OID)?;
    let (value, _) = read_any(rest)?;
    let oid = ObjectIdentifier::from_bytes(oid.content).ok()?.to_string();
    // Java's RFC 2253 keyword table: only these types get a name; every other type
    // (emailAddress, serialNumber, ...) is printed as its dotted OID.
    let keyword = match oid.as_str() {
        "2.5.4.3" => Some("CN"),
        "2.5.4.6" => Some("C"),
        "2.5.4.7" => Some("L"),
        "2.5.4.8" => Some("ST"),
        "2.5.4.10" => Some("O"),
        "2.5.4.11" => Some("OU"),
        "2.5.4.9" => Some("STREET"),
        "0.9.2342.19200300.100.1.25" => Some("DC"),
        "0.9.2342.19200300.100.1.1" => Some("UID"),
        _ => None,
    };
    // Java prints the value as text only for these string types: PrintableString,
    // T61String, IA5String, GeneralString, BMPString, UTF8String.
    let is_string = matches!(value.tag, 0x13 | 0x14 | 0x16 | 0x1b | 0x1e | 0x0c);
    match keyword {
        Some(keyword) if is_string => {
            // Java decodes the content bytes as UTF-8 whatever the string type
            // (`new String(value.getDataBytes(), UTF_8)`), replacing invalid sequences.
            let text = String::from_utf8_lossy(value.content);
            Some(format!("{keyword}={}", java_escape(&text)))
        }
        _ => {
            let hex: String = value.whole.iter().map(|b| format!("{b:02x}")).collect();
            Some(format!("{}=#{hex}", keyword.unwrap_or(&oid)))
        }
    }
}

/// Java's RFC 2253 value escaping: a backslash before each of `,=+<>#;"\` anywhere
/// (Java also escapes `=` and a non-leading `#`, beyond the RFC's minimum), NUL as
/// `\00`, and a backslash before every leading or trailing space or CR.
fn java_escape(value: &str) -> String {
    const ESCAPEES: &str = ",=+<>#;\"\\";
    let mut chars: Vec<char> = Vec::with_capacity(value.len());
    for c in value.chars() {
        if ESCAPEES.contains(c) {
            chars.push('\\');
            chars.push(c);
        } else if c == '\0' {
            chars.extend(['\\', '0', '0']);
        } else {
            chars.push(c);
        }
    }
    let is_space = |c: &char| *c == ' ' || *c == '\r';
    let lead = chars
        .iter()
        .position(|c| !is_space(c))
        .unwrap_or(chars.len());
    let trail = chars.iter().rposition(|c| !is_space(c));
    let mut out = String::with_capacity(chars.len() + 2);
    for (i, c) in chars.into_iter().enumerate() {
        if i < lead || trail.is_none_or(|t| i > t) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A DER INTEGER's content (big-endian two's complement) in decimal, as Java's
/// `BigInteger.toString()`. Repeated division by ten over the bytes: serials are at most
/// ~20 bytes, so no bignum dependency is needed.
fn integer_to_decimal(content: &[u8]) -> Option<String> {
    let first = *content.first()?;
    let negative = first & 0x80 != 0;
    let mut magnitude = content.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    while magnitude.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in magnitude.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            // cur < 10 * 256, so the quotient fits a byte.
            *b = u8::try_from(cur / 10).unwrap_or(u8::MAX);
            rem = cur % 10;
        }
        digits.push(char::from(b'0' + u8::try_from(rem).unwrap_or(0)));
    }
    if digits.is_empty() {
        return Some("0".into());
    }
    if negative {
        digits.push('-');
    }
    Some(digits.into_iter().rev().collect())
}

/// Splits the input into DER certificates. `decode_base64` allows one level of "base64 of
/// PEM/DER", the form the certificate download API returns. Text goes through
/// [`crate::armor`], the decoder keys use too.
fn decode_input(
    input: &[u8],
    role: CertRole,
    decode_base64: bool,
) -> Result<Vec<Vec<u8>>, CertError> {
    let bad = |reason: &str| CertError::Malformed {
        role,
        reason: reason.into(),
    };
    // Raw DER starts with a SEQUENCE tag; text never does.
    if input.first() == Some(&TAG_SEQUENCE) {
        return split_der(input)
            .ok_or_else(|| bad("the DER data is truncated or not a sequence of certificates"));
    }
    let text = std::str::from_utf8(input).map_err(|_| bad("it is neither text nor DER"))?;
    let text = armor::normalise(text);
    if text.is_empty() {
        return Err(CertError::Empty { role });
    }
    if armor::has_pem(&text) {
        return pem_blocks(&text, role);
    }
    if !decode_base64 {
        return Err(bad("the decoded base64 is neither PEM nor DER"));
    }
    let bytes = armor::decode_base64(&text).ok_or_else(|| {
        bad("no -----BEGIN CERTIFICATE----- block was found and the text is not base64")
    })?;
    decode_input(&bytes, role, false)
}

/// Every PEM block, in order; a block that is not a certificate is an error rather than
/// silently skipped, because it usually means the wrong file was given.
fn pem_blocks(text: &str, role: CertRole) -> Result<Vec<Vec<u8>>, CertError> {
    let bad = |reason: String| CertError::Malformed { role, reason };
    let mut ders = Vec::new();
    let mut rest = text;
    while let Some((block, after)) = armor::next_block(rest).map_err(|e| bad(e.to_string()))? {
        rest = after;
        let label = block.label.as_str();
        let hint = match label {
            "CERTIFICATE" | "X509 CERTIFICATE" => None,
            l if l.contains("PRIVATE KEY") => Some(
                "This is a private key: never configure or share it here. Certificate mode \
                 needs the .crt certificate files",
            ),
            l if l.contains("PUBLIC KEY") => Some(
                "This is a bare public key, which is public-key mode (公钥模式); certificate \
                 mode needs the .crt certificate files",
            ),
            l if l.contains("CERTIFICATE REQUEST") => Some(
                "This is a certificate signing request (CSR); upload it to the Alipay open \
                 platform and use the certificate it issues",
            ),
            _ => Some("Give the .crt certificate file downloaded from the Alipay open platform"),
        };
        if let Some(hint) = hint {
            return Err(CertError::NotACertificate {
                role,
                label: block.label,
                hint,
            });
        }
        let der = block
            .decode()
            .ok_or_else(|| bad("a CERTIFICATE block does not hold valid base64".into()))?;
        if der.is_empty() {
            return Err(bad("a CERTIFICATE block is empty".into()));
        }
        ders.push(der);
    }
    if ders.is_empty() {
        return Err(CertError::Empty { role });
    }
    Ok(ders)
}

/// Concatenated DER certificates (a `.der` bundle) split at element boundaries.
fn split_der(mut input: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read_tlv(input, TAG_SEQUENCE)?;
        out.push(tlv.whole.to_vec());
        input = rest;
    }
    Some(out)
}

fn is_blank(input: &[u8]) -> bool {
    input.iter().all(u8::is_ascii_whitespace)
}

fn unix_timestamp(d: Duration) -> Timestamp {
    Timestamp::from_unix(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// RFC 3339 UTC for error messages (certificate times are UTC; Beijing time here would
/// only confuse the comparison with `openssl x509 -dates`).
fn rfc3339(t: Timestamp) -> String {
    u64::try_from(t.unix_secs())
        .ok()
        .and_then(|s| x509_cert::der::DateTime::from_unix_duration(Duration::from_secs(s)).ok())
        .map(|dt| dt.to_string())
        .unwrap_or_else(|| format!("unix time {}", t.unix_secs()))
}

/// Readable names for the signature algorithms found in Alipay root bundles.
fn signature_algorithm_label(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.156.10197.1.501" => "SM2-with-SM3",
        "1.3.101.112" => "Ed25519",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_in_errors_are_escaped_and_capped() {
        let hostile = "CN=a\u{1b}[2J\r\nforged: ok\u{202e}x";
        let shown = shown_dn(hostile);
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown}"
        );
        assert!(
            shown.contains("\\u{1b}") && shown.contains("\\u{202e}"),
            "{shown}"
        );
        let long = format!("CN={}", "x".repeat(5000));
        let shown = shown_dn(&long);
        assert!(
            shown.chars().count() < MAX_SHOWN_DN_CHARS + 40,
            "{}",
            shown.len()
        );
        assert!(shown.ends_with("… (5003 characters)"), "{shown}");
        assert_eq!(
            shown_dn("CN=Ant Financial Certification Authority Class 2 R1"),
            "CN=Ant Financial Certification Authority Class 2 R1"
        );
    }

    use super::*;

    #[test]
    fn decimal_of_integers() {
        assert_eq!(integer_to_decimal(&[0x00]).unwrap(), "0");
        assert_eq!(integer_to_decimal(&[0x05]).unwrap(), "5");
        assert_eq!(integer_to_decimal(&[0x00, 0xff, 0x01]).unwrap(), "65281");
        assert_eq!(integer_to_decimal(&[0xff]).unwrap(), "-1");
        assert_eq!(integer_to_decimal(&[0x80]).unwrap(), "-128");
        assert_eq!(integer_to_decimal(&[0xff, 0x00]).unwrap(), "-256");
        assert_eq!(
            integer_to_decimal(&[0x78, 0x68, 0x04, 0x12]).unwrap(),
            "2020082706"
        );
        assert!(integer_to_decimal(&[]).is_none());
    }

    #[test]
    fn java_escaping() {
        assert_eq!(java_escape("Test, Inc."), "Test\\, Inc.");
        assert_eq!(
            java_escape("Exotic \"Quoted\" CA"),
            "Exotic \\\"Quoted\\\" CA"
        );
        assert_eq!(
            java_escape("a=b#c+d<e>f;g\\h"),
            "a\\=b\\#c\\+d\\<e\\>f\\;g\\\\h"
        );
        assert_eq!(java_escape(" lead"), "\\ lead");
        assert_eq!(java_escape("trail  "), "trail\\ \\ ");
        assert_eq!(java_escape("   "), "\\ \\ \\ ");
        assert_eq!(java_escape("nul\0"), "nul\\00");
        assert_eq!(java_escape("测试部门"), "测试部门");
    }

    #[test]
    fn truncated_der_is_rejected_without_panicking() {
        for input in [
            &[0x30][..],
            &[0x30, 0x82, 0x01],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x03, 0x02],
        ] {
            assert!(read_any(input).is_none() || split_der(input).is_none());
            assert!(Certificate::from_der(input).is_err());
        }
    }
}
