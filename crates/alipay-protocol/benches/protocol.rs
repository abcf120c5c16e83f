//! Where the time of a call goes on our side: signing, verifying, building the sign
//! content of a ~200 KB certify request, and checking a response.
//!
//! `cargo bench -p alipay-protocol`

use std::hint::black_box;

use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Charset, RustCryptoSigner, RustCryptoVerifier, SignType,
    SignedRequest, Signer, Verifier, VerifyOptions, verify_response,
};
use criterion::{Criterion, criterion_group, criterion_main};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{path}")).unwrap()
}

fn signing(c: &mut Criterion) {
    let key = AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap();
    let rc = RustCryptoSigner(&key);
    let msg = b"app_id=2021000000000001&biz_content={}&charset=utf-8&method=m&sign_type=RSA2&timestamp=2025-01-15 10:30:00&version=1.0";
    c.bench_function("sign RSA2 aws-lc-rs (default)", |b| {
        b.iter(|| key.sign(SignType::Rsa2, black_box(msg)).unwrap())
    });
    c.bench_function("sign RSA2 RustCrypto rsa 0.10", |b| {
        b.iter(|| rc.sign(SignType::Rsa2, black_box(msg)).unwrap())
    });
    c.bench_function("sign RSA (SHA-1) RustCrypto rsa 0.10 (default)", |b| {
        b.iter(|| key.sign(SignType::Rsa, black_box(msg)).unwrap())
    });
    let public = key.public_key().clone();
    let sig = key.sign(SignType::Rsa2, msg).unwrap();
    c.bench_function("verify RSA2 aws-lc-rs (default)", |b| {
        b.iter(|| assert!(public.verify(SignType::Rsa2, black_box(msg), &sig)))
    });
    let rcv = RustCryptoVerifier(&public);
    c.bench_function("verify RSA2 RustCrypto rsa 0.10", |b| {
        b.iter(|| assert!(rcv.verify(SignType::Rsa2, black_box(msg), &sig)))
    });
    c.bench_function("parse app private key (PKCS#8 base64)", |b| {
        let text = read("keys/app_private_pkcs8.b64");
        b.iter(|| AppPrivateKey::parse(black_box(&text)).unwrap())
    });
}

fn envelope(c: &mut Criterion) {
    let vectors: serde_json::Value = serde_json::from_str(&read("sign.json")).unwrap();
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "zhima_material_certify_large_200kb")
        .unwrap();
    let params: Vec<(String, String)> = case["params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let key = AppPrivateKey::parse(read("keys/app_private_pkcs1.pem")).unwrap();
    c.bench_function(
        "sign a 200 KB certify request (content + RSA2 + form body)",
        |b| {
            b.iter(|| {
                let signed = SignedRequest::sign_params(
                    params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    SignType::Rsa2,
                    Charset::Utf8,
                    &key,
                )
                .unwrap();
                black_box(signed.body());
            })
        },
    );
}

fn response(c: &mut Criterion) {
    let vectors: serde_json::Value = serde_json::from_str(&read("response.json")).unwrap();
    let case = &vectors["cases"][0];
    let body = case["body"].as_str().unwrap().as_bytes().to_vec();
    let key = AlipayPublicKey::parse(read("keys/alipay_public.pem")).unwrap();
    let opts = VerifyOptions {
        method: case["method"].as_str().unwrap(),
        sign_type: SignType::Rsa2,
        charset: Charset::Utf8,
        verifier: &key,
    };
    c.bench_function("verify a certify response body", |b| {
        b.iter(|| verify_response(black_box(&body), &opts).unwrap())
    });
}

criterion_group!(benches, signing, envelope, response);
criterion_main!(benches);
