//! The verify stage: an answer arrived, but its signature or certificate cannot be trusted.

use std::error::Error as StdError;
use std::fmt;

use alipay_protocol::{CertError, SignType};

/// The answer cannot be trusted: its signature does not verify, or it names an Alipay
/// certificate the client does not know or cannot trust now. Nothing of it is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The response signature does not verify (or is missing from a success).
    #[error(transparent)]
    SignatureMismatch(SignatureMismatch),
    /// Certificate mode: the response names an Alipay certificate (`alipay_cert_sn`)
    /// the client does not know, typically because Alipay rotated its certificate.
    #[error(transparent)]
    UnknownAlipayCertificate(UnknownAlipayCertificate),
    /// Certificate mode: the answer is signed under an Alipay certificate that is not
    /// valid at the client clock's time (expired, or not yet valid).
    #[error("the answer's Alipay certificate cannot be trusted now")]
    CertificateInvalid(#[source] CertError),
    /// OpenAPI v3: the answer's signature verified, but its `alipay-timestamp` is
    /// further from the client clock than the window
    /// ([`ClientBuilder::v3_answer_window`](crate::ClientBuilder::v3_answer_window)), or
    /// its `alipay-nonce` was already seen within it: an old answer played again.
    #[error("the v3 answer verified but is stale or replayed; it was not used")]
    StaleOrReplayed(#[source] alipay_protocol::v3::ReplayError),
}

/// The response signature does not verify, or a success came without one. The
/// response data is never included: it may be forged.
#[derive(Debug, Clone)]
pub struct SignatureMismatch {
    pub(crate) node: String,
    pub(crate) sign_type: SignType,
    pub(crate) key_fingerprint: String,
    pub(crate) missing: bool,
}

impl SignatureMismatch {
    /// The response node whose signature was checked, e.g. `alipay_trade_query_response`.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The fingerprint of the Alipay public key it was checked against.
    pub fn key_fingerprint(&self) -> &str {
        &self.key_fingerprint
    }

    /// True when the answer carried no signature at all.
    pub fn is_missing(&self) -> bool {
        self.missing
    }
}

impl fmt::Display for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.missing {
            return write!(
                f,
                "the `{}` response carries no signature although it is not an error; refusing \
                 unsigned data (is something between you and the gateway rewriting answers?)",
                self.node
            );
        }
        write!(
            f,
            "the signature of the `{}` response does not verify ({}, Alipay public key {}). \
             Check that the configured Alipay public key is the 支付宝公钥 shown for this app \
             in the Alipay console (not the app public key, not another app's key), that \
             sign_type matches the app's setting, and that the gateway URL is the right \
             environment (sandbox and production use different keys)",
            self.node, self.sign_type, self.key_fingerprint
        )
    }
}

impl StdError for SignatureMismatch {}

/// Certificate mode: a response was signed with an Alipay certificate whose SN is not
/// among the client's (Alipay rotates its certificate before the old one expires).
#[derive(Debug, Clone)]
pub struct UnknownAlipayCertificate {
    pub(crate) sn: String,
    pub(crate) known: Vec<String>,
}

impl UnknownAlipayCertificate {
    /// The `alipay_cert_sn` that arrived: the SN of the certificate to fetch.
    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// The SNs of the Alipay certificates the client knows, oldest first.
    pub fn known(&self) -> &[String] {
        &self.known
    }
}

impl fmt::Display for UnknownAlipayCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response is signed with the Alipay certificate SN `{sn}`, which this client does \
             not know (it knows {known}); Alipay has probably rotated its certificate. Download \
             the new alipayCertPublicKey_RSA2.crt (SN {sn}) from the open platform console and \
             pass it to AlipayClient::accept_alipay_certificate, which accepts it only if it is \
             a signing certificate with the configured Alipay certificate's subject that \
             chains to the configured alipayRootCert.crt; or configure the new file and rebuild \
             the client. The response was not used",
            sn = self.sn,
            known = self.known.join(", "),
        )
    }
}

impl StdError for UnknownAlipayCertificate {}

/// Why [`AlipayClient::accept_alipay_certificate`](crate::AlipayClient::accept_alipay_certificate)
/// refused a certificate. The client's certificates are unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptCertificateError {
    /// The client is in public-key mode, where there are no Alipay certificates.
    #[error(
        "this client verifies with the Alipay public key, not certificates; configure \
         ClientBuilder::certificates(app_cert, alipay_cert, root_bundle) to use certificate mode"
    )]
    NotCertificateMode,
    /// The certificate is unreadable, does not chain to the configured root bundle (at
    /// the client clock's time), or is the app's own certificate.
    #[error("the Alipay certificate was not accepted")]
    Rejected(#[source] CertError),
}
