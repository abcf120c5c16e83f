//! The main job: one `zhima.customer.certification.material.certify` call, end to end.
//!
//! ```sh
//! cargo run --example certify
//! ```
//!
//! With no configuration it starts the embedded sandbox gateway on 127.0.0.1 with a
//! fresh key set, builds the documentation example (with a small real JPEG), sends it
//! through the real client over HTTP and prints the signed request (personal data
//! masked), the verified response and the outcome.
//!
//! With `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY`, `ALIPAY_PUBLIC_KEY` and optionally
//! `ALIPAY_GATEWAY` (`production`, `sandbox` or a URL; default production) set — each
//! key a file path or the key itself — the same call goes to that gateway instead.
//! `ALIPAY_PRODUCT_CODE`, `ALIPAY_CERT_NAME`, `ALIPAY_CERT_NO` and `ALIPAY_PHOTO` (a
//! JPEG file) replace the documentation values for a real call.

use std::error::Error as StdError;
use std::time::{SystemTime, UNIX_EPOCH};

use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, IdentityParam, Materials, ZhimaCustomerCertificationMaterialCertifyRequest as Request,
};
use alipay_api::{AlipayClient, AlipayTrust, ApiMethod, Error, Gateway, KeySource};
use alipay_sandbox::{DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};

/// A 48×48 drawing of a face, so the sandbox sees a real JPEG.
const FACE_JPEG: &[u8] = include_bytes!("face.jpg");

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    let real = std::env::var("ALIPAY_APP_ID").ok();
    let mut _sandbox = None;
    let client = match &real {
        Some(app_id) => {
            let gateway: Gateway = match std::env::var("ALIPAY_GATEWAY") {
                Ok(value) => value.parse()?,
                Err(_) => Gateway::Production,
            };
            println!("calling {} as app {app_id}", gateway.url());
            AlipayClient::builder()
                .app_id(app_id)
                .app_private_key(key_from_env("ALIPAY_APP_PRIVATE_KEY")?)
                .alipay_trust(AlipayTrust::public_key(key_from_env("ALIPAY_PUBLIC_KEY")?))
                .gateway(gateway)
                .build()?
        }
        None => {
            let keys = KeySet::generate()?;
            let sandbox =
                Sandbox::start_local(SandboxConfig::from_key_set(DEFAULT_APP_ID, &keys)?).await?;
            println!("embedded sandbox gateway listening on {}", sandbox.url());
            let client = AlipayClient::builder()
                .app_id(DEFAULT_APP_ID)
                .app_private_key(keys.app_private_pem.as_str())
                .alipay_trust(AlipayTrust::public_key(keys.alipay_public_pem.as_str()))
                .gateway(Gateway::Custom(sandbox.url()))
                .build()?;
            _sandbox = Some(sandbox);
            client
        }
    };

    let photo = match std::env::var("ALIPAY_PHOTO") {
        Ok(path) => {
            std::fs::read(&path).map_err(|e| format!("cannot read ALIPAY_PHOTO `{path}`: {e}"))?
        }
        Err(_) => FACE_JPEG.to_vec(),
    };
    let env_or =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let unix = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let request = Request::builder()
        // Unique per call; reused by the client's retries as the idempotency key.
        .transaction_id(format!("ZGYD{unix}"))
        .product_code(env_or("ALIPAY_PRODUCT_CODE", "w1010100000000002978"))
        .biz_code(BizCode::FaceApi)
        .identity_param(IdentityParam::resident_id(
            env_or("ALIPAY_CERT_NAME", "收委"),
            env_or("ALIPAY_CERT_NO", "260104197909275964"),
        ))
        .materials(Materials::facial_picture_front_jpeg(&photo))
        .build()?;

    println!();
    println!("== request ({}) ==", Request::METHOD);
    // The request's Debug masks the name, the ID number and the photo.
    println!("{request:#?}");
    let envelope = client.prepare(&request)?;
    println!();
    println!("== signed envelope (biz_content shown as its length) ==");
    for (name, value) in envelope.params() {
        match name.as_str() {
            "biz_content" => println!("  {name} = <{} bytes of personal data>", value.len()),
            "sign" => println!("  {name} = {}…", &value[..24.min(value.len())]),
            _ => println!("  {name} = {value}"),
        }
    }

    println!();
    match client.execute(&request).await {
        Ok(response) => {
            println!("== verified response ==");
            println!("  biz_no        = {}", response.biz_no);
            println!("  passed        = {}", response.passed);
            println!("  failed_reason = {}", response.failed_reason);
            println!();
            if response.passed {
                println!("outcome: PASSED — the signature verified and the person was certified");
            } else {
                println!("outcome: NOT PASSED — the signature verified; the certification failed");
            }
        }
        Err(Error::Gateway(e)) => {
            println!("== gateway error ==");
            println!("  {e}");
            return Err(Error::Gateway(e).into());
        }
        Err(e) => {
            println!("== call failed ({}) ==", e.kind_name());
            return Err(e.into());
        }
    }
    Ok(())
}

/// A key from the environment: a path to a key file, or the key text itself.
fn key_from_env(name: &str) -> Result<KeySource, String> {
    std::env::var(name)
        .map(KeySource::path_or_value)
        .map_err(|_| format!("{name} is not set (a key file path or the key)"))
}
