//! Errors for the wrong file or a hostile input: they say what to do and never quote the input.

use super::*;

#[test]
fn wrong_inputs_get_errors_that_say_what_to_do() {
    let role = CertRole::Certificate;
    assert_eq!(
        Certificate::parse("").unwrap_err(),
        CertError::Empty { role }
    );
    assert_eq!(
        Certificate::parse(" \r\n").unwrap_err(),
        CertError::Empty { role }
    );

    let err = Certificate::parse(data("keys/app_private_pkcs8.pem")).unwrap_err();
    let CertError::NotACertificate { label, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(label, "PRIVATE KEY");
    let message = err.to_string();
    assert!(message.contains("private key"), "{message}");
    // Never echo the input.
    let key_text = text("keys/app_private_pkcs8.pem");
    assert!(
        !message.contains(&key_text.lines().nth(1).unwrap()[..20]),
        "{message}"
    );

    let err = AlipayCertificate::parse(data("keys/alipay_public.pem")).unwrap_err();
    assert!(matches!(
        &err,
        CertError::NotACertificate {
            role: CertRole::AlipayCert,
            ..
        }
    ));
    assert!(err.to_string().contains("公钥模式"), "{err}");

    for garbage in [
        &b"not a certificate at all!"[..],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        &[0x30, 0x82, 0x05],
        &[0x30, 0x03, 0x02, 0x01, 0x01],
        &[0xff, 0xfe, 0x00],
    ] {
        let err = Certificate::parse(garbage).unwrap_err();
        assert!(
            matches!(err, CertError::Malformed { .. }),
            "{:?}: {err:?}",
            String::from_utf8_lossy(garbage)
        );
        assert!(err.to_string().contains("Expected PEM"), "{err}");
    }

    // Every truncation of a real certificate fails cleanly.
    let der = Certificate::parse(cert_file("inter.pem"))
        .unwrap()
        .der()
        .to_vec();
    for len in 0..der.len() {
        assert!(Certificate::from_der(&der[..len]).is_err(), "len {len}");
    }
}

/// Fails when `shown` holds any 16-character window of the base64 body of `pem`.
fn assert_no_window_of(shown: &str, pem: &str) {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(body.len() > 200, "not PEM: {pem}");
    for start in 0..=body.len() - 16 {
        let window = &body[start..start + 16];
        assert!(!shown.contains(window), "input `{window}` shown: {shown}");
    }
}

/// Issue 10, defect 4: a PEM header without its closing dashes made the "label"
/// swallow the base64 body, which the error then quoted; with a private key given as a
/// certificate, that is about 1,800 characters of key. Every certificate entry point.
#[test]
fn malformed_pem_headers_never_put_input_into_certificate_errors() {
    let app = cert_file("appCertPublicKey_2021000000000001.crt");
    let alipay = cert_file("alipayCertPublicKey_RSA2.crt");
    let bundle = cert_file("alipayRootCert.crt");
    for pem in [
        text("keys/app_private_pkcs8.pem"),
        text("keys/app_private_pkcs1.pem"),
        alipay.clone(),
    ] {
        let begin = pem.lines().next().unwrap().to_owned();
        let end = pem.lines().last().unwrap().to_owned();
        let label = begin["-----BEGIN ".len()..begin.len() - 5].to_owned();
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let inputs = [
            pem.replacen(&begin, &format!("-----BEGIN {label}"), 1),
            pem.replacen(
                &begin,
                &format!("-----BEGIN {}-----", label.to_lowercase()),
                1,
            ),
            format!("-----BEGIN {label} {} {end}", body.join(" ")),
            format!(
                "\"{}\"",
                pem.replacen(&begin, &format!("-----BEGIN {label}"), 1)
                    .trim()
                    .replace('\n', "\\n")
            ),
            pem.replace(&end, &format!("-----END {label}")),
            // A good block followed by a broken one.
            format!(
                "{app}{}",
                pem.replacen(&begin, &format!("-----BEGIN {label}"), 1)
            ),
        ];
        for (i, input) in inputs.iter().enumerate() {
            let mut material = CertMaterial::new(&app, &alipay, &bundle).unwrap();
            let errors = [
                Certificate::parse(input).map(drop).unwrap_err(),
                cert::parse_certificates(input).map(drop).unwrap_err(),
                AppCertificate::parse(input).map(drop).unwrap_err(),
                AlipayCertificate::parse(input).map(drop).unwrap_err(),
                cert::root_cert_sn(input).map(drop).unwrap_err(),
                CertMaterial::new(input, &alipay, &bundle)
                    .map(drop)
                    .unwrap_err(),
                CertMaterial::new(&app, input, &bundle)
                    .map(drop)
                    .unwrap_err(),
                CertMaterial::new(&app, &alipay, input)
                    .map(drop)
                    .unwrap_err(),
                cert::verify_chain(input, &bundle, now()).unwrap_err(),
                cert::verify_chain(&alipay, input, now()).unwrap_err(),
                cert::verify_chain_with_intermediates(&alipay, input, &bundle, now()).unwrap_err(),
                material.add_intermediates(input).map(drop).unwrap_err(),
                material.accept_rotated(input, now()).map(drop).unwrap_err(),
            ];
            for (j, err) in errors.iter().enumerate() {
                let shown = format!("{err} {err:?}");
                assert!(
                    matches!(err, CertError::Malformed { .. }),
                    "#{i}.{j}: {shown}"
                );
                assert_no_window_of(&shown, &pem);
                assert!(err.to_string().len() < 400, "#{i}.{j}: {shown}");
            }
        }
    }
}

/// `alipay_cert_sn` arrives unverified in a response; the error quotes it only when it
/// looks like an SN.
#[test]
fn an_unknown_sn_is_quoted_only_when_it_is_shaped_like_one() {
    let material = CertMaterial::new(
        cert_file("appCertPublicKey_2021000000000001.crt"),
        concat(&["alipayCertPublicKey_RSA2.crt", "inter.pem"]),
        cert_file("alipayRootCert.crt"),
    )
    .unwrap();
    let hostile = format!("{}\n\u{1b}[31m 110101199003077777", "ab".repeat(100));
    let err = material.verifier_for(Some(&hostile)).unwrap_err();
    assert_eq!(
        err,
        CertError::UnknownAlipayCertSn {
            sn: "<225 characters, not a certificate SN>".into()
        }
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("110101") && !shown.contains('\u{1b}'),
        "{shown}"
    );
}
