//! Configuration rows: certificate mode (the app, Alipay and root certificates, their
//! chain, validity and mix-ups with public-key mode).

use super::*;

pub(super) fn rows() -> Vec<Row> {
    use Area::Config as C;
    vec![
        // --- certificates ---
        row(
            C,
            "certificates: the valid set (control)",
            |fx| build(fx.cert_base()),
            Expect::Accepted,
        ),
        row(
            C,
            "certificates: garbage app certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    "not a certificate",
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::Malformed { .. } | CertError::Empty { .. }
                )),
                ["app public-key certificate", "could not be read"]
            ),
        ),
        row(
            C,
            "certificates: empty root bundle",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    ALIPAY_CERT,
                    "",
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Empty { .. })),
                ["root certificate bundle", "empty"]
            ),
        ),
        row(
            C,
            "certificates: expired at the client's time",
            |fx| {
                build(fx.cert_base().clock(|| {
                    UNIX_EPOCH + Duration::from_secs(2_556_144_000) // 2051-01-01
                }))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Expired { .. })),
                ["expired"]
            ),
        ),
        row(
            C,
            "certificates: not yet valid at the client's time",
            |fx| {
                build(fx.cert_base().clock(|| {
                    UNIX_EPOCH + Duration::from_secs(1_546_300_800) // 2019-01-01
                }))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::NotYetValid { .. })),
                ["not valid before"]
            ),
        ),
        row(
            C,
            "certificates: Alipay certificate under another root",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    FOREIGN_ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            // Its CA has the same name as ours, so the chain is found by name and the
            // signature check is what fails.
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::UntrustedChain { .. } | CertError::BadSignature { .. }
                )),
                ["does not chain|does not verify"]
            ),
        ),
        row(
            C,
            "certificates: self-signed Alipay certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    SELF_SIGNED_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::UntrustedChain { .. } | CertError::BadSignature { .. }
                )),
                ["does not chain|does not verify"]
            ),
        ),
        row(
            C,
            "certificates: the Alipay certificate given as the app certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    ALIPAY_CERT,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::AlipayCertIsAppCert { .. }
                )),
                ["mixed up"]
            ),
        ),
        row(
            C,
            "certificates: app certificate of another key",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    FOREIGN_ALIPAY_CERT,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::AppCertKeyMismatch { .. }
                )),
                ["app private key|app certificate"]
            ),
        ),
        row(
            C,
            "certificates: a private key given as a certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    ALIPAY_CERT,
                    APP_PRIVATE,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::NotACertificate { .. })),
                ["not a certificate"]
            ),
        ),
        row(
            C,
            "certificates: PEM header without its closing dashes",
            |fx| {
                let broken =
                    APP_CERT.replacen("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE", 1);
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    broken,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Malformed { .. })),
                ["PEM|header"]
            ),
        ),
        row(
            C,
            "trust set twice: the last setting (public-key mode) wins",
            |fx| {
                build(
                    fx.cert_base()
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC)),
                )
            },
            Expect::Accepted,
        ),
    ]
}
