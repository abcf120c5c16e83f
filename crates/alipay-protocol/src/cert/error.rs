//! Certificate errors, and which certificate input each is about.

use std::fmt;

use super::RSA_SIGNATURE_OID_PREFIX;

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
    /// [`MAX_CHAIN_SIGNATURE_CHECKS`](super::MAX_CHAIN_SIGNATURE_CHECKS) signature checks (many look-alike CA certificates).
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
        /// The cap, [`MAX_CHAIN_SIGNATURE_CHECKS`](super::MAX_CHAIN_SIGNATURE_CHECKS).
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
