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
use crate::keys::AlipayPublicKey;
use crate::time::Timestamp;

mod chain;
mod error;
mod material;
mod name;

pub use chain::{MAX_CHAIN_SIGNATURE_CHECKS, MAX_INTERMEDIATES, verify_chain_parsed};
pub use error::{CertError, CertRole};
use material::split_leaf;
pub use material::{AlipayCertificate, AppCertificate, CertMaterial};
pub(crate) use name::shown_dn;
use name::{RawTbs, integer_to_decimal, java_rfc2253, split_der};

/// Signature-algorithm OIDs under this arc are the RSA PKCS#1 family; Java and Node keep
/// exactly those roots when computing `alipay_root_cert_sn` (Go keeps only SHA-1/SHA-256
/// and is wrong for e.g. sha512WithRSA roots).
pub const RSA_SIGNATURE_OID_PREFIX: &str = "1.2.840.113549.1.1.";

/// `rsaEncryption`, the SubjectPublicKeyInfo algorithm of an RSA key.
const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";

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
    if input.first() == Some(&0x30) {
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
