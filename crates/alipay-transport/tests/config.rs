//! `build()` reports every configuration mistake; `Debug` never shows keys.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alipay_transport::protocol::{AlipayPublicKey, AppPrivateKey, KeyError, SignError};
use alipay_transport::{
    AlipayClient, AlipayTrust, BuildError, Gateway, KeySource, SignType, Signer,
};
use support::{
    ALIPAY_CERT, ALIPAY_PRIVATE_PEM, ALIPAY_PUBLIC_PEM, APP_PRIVATE_PEM, APP_PRIVATE_PKCS8_B64,
    APP_PUBLIC_PEM, ROOT_CERT, Reply, SMALL_PRIVATE_PEM, TestCertify, TestGateway, key_path,
    success_node,
};

fn base() -> alipay_transport::ClientBuilder {
    AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
}

fn build_err(builder: alipay_transport::ClientBuilder) -> BuildError {
    builder.build().expect_err("build() should fail")
}

#[test]
fn gateway_presets() {
    assert_eq!(
        Gateway::Production.url(),
        "https://openapi.alipay.com/gateway.do"
    );
    assert_eq!(
        Gateway::Sandbox.url(),
        "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
    );
    let c = base().build().unwrap();
    assert_eq!(c.gateway_url(), Gateway::PRODUCTION_URL);
    let c = base().gateway(Gateway::Sandbox).build().unwrap();
    assert_eq!(c.gateway_url(), Gateway::SANDBOX_URL);
}

#[test]
fn keys_from_files_text_and_bytes() {
    base()
        .app_private_key_file(key_path("app_private_pkcs1.pem"))
        .alipay_trust(AlipayTrust::public_key_file(key_path("alipay_public.pem")))
        .build()
        .unwrap();
    base()
        .app_private_key(KeySource::text(APP_PRIVATE_PKCS8_B64))
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM.as_bytes()))
        .build()
        .unwrap();
    base()
        .app_private_key(key_path("app_private_pkcs1.pem").as_path())
        .build()
        .unwrap();
}

#[test]
fn missing_and_conflicting_settings() {
    let e = build_err(AlipayClient::builder());
    assert!(
        matches!(e, BuildError::MissingField { field: "app_id" }),
        "{e:?}"
    );
    let e = build_err(AlipayClient::builder().app_id("2021000000000001"));
    assert!(
        matches!(
            e,
            BuildError::MissingField {
                field: "app_private_key"
            }
        ),
        "{e:?}"
    );
    let e = build_err(
        AlipayClient::builder()
            .app_id("2021000000000001")
            .app_private_key(APP_PRIVATE_PEM),
    );
    assert!(
        matches!(
            e,
            BuildError::MissingField {
                field: "alipay_trust"
            }
        ),
        "{e:?}"
    );
    let key = AppPrivateKey::parse(APP_PRIVATE_PEM).unwrap();
    let e = build_err(base().signer(key));
    assert!(matches!(e, BuildError::Conflict { .. }), "{e:?}");
    let e = build_err(base().app_id("2021 0001"));
    assert!(
        matches!(
            e,
            BuildError::InvalidField {
                field: "app_id",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn an_unreadable_key_file_names_the_path() {
    let missing = key_path("does_not_exist.pem");
    let e = build_err(base().app_private_key_file(&missing));
    let BuildError::ReadKeyFile { path, source, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, &missing);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert!(e.to_string().contains("does_not_exist.pem"), "{e}");
    assert!(e.to_string().contains("app private key"), "{e}");
}

/// Each layer says only its own part; the cause is `source()`, so printing the chain
/// (as anyhow and eyre do) shows every part once.
#[test]
fn build_errors_do_not_repeat_their_source() {
    use std::error::Error as _;
    let errors = [
        build_err(base().app_private_key_file(key_path("does_not_exist.pem"))),
        build_err(base().alipay_trust(AlipayTrust::public_key_file(key_path("nope.pem")))),
        build_err(base().alipay_trust(AlipayTrust::certificates(
            KeySource::file(key_path("nope.crt")),
            ALIPAY_CERT,
            ROOT_CERT,
        ))),
    ];
    for e in &errors {
        let shown = e.to_string();
        let mut source = e.source();
        assert!(source.is_some(), "{e:?} has a cause");
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            assert!(
                !shown.contains(&cause_text),
                "`{shown}` repeats its source `{cause_text}`"
            );
            source = cause.source();
        }
    }
}

#[test]
fn a_garbage_key_is_reported_without_its_content() {
    let dir = std::env::temp_dir().join(format!("alipay-transport-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("garbage.pem");
    std::fs::write(&file, "THIS-IS-A-SECRET-NOT-A-KEY").unwrap();
    let e = build_err(base().app_private_key_file(&file));
    let shown = format!("{e} {e:?}");
    assert!(
        matches!(e, BuildError::Key(KeyError::Malformed { .. })),
        "{e:?}"
    );
    assert!(!shown.contains("SECRET"), "{shown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_key_kinds_are_named() {
    let e = build_err(base().app_private_key(APP_PUBLIC_PEM));
    assert!(
        matches!(e, BuildError::Key(KeyError::PublicGivenForPrivate { .. })),
        "{e:?}"
    );
    let e = build_err(base().alipay_trust(AlipayTrust::public_key(ALIPAY_PRIVATE_PEM)));
    assert!(
        matches!(e, BuildError::Key(KeyError::PrivateGivenForPublic { .. })),
        "{e:?}"
    );
    assert!(
        !format!("{e} {e:?}").contains("MII"),
        "key material in {e:?}"
    );
}

#[test]
fn the_apps_own_public_key_is_refused_as_alipay_key() {
    let e = build_err(base().alipay_trust(AlipayTrust::public_key(APP_PUBLIC_PEM)));
    assert!(matches!(e, BuildError::AlipayKeyIsAppKey(_)), "{e:?}");
    assert!(e.to_string().contains("支付宝公钥"), "{e}");
    // Also with a custom signer that exposes its public half.
    let signer = AppPrivateKey::parse(APP_PRIVATE_PEM).unwrap();
    let e = build_err(
        AlipayClient::builder()
            .app_id("2021000000000001")
            .signer(signer)
            .alipay_trust(AlipayTrust::public_key(APP_PUBLIC_PEM)),
    );
    assert!(matches!(e, BuildError::AlipayKeyIsAppKey(_)), "{e:?}");
}

#[test]
fn rsa2_needs_a_2048_bit_key() {
    let e = build_err(base().app_private_key(SMALL_PRIVATE_PEM));
    assert!(
        matches!(
            e,
            BuildError::Key(KeyError::TooSmall {
                bits: 1024,
                min: 2048,
                ..
            })
        ),
        "{e:?}"
    );
    // Legacy RSA (SHA-1) still accepts it.
    base()
        .app_private_key(SMALL_PRIVATE_PEM)
        .sign_type(SignType::Rsa)
        .build()
        .unwrap();
}

#[test]
fn bad_urls_proxies_and_limits() {
    for url in [
        "not a url",
        "ftp://openapi.alipay.com/gateway.do",
        "https://",
        "",
    ] {
        let e = build_err(base().gateway(Gateway::Custom(url.into())));
        assert!(
            matches!(
                e,
                BuildError::InvalidField {
                    field: "gateway",
                    ..
                }
            ),
            "{url}: {e:?}"
        );
    }
    let e = build_err(base().proxy("http://user:hunter2@[::1"));
    assert!(
        matches!(e, BuildError::InvalidField { field: "proxy", .. }),
        "{e:?}"
    );
    assert!(!e.to_string().contains("hunter2"), "{e}");
    base()
        .proxy("http://user:hunter2@127.0.0.1:3128")
        .build()
        .unwrap();
    let e = build_err(base().max_response_size(0));
    assert!(
        matches!(
            e,
            BuildError::InvalidField {
                field: "max_response_size",
                ..
            }
        ),
        "{e:?}"
    );
    let e = build_err(base().timeout(std::time::Duration::ZERO));
    assert!(
        matches!(
            e,
            BuildError::InvalidField {
                field: "timeout",
                ..
            }
        ),
        "{e:?}"
    );
    let e = build_err(base().user_agent("bad\nagent"));
    assert!(
        matches!(
            e,
            BuildError::InvalidField {
                field: "user_agent",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn debug_shows_fingerprints_never_keys_or_tokens() {
    let builder = base()
        .app_auth_token("secret-app-auth-token")
        .proxy("http://user:hunter2@127.0.0.1:3128");
    let shown_builder = format!("{builder:?}");
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {shown_builder}");
    let app_fp = AppPrivateKey::parse(APP_PRIVATE_PEM)
        .unwrap()
        .public_key()
        .fingerprint();
    let alipay_fp = AlipayPublicKey::parse(ALIPAY_PUBLIC_PEM)
        .unwrap()
        .fingerprint();
    assert!(
        shown.contains(&app_fp) && shown.contains(&alipay_fp),
        "{shown}"
    );
    for secret in ["MII", "secret-app-auth-token", "hunter2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

/// A stand-in for a KMS signer: signs through a key it owns, counting calls.
struct CountingSigner {
    key: AppPrivateKey,
    calls: Arc<AtomicUsize>,
}

impl Signer for CountingSigner {
    fn sign(&self, sign_type: SignType, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.key.sign(sign_type, message)
    }
}

struct FailingSigner;

impl Signer for FailingSigner {
    fn sign(&self, _: SignType, _: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError::Backend("KMS unreachable".into()))
    }
}

#[tokio::test]
async fn a_custom_signer_signs_every_attempt() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let calls = Arc::new(AtomicUsize::new(0));
    let client = AlipayClient::builder()
        .app_id("2021000000000001")
        .signer(CountingSigner {
            key: AppPrivateKey::parse(APP_PRIVATE_PEM).unwrap(),
            calls: Arc::clone(&calls),
        })
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(gw.url.clone()))
        .no_proxy()
        .build()
        .unwrap();
    client.execute(&TestCertify::new("tx-kms")).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(gw.received()[0].signature_ok);

    let failing = AlipayClient::builder()
        .app_id("2021000000000001")
        .signer(FailingSigner)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(gw.url.clone()))
        .no_proxy()
        .build()
        .unwrap();
    let err = failing
        .execute(&TestCertify::new("tx-kms-2"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, alipay_transport::Error::Signing(_)),
        "{err:?}"
    );
    assert_eq!(gw.attempts(), 1, "nothing was sent");
}

#[test]
fn path_or_value_reads_env_style_settings() {
    use alipay_transport::{Gateway, KeySource};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/keys");
    let pem = std::fs::read_to_string(format!("{dir}/app_private_pkcs1.pem")).unwrap();
    let bare = std::fs::read_to_string(format!("{dir}/app_private_pkcs8.b64")).unwrap();
    assert!(matches!(KeySource::path_or_value(pem), KeySource::Text(_)));
    assert!(matches!(KeySource::path_or_value(bare), KeySource::Text(_)));
    let file = format!("{dir}/app_private_pkcs1.pem");
    assert!(matches!(KeySource::path_or_value(file), KeySource::Path(_)));
    // A mistyped path stays a path, so the error is "cannot read <path>", not "bad key".
    let typo = KeySource::path_or_value("/etc/alipay/app_privte_key.pem");
    assert!(matches!(typo, KeySource::Path(_)));
    let err = alipay_transport::AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(typo)
        .alipay_trust(AlipayTrust::public_key(KeySource::file(format!(
            "{dir}/alipay_public.pem"
        ))))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("/etc/alipay/app_privte_key.pem"),
        "{err}"
    );

    assert_eq!(
        "production".parse::<Gateway>().unwrap(),
        Gateway::Production
    );
    assert_eq!("sandbox".parse::<Gateway>().unwrap(), Gateway::Sandbox);
    assert_eq!(
        "http://127.0.0.1:9/gateway.do".parse::<Gateway>().unwrap(),
        Gateway::Custom("http://127.0.0.1:9/gateway.do".into())
    );
}

/// Fails when `shown` holds any 16-character window of the base64 body of `key` (PEM
/// or bare base64).
fn assert_no_key_window(shown: &str, key: &str) {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(body.len() > 1000, "not a private key: {key}");
    for start in 0..=body.len() - 16 {
        let window = &body[start..start + 16];
        assert!(
            !shown.contains(window),
            "key text `{window}` shown: {shown}"
        );
    }
}

/// `APP_PRIVATE_PKCS8_B64` broken into 64-character lines.
fn bare_lines() -> Vec<String> {
    APP_PRIVATE_PKCS8_B64
        .trim()
        .chars()
        .collect::<Vec<_>>()
        .chunks(64)
        .map(|c| c.iter().collect())
        .collect()
}

/// Issue 10, defect 3: a quoted key, or bare base64 with literal `\n` escapes (how keys
/// arrive through environment variables and CI secrets), was taken for a file path,
/// and `build()` then printed it whole as the path it could not read.
#[test]
fn env_style_keys_are_keys_never_paths() {
    let pem = APP_PRIVATE_PEM.trim();
    let bare = APP_PRIVATE_PKCS8_B64.trim();
    let variants = [
        format!("\"{bare}\""),
        format!("'{bare}'"),
        format!("'{pem}'"),
        format!("\"{}\"", pem.replace('\n', "\\n")),
        pem.replace('\n', "\\r\\n"),
        format!("\"{}\"", pem.replace('\n', "\\\\n")),
        bare_lines().join("\\n"),
        bare_lines().join("\\r\\n"),
        format!("  '{}\\n'  \n", bare_lines().join("\\n")),
        format!("\u{feff}{bare}\r\n"),
        format!("\u{feff}\"{pem}\""),
    ];
    let reference = AppPrivateKey::parse(APP_PRIVATE_PEM).unwrap();
    for (i, value) in variants.iter().enumerate() {
        let source = KeySource::path_or_value(value.as_str());
        assert!(matches!(source, KeySource::Text(_)), "#{i}: {source:?}");
        // Literal escapes are read in keys as they are in certificates.
        let key = AppPrivateKey::parse(value).unwrap_or_else(|e| panic!("#{i}: {e}"));
        assert_eq!(key.public_key(), reference.public_key(), "#{i}");
        base()
            .app_private_key(source)
            .build()
            .unwrap_or_else(|e| panic!("#{i}: {e}"));
    }
}

/// Issue 10, defect 3: no error or `Debug` shows key material, whatever path a key
/// took into the builder: key text given as a file path (by `KeySource::file`, or a
/// mangled secret `path_or_value` cannot read as a key), for either key and for
/// certificates, and keys whose PEM header is broken (defect 4).
#[test]
fn key_material_never_reaches_build_errors_or_debug() {
    let pem = APP_PRIVATE_PEM;
    let bare = APP_PRIVATE_PKCS8_B64.trim();
    let as_paths = [
        (pem.to_owned(), pem),
        (format!("\"{bare}\""), bare),
        (bare_lines().join("\\n"), bare),
        (format!("\"{}\"", pem.trim().replace('\n', "\\n")), pem),
    ];
    let cert_base = || {
        AlipayClient::builder()
            .app_id("2021000000000001")
            .app_private_key(APP_PRIVATE_PEM)
    };
    for (i, (text, key)) in as_paths.iter().enumerate() {
        let source = KeySource::file(text);
        let builder = base().app_private_key(source.clone());
        let debug_builder = format!("{builder:?}");
        let e = build_err(builder);
        assert!(matches!(e, BuildError::ReadKeyFile { .. }), "#{i}: {e:?}");
        let shown = format!("{e} {e:?} {source:?} {debug_builder}");
        assert_no_key_window(&shown, key);
        assert!(shown.contains("not shown in full"), "#{i}: {shown}");

        let e = build_err(base().alipay_trust(AlipayTrust::public_key(source.clone())));
        assert!(matches!(e, BuildError::ReadKeyFile { .. }), "#{i}: {e:?}");
        assert_no_key_window(&format!("{e} {e:?}"), key);

        let builder = cert_base().alipay_trust(AlipayTrust::certificates(
            source.clone(),
            ALIPAY_CERT,
            ROOT_CERT,
        ));
        let debug_builder = format!("{builder:?}");
        let e = build_err(builder);
        assert!(matches!(e, BuildError::ReadCertFile { .. }), "#{i}: {e:?}");
        assert_no_key_window(&format!("{e} {e:?} {debug_builder}"), key);
    }

    // Mangled or malformed keys from an environment-style setting are keys (that do
    // not parse), never paths, and the key error does not quote them.
    let mangled = [
        (bare.replace('+', "-").replace('/', "_"), bare),
        (format!("APP_PRIVATE_KEY={bare}"), bare),
        (
            pem.replacen(
                "-----BEGIN RSA PRIVATE KEY-----",
                "-----BEGIN RSA PRIVATE KEY",
                1,
            ),
            pem,
        ),
        (
            pem.replacen(
                "-----BEGIN RSA PRIVATE KEY-----",
                "-----BEGIN RSA PRIVATE KEY",
                1,
            )
            .replace('\n', "\\n"),
            pem,
        ),
    ];
    for (i, (text, key)) in mangled.iter().enumerate() {
        let source = KeySource::path_or_value(text.as_str());
        assert!(matches!(source, KeySource::Text(_)), "#{i}: {source:?}");
        let e = build_err(base().app_private_key(source));
        assert!(
            matches!(e, BuildError::Key(KeyError::Malformed { .. })),
            "#{i}: {e:?}"
        );
        assert_no_key_window(&format!("{e} {e:?}"), key);
    }

    // Ordinary paths stay readable; an absurdly long one is cut.
    let e = build_err(base().app_private_key_file("/etc/alipay/keys/app_private_key.pem"));
    assert!(format!("{e} {e:?}").contains("/etc/alipay/keys/app_private_key.pem"));
    let long = format!("/srv/{}/key.pem", "nested/".repeat(60));
    let e = build_err(base().app_private_key_file(&long));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("nested/nested/"), "{shown}");
    assert!(shown.contains("433 characters"), "{shown}");
}
