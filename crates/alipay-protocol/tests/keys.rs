//! Key loading as users paste keys, and the errors they get when they paste the wrong thing.

use alipay_protocol::keys::{KeyError, KeyRole};
use alipay_protocol::{AlipayPublicKey, AppPrivateKey, SignType, Signer, check_not_own_key};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn sign(key: &AppPrivateKey) -> Vec<u8> {
    key.sign(SignType::Rsa2, b"same message").unwrap()
}

#[test]
fn every_format_loads_the_same_key() {
    let reference = sign(&AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap());
    let pkcs8 = read("keys/app_private_pkcs8.pem");
    let bare = read("keys/app_private_pkcs8.b64");
    let variants = [
        read("keys/app_private_pkcs8.pem"),
        read("keys/app_private_pkcs1.b64"),
        bare.clone(),
        // CRLF line endings, as Windows editors save them.
        pkcs8.replace('\n', "\r\n"),
        // Bare base64 broken over lines with stray spaces and tabs, as pasted from a console.
        bare.chars()
            .collect::<Vec<_>>()
            .chunks(50)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("  \n\t"),
        // Leading/trailing whitespace and quotes from a JSON or .env file.
        format!("  \"{}\"  \n", bare.trim()),
        // Issue 10, defect 3: keys as environment variables and CI secrets hold them,
        // with literal `\n` / `\r\n` escapes (as certificates were already read).
        pkcs8.trim().replace('\n', "\\n"),
        format!("'{}'", pkcs8.trim().replace('\n', "\\r\\n")),
        format!("\"{}\"", pkcs8.trim().replace('\n', "\\\\n")),
        bare.trim()
            .chars()
            .collect::<Vec<_>>()
            .chunks(64)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\\n"),
        format!("\u{feff}\"{}\\n\"\n", pkcs8.trim().replace('\n', "\\n")),
    ];
    for (i, text) in variants.iter().enumerate() {
        let key = AppPrivateKey::parse(text).unwrap_or_else(|e| panic!("variant {i}: {e}"));
        assert_eq!(sign(&key), reference, "variant {i}");
        assert_eq!(key.bits(), 2048);
    }
    // Raw DER bytes too.
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(bare.split_whitespace().collect::<String>())
        .unwrap();
    assert_eq!(sign(&AppPrivateKey::parse(&der).unwrap()), reference);
}

#[test]
fn public_key_formats_agree() {
    let spki = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    for p in ["keys/alipay_public.b64", "keys/alipay_public_pkcs1.pem"] {
        assert_eq!(AlipayPublicKey::parse(read(p)).unwrap(), spki, "{p}");
    }
    assert_eq!(spki.to_base64(), read("keys/alipay_public.b64").trim());
}

#[test]
fn wrong_key_kinds_are_named() {
    let err = AppPrivateKey::parse(read("keys/app_public.pem")).unwrap_err();
    assert!(
        matches!(err, KeyError::PublicGivenForPrivate { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not a public key"), "{err}");
    let err = AppPrivateKey::parse(read("keys/app_public.b64")).unwrap_err();
    assert!(
        matches!(err, KeyError::PublicGivenForPrivate { .. }),
        "{err}"
    );

    let err = AlipayPublicKey::parse(read("keys/alipay_private_pkcs1.pem")).unwrap_err();
    assert!(
        matches!(err, KeyError::PrivateGivenForPublic { .. }),
        "{err}"
    );
    let err = AlipayPublicKey::parse(read("keys/app_private_pkcs8.b64")).unwrap_err();
    assert!(
        matches!(err, KeyError::PrivateGivenForPublic { .. }),
        "{err}"
    );
}

#[test]
fn encrypted_keys_are_refused_with_a_fix() {
    for p in [
        "extra-keys/app_private_encrypted_pkcs8.pem",
        "extra-keys/app_private_encrypted_pkcs1.pem",
    ] {
        let err = AppPrivateKey::parse(read(p)).unwrap_err();
        assert_eq!(err, KeyError::Encrypted, "{p}");
        assert!(err.to_string().contains("openssl"), "{err}");
    }
}

#[test]
fn non_rsa_keys_are_named() {
    for p in [
        "extra-keys/ec_private_pkcs8.pem",
        "extra-keys/ec_private.pem",
    ] {
        let err = AppPrivateKey::parse(read(p)).unwrap_err();
        assert!(matches!(err, KeyError::NotRsa { .. }), "{p}: {err}");
    }
    let err = AlipayPublicKey::parse(read("extra-keys/ec_public.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::NotRsa {
                role: KeyRole::AlipayPublicKey,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn small_keys_only_for_legacy_rsa() {
    let key = AppPrivateKey::parse(read("extra-keys/rsa1024_pkcs1.pem")).unwrap();
    assert_eq!(key.bits(), 1024);
    let err = key.check_sign_type(SignType::Rsa2).unwrap_err();
    assert!(err.to_string().contains("1024-bit"), "{err}");
    assert!(key.sign(SignType::Rsa2, b"x").is_err());
    // Legacy RSA (SHA-1) still signs and verifies with a 1024-bit key.
    let sig = key.sign(SignType::Rsa, b"x").unwrap();
    use alipay_protocol::Verifier as _;
    assert!(key.public_key().verify(SignType::Rsa, b"x", &sig));
    // A 1024-bit Alipay public key is named for RSA2 instead of failing every check.
    let err = key
        .public_key()
        .check_sign_type(SignType::Rsa2)
        .unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::TooSmall {
                role: KeyRole::AlipayPublicKey,
                bits: 1024,
                ..
            }
        ),
        "{err}"
    );
    assert!(key.public_key().check_sign_type(SignType::Rsa).is_ok());
}

#[test]
fn garbage_and_empty_input() {
    let err = AppPrivateKey::parse("not a key at all!").unwrap_err();
    assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
    assert!(
        !err.to_string().contains("not a key at all"),
        "input echoed: {err}"
    );
    let err = AppPrivateKey::parse("   \n").unwrap_err();
    assert!(matches!(err, KeyError::Empty { .. }), "{err}");
    let err = AppPrivateKey::parse("MIIE!!!!not-base64").unwrap_err();
    assert!(!err.to_string().contains('!'), "input echoed: {err}");
    let err = AppPrivateKey::parse("QUJDRA==").unwrap_err();
    assert!(matches!(err, KeyError::Malformed { .. }), "{err}");
    let err = AlipayPublicKey::parse(
        read("keys/app_private_pkcs1.pem").replace("-----END RSA PRIVATE KEY-----", ""),
    )
    .unwrap_err();
    assert!(err.to_string().contains("END"), "{err}");
}

/// Fails when `shown` holds any 16-character window of `key`'s base64 body.
fn assert_no_key_material(shown: &str, key: &str) {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(body.len() > 200, "not a key: {key}");
    for start in 0..=body.len() - 16 {
        let window = &body[start..start + 16];
        assert!(
            !shown.contains(window),
            "key text `{window}` shown: {shown}"
        );
    }
}

/// Issue 10, defect 4: a header without its closing dashes made the "label" swallow
/// the base64 body, and the error quoted it (about 1,800 characters of private key).
#[test]
fn malformed_pem_headers_never_put_key_material_into_errors() {
    for file in [
        "keys/app_private_pkcs8.pem",
        "keys/app_private_pkcs1.pem",
        "keys/alipay_public.pem",
    ] {
        let pem = read(file);
        let begin = pem.lines().next().unwrap();
        let end = pem.lines().last().unwrap();
        let label = &begin["-----BEGIN ".len()..begin.len() - 5];
        let body = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>();
        let inputs = [
            // The defect as observed: `-----BEGIN PRIVATE KEY` without its dashes.
            pem.replacen(begin, &format!("-----BEGIN {label}"), 1),
            pem.replacen(begin, &format!("-----BEGIN {label}----"), 1),
            pem.replacen(
                begin,
                &format!("-----BEGIN {}-----", label.to_lowercase()),
                1,
            ),
            pem.replacen(begin, "-----BEGIN-----", 1),
            // Everything on one line, newlines turned into spaces, dashes missing.
            format!("-----BEGIN {label} {} {end}", body.join(" ")),
            pem.replacen(begin, &format!("-----BEGIN {label}"), 1)
                .replace('\n', "\\n"),
            // The END line is wrong or missing.
            pem.replace(end, &format!("-----END {label}")),
            pem.replace(end, "-----END X-----"),
            pem.replace(end, ""),
            // A label of garbage of label characters.
            pem.replacen(begin, &format!("-----BEGIN {}-----", "A".repeat(60)), 1),
        ];
        for (i, input) in inputs.iter().enumerate() {
            let errors = [
                AppPrivateKey::parse(input).map(drop).unwrap_err(),
                AlipayPublicKey::parse(input).map(drop).unwrap_err(),
            ];
            for err in errors {
                let shown = format!("{err} {err:?}");
                assert!(
                    matches!(err, KeyError::Malformed { .. }),
                    "{file} #{i}: {shown}"
                );
                assert_no_key_material(&shown, &pem);
                assert!(err.to_string().len() < 400, "{file} #{i}: {shown}");
                assert!(
                    shown.contains("PEM header is malformed") || shown.contains("-----END"),
                    "{file} #{i}: {shown}"
                );
            }
        }
    }
}

#[test]
fn debug_never_shows_key_material() {
    let text = read("keys/app_private_pkcs1.b64");
    let key = AppPrivateKey::parse(&text).unwrap();
    let debug = format!("{key:?} {:?}", key.public_key());
    let body: String = text.split_whitespace().collect();
    for window in body.as_bytes().chunks(16) {
        assert!(
            !debug.contains(std::str::from_utf8(window).unwrap()),
            "{debug}"
        );
    }
    assert!(debug.contains("bits: 2048"), "{debug}");
}

#[test]
fn own_public_key_as_alipay_key_is_diagnosed() {
    let app = AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap();
    let own = AlipayPublicKey::parse(read("keys/app_public.pem")).unwrap();
    let err = check_not_own_key(&app, &own).unwrap_err();
    assert!(
        err.to_string().contains("your app's own public key"),
        "{err}"
    );
    assert!(err.to_string().contains("支付宝公钥"), "{err}");
    let alipay = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    assert!(check_not_own_key(&app, &alipay).is_ok());
}
