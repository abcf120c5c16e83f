//! `alipay cert-sn`: the serial numbers certificate mode sends (`app_cert_sn`,
//! `alipay_root_cert_sn`) and receives (`alipay_cert_sn`), computed as Alipay does.

use std::path::PathBuf;
use std::process::ExitCode;

use alipay_protocol::cert::{self, Certificate};
use clap::Args;
use serde_json::{Value, json};

use crate::{CliError, read_input};

/// `alipay cert-sn`.
#[derive(Debug, Args)]
pub(crate) struct CertSnArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// A certificate (e.g. appCertPublicKey_APPID.crt: prints its SN) or a bundle
    /// (alipayRootCert.crt: prints alipay_root_cert_sn, then one line per certificate).
    /// PEM, DER, or base64 of either.
    #[arg(value_name = "FILE|-")]
    file: PathBuf,
}

pub(crate) fn run(args: CertSnArgs) -> Result<ExitCode, CliError> {
    let input = read_input(&args.file)?;
    let certs = cert::parse_certificates(&input)?;
    if let [single] = certs.as_slice() {
        if args.json {
            println!(
                "{}",
                json!({"sn": single.sn(), "certificates": [describe(single, None)]})
            );
        } else {
            println!("{}", single.sn());
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Several certificates: a root bundle. The per-certificate lines show why each root
    // is or is not part of `alipay_root_cert_sn`, which is what users need when it
    // does not match the value their other SDK computed.
    let root_sn = cert::root_cert_sn_of(&certs);
    if args.json {
        let entries: Vec<Value> = certs
            .iter()
            .map(|c| describe(c, Some(c.is_rsa_signed())))
            .collect();
        println!(
            "{}",
            json!({"root_cert_sn": root_sn.as_ref().ok(), "certificates": entries})
        );
    } else {
        if let Ok(sn) = &root_sn {
            println!("{sn}");
        }
        let width = certs
            .iter()
            .map(|c| c.signature_algorithm_name().len())
            .max()
            .unwrap_or(0);
        for c in &certs {
            let kept = if c.is_rsa_signed() { "kept" } else { "skipped" };
            println!(
                "{}  {:<width$}  {kept:<7}  {}",
                c.sn(),
                c.signature_algorithm_name(),
                c.subject_dn()
            );
        }
    }
    // A bundle without RSA roots has no SN to send; say so after showing what it holds.
    root_sn?;
    Ok(ExitCode::SUCCESS)
}

/// One certificate as a JSON object; `kept` only for bundles.
fn describe(c: &Certificate, kept: Option<bool>) -> Value {
    let mut v = json!({
        "sn": c.sn(),
        "subject": c.subject_dn(),
        "issuer": c.issuer_dn(),
        "serial": c.serial_decimal(),
        "md5_input": c.sn_input(),
        "signature_algorithm": c.signature_algorithm_name(),
        "signature_algorithm_oid": c.signature_algorithm_oid(),
        "public_key_algorithm": c.public_key_algorithm(),
    });
    if let Some(kept) = kept {
        v["kept"] = json!(kept);
    }
    v
}
