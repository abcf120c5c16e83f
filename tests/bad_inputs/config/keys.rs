//! Configuration rows: the app private key and the Alipay public key (formats, wrong
//! halves, sizes, encodings).

use super::*;

/// The PEM with its line breaks written as the two characters `\n`, as keys arrive
/// through environment variables and CI secrets.
fn with_literal_newlines(pem: &str) -> String {
    pem.trim_end().replace('\n', "\\n")
}

/// The public half of the 1024-bit key, as PEM.
fn small_public_pem() -> String {
    let key = AppPrivateKey::parse(SMALL_PRIVATE).unwrap();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        key.public_key().to_base64()
    )
}

pub(super) fn rows() -> Vec<Row> {
    use Area::Config as C;
    vec![
        // --- the app private key ---
        row(
            C,
            "app key: garbage text",
            |fx| {
                build(
                    fx.base()
                        .app_private_key("this is not a key, it is a sentence"),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["base64|could not be read"]
            ),
        ),
        row(
            C,
            "app key: empty",
            |fx| build(fx.base().app_private_key("  \n")),
            refused!(
                Got::Build(BuildError::Key(KeyError::Empty { .. })),
                ["app private key", "empty"]
            ),
        ),
        row(
            C,
            "app key: truncated PEM (no END line)",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(&APP_PRIVATE[..APP_PRIVATE.len() / 2]),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["-----END"]
            ),
        ),
        row(
            C,
            "app key: PEM body cut short, END line kept",
            |fx| {
                let lines: Vec<&str> = APP_PRIVATE.lines().collect();
                let cut = [&lines[..6], &lines[lines.len() - 1..]].concat().join("\n");
                build(fx.base().app_private_key(cut))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["no readable key|invalid"]
            ),
        ),
        row(
            C,
            "app key: PEM header without its closing dashes",
            |fx| {
                let broken = APP_PRIVATE.replacen(
                    "-----BEGIN RSA PRIVATE KEY-----",
                    "-----BEGIN RSA PRIVATE KEY",
                    1,
                );
                build(fx.base().app_private_key(broken))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["PEM|header|label"]
            ),
        ),
        row(
            C,
            "app key: DER bytes that are not a key",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(vec![0x30u8, 0x82, 0xff, 0xff, 1, 2, 3]),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["DER|could not be read"]
            ),
        ),
        row(
            C,
            "app key: base64 of something else",
            |fx| build(fx.base().app_private_key(STANDARD.encode([7u8; 96]))),
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["not a DER-encoded"]
            ),
        ),
        row(
            C,
            "app key: the app public key given instead",
            |fx| build(fx.base().app_private_key(APP_PUBLIC)),
            refused!(
                Got::Build(BuildError::Key(KeyError::PublicGivenForPrivate { .. })),
                ["public key"]
            ),
        ),
        row(
            C,
            "app key: a certificate given instead",
            |fx| build(fx.base().app_private_key(APP_CERT)),
            refused!(
                Got::Build(BuildError::Key(KeyError::PublicGivenForPrivate { .. })),
                ["certificate"]
            ),
        ),
        row(
            C,
            "app key: EC key",
            |fx| build(fx.base().app_private_key(EC_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::NotRsa { .. })),
                ["not an RSA key"]
            ),
        ),
        row(
            C,
            "app key: password-protected PKCS#8",
            |fx| build(fx.base().app_private_key(ENCRYPTED_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::Encrypted)),
                ["encrypted"]
            ),
        ),
        row(
            C,
            "app key: RSA-1024 with RSA2",
            |fx| build(fx.base().app_private_key(SMALL_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::TooSmall { bits: 1024, .. })),
                ["1024-bit", "2048"]
            ),
        ),
        row(
            C,
            "app key: RSA-1024 with legacy RSA (allowed)",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(SMALL_PRIVATE)
                        .sign_type(SignType::Rsa),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key: file that does not exist",
            |fx| {
                build(
                    fx.base()
                        .app_private_key_file("/nonexistent/app_private_key.pem"),
                )
            },
            refused!(Got::Build(BuildError::ReadKeyFile { .. }), ["cannot read"]),
        ),
        row(
            C,
            "app key setting: a missing path stays a path",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value("./keys/app_private_key.pem")),
                )
            },
            refused!(Got::Build(BuildError::ReadKeyFile { .. }), ["cannot read"]),
        ),
        row(
            C,
            "app key setting: quoted bare base64 is a key",
            |fx| {
                let value = format!("\"{}\"", APP_PRIVATE_PKCS8_B64.trim());
                build(fx.base().app_private_key(KeySource::path_or_value(value)))
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key setting: bare base64 with literal \\n is a key",
            |fx| {
                let b64 = base64_body(APP_PRIVATE_PKCS8_B64);
                let lines: Vec<&str> = b64
                    .as_bytes()
                    .chunks(64)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect();
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value(lines.join("\\n"))),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key setting: PEM with literal \\n is a key",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value(with_literal_newlines(
                            APP_PRIVATE,
                        ))),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key text: PEM with literal \\n",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(with_literal_newlines(APP_PRIVATE)),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key text: quoted PEM",
            |fx| build(fx.base().app_private_key(format!("\"{APP_PRIVATE}\""))),
            Expect::Accepted,
        ),
        row(
            C,
            "app key: not set",
            |_| {
                build(
                    AlipayClient::builder()
                        .app_id(APP_ID)
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC)),
                )
            },
            refused!(
                Got::Build(BuildError::MissingField {
                    field: "app_private_key"
                }),
                ["app_private_key"]
            ),
        ),
        // --- the Alipay public key ---
        row(
            C,
            "Alipay key: a private key given instead",
            |fx| {
                build(
                    fx.base()
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PRIVATE)),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::PrivateGivenForPublic { .. })),
                ["private key"]
            ),
        ),
        row(
            C,
            "Alipay key: the app's own public key",
            |fx| build(fx.base().alipay_trust(AlipayTrust::public_key(APP_PUBLIC))),
            refused!(
                Got::Build(BuildError::AlipayKeyIsAppKey(_)),
                ["own public key"]
            ),
        ),
        row(
            C,
            "Alipay key: a certificate in public-key mode",
            |fx| build(fx.base().alipay_trust(AlipayTrust::public_key(ALIPAY_CERT))),
            refused!(
                Got::Build(BuildError::Key(KeyError::Certificate { .. })),
                ["certificate"]
            ),
        ),
        row(
            C,
            "Alipay key: PEM header without its closing dashes",
            |fx| {
                let broken = ALIPAY_PUBLIC.replacen(
                    "-----BEGIN PUBLIC KEY-----",
                    "-----BEGIN PUBLIC KEY",
                    1,
                );
                build(fx.base().alipay_trust(AlipayTrust::public_key(broken)))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["PEM|header|label"]
            ),
        ),
        row(
            C,
            "Alipay key: RSA-1024 with RSA2",
            |fx| {
                build(
                    fx.base()
                        .alipay_trust(AlipayTrust::public_key(small_public_pem())),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::TooSmall { bits: 1024, .. })),
                ["1024-bit", "2048"]
            ),
        ),
    ]
}
