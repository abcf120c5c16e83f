//! `alipay sandbox`: run the emulated gateway, or make a fresh key (or certificate) set
//! for it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alipay_sandbox::{
    ALIPAY_CERT_FILE, CertSet, DEFAULT_APP_ID, DEFAULT_PRODUCT_CODE, KEY_FILES, KeySet,
    ROOT_CERT_FILE, Sandbox, SandboxConfig, app_cert_file,
};
use clap::{Args, Subcommand};

use crate::{CliError, read_key_file};

/// `alipay sandbox ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the emulated gateway until interrupted; prints the address it listens on.
    ///
    /// Public-key mode takes --app-public-key and --alipay-private-key (files from
    /// `alipay sandbox keygen <DIR>`); certificate mode takes --cert-dir (from
    /// `alipay sandbox keygen <DIR> --cert-mode`). --aes-key turns on content encryption
    /// for the app in either mode. Requests are not recorded.
    Serve(ServeArgs),
    /// Write a fresh key set (app and emulated-Alipay RSA-2048 pairs) into a directory;
    /// with --cert-mode also a certificate set (app, Alipay and root certificates).
    Keygen(KeygenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The app id clients use (in certificate mode also names the app certificate
    /// file `appCertPublicKey_APPID.crt` in --cert-dir).
    #[arg(long, default_value = DEFAULT_APP_ID)]
    app_id: String,
    /// Public-key mode: the app public key (verifies requests).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "cert_dir",
        conflicts_with = "cert_dir"
    )]
    app_public_key: Option<PathBuf>,
    /// Public-key mode: the emulated Alipay private key (signs responses).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "cert_dir",
        conflicts_with = "cert_dir"
    )]
    alipay_private_key: Option<PathBuf>,
    /// Certificate mode: a directory written by `alipay sandbox keygen <DIR>
    /// --cert-mode` (its key files, certificates and the sandbox CA).
    #[arg(long, value_name = "DIR")]
    cert_dir: Option<PathBuf>,
    /// Turn on content encryption (接口内容加密) for the app with this AES key, base64
    /// of 16 or 32 bytes (e.g. from `openssl rand -base64 16`): requests must then
    /// carry encrypt_type=AES and encrypted biz_content.
    #[arg(long, value_name = "BASE64")]
    aes_key: Option<String>,
    /// The product code `product_code` must match.
    #[arg(long, default_value = DEFAULT_PRODUCT_CODE)]
    product_code: String,
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Directory to write the PEM files into (created if missing).
    dir: PathBuf,
    /// Also issue a certificate set (公钥证书模式): the app certificate
    /// appCertPublicKey_APPID.crt, the Alipay certificate alipayCertPublicKey_RSA2.crt
    /// (with its intermediate), the root bundle alipayRootCert.crt, and the sandbox's
    /// own CA files.
    #[arg(long)]
    cert_mode: bool,
    /// The app id the app certificate is issued for (--cert-mode) and the printed
    /// serve command uses.
    #[arg(long, default_value = DEFAULT_APP_ID)]
    app_id: String,
}

pub(crate) fn run(command: SandboxCommand) -> Result<ExitCode, CliError> {
    match command {
        SandboxCommand::Keygen(args) => keygen(args),
        SandboxCommand::Serve(args) => serve(args),
    }
}

fn keygen(args: KeygenArgs) -> Result<ExitCode, CliError> {
    if args.cert_mode {
        return keygen_certs(&args);
    }
    let keys = KeySet::generate()?;
    keys.write_to_dir(&args.dir)?;
    println!("wrote a fresh key set to {}:", args.dir.display());
    for name in KEY_FILES {
        println!("  {name}");
    }
    let dir = args.dir.display();
    let app_id = &args.app_id;
    println!();
    println!("serve it:");
    println!(
        "  alipay sandbox serve --addr 127.0.0.1:0 --app-id {app_id} --app-public-key {dir}/{} --alipay-private-key {dir}/{}",
        KEY_FILES[1], KEY_FILES[2]
    );
    println!(
        "and configure the client with {dir}/{} and {dir}/{}",
        KEY_FILES[0], KEY_FILES[3]
    );
    Ok(ExitCode::SUCCESS)
}

fn keygen_certs(args: &KeygenArgs) -> Result<ExitCode, CliError> {
    // The id becomes the certificate's CN and part of a file name; say which flag is
    // wrong before spending time on key generation.
    if args.app_id.is_empty() || !args.app_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CliError(format!(
            "--app-id `{}`: an app id is ASCII letters and digits",
            args.app_id
        )));
    }
    let certs = CertSet::generate(&args.app_id)?;
    certs.write_to_dir(&args.dir)?;
    let dir = args.dir.display();
    let app_id = &args.app_id;
    println!(
        "wrote a fresh certificate set for app {app_id} to {}:",
        args.dir.display()
    );
    for name in KEY_FILES {
        println!("  {name}");
    }
    for name in [
        app_cert_file(app_id).as_str(),
        ALIPAY_CERT_FILE,
        ROOT_CERT_FILE,
        alipay_sandbox::CA_CERT_FILE,
        alipay_sandbox::CA_KEY_FILE,
    ] {
        println!("  {name}");
    }
    println!();
    println!("serve it:");
    println!("  alipay sandbox serve --addr 127.0.0.1:0 --app-id {app_id} --cert-dir {dir}");
    println!("and configure the client (certificate mode) with:");
    println!("  app private key:         {dir}/{}", KEY_FILES[0]);
    println!("  app certificate:         {dir}/{}", app_cert_file(app_id));
    println!("  Alipay certificate:      {dir}/{ALIPAY_CERT_FILE}");
    println!("  Alipay root certificate: {dir}/{ROOT_CERT_FILE}");
    Ok(ExitCode::SUCCESS)
}

/// Reads the certificate set of `--cert-dir`; the error names the flag and the file.
fn read_cert_dir(dir: &Path, app_id: &str) -> Result<CertSet, CliError> {
    CertSet::read_from_dir(dir, app_id).map_err(|e| {
        CliError(format!(
            "--cert-dir `{}` (app id {app_id}; files from `alipay sandbox keygen <DIR> --cert-mode --app-id {app_id}`): {}",
            dir.display(),
            alipay_api::ErrorChain(&e)
        ))
    })
}

fn serve(args: ServeArgs) -> Result<ExitCode, CliError> {
    let mut config = match (
        &args.cert_dir,
        &args.app_public_key,
        &args.alipay_private_key,
    ) {
        (Some(dir), _, _) => {
            let certs = read_cert_dir(dir, &args.app_id)?;
            SandboxConfig::from_cert_set(&certs).map_err(|e| {
                CliError(format!(
                    "--cert-dir `{}`: {}",
                    dir.display(),
                    alipay_api::ErrorChain(&e)
                ))
            })?
        }
        (None, Some(app_public_key), Some(alipay_private_key)) => {
            let app_public = read_key_file(app_public_key, "--app-public-key")?;
            let alipay_private = read_key_file(alipay_private_key, "--alipay-private-key")?;
            SandboxConfig::new(&args.app_id, app_public, alipay_private)?
        }
        // clap requires both key flags unless --cert-dir is given.
        _ => {
            return Err(CliError(
                "give --app-public-key and --alipay-private-key, or --cert-dir".into(),
            ));
        }
    };
    if let Some(key) = &args.aes_key {
        // The error says what is wrong with the key, never the key itself.
        config = config
            .aes_key(&args.app_id, key)
            .map_err(|e| CliError(format!("--aes-key: {}", alipay_api::ErrorChain(&e))))?;
    }
    // Recorded requests are only readable through the library API, and they would keep
    // every caller's biz_content (ID numbers, photos) for as long as the server runs.
    let config = config.product_code(args.product_code).record_requests(0);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config, args.addr).await?;
        println!("alipay sandbox listening on {}", sandbox.addr());
        println!("gateway URL: {}", sandbox.url());
        println!("app id: {}", args.app_id);
        if args.cert_dir.is_some() {
            println!("mode: certificate (公钥证书模式)");
        }
        if args.aes_key.is_some() {
            println!("content encryption: AES (biz_content requests must carry encrypt_type=AES)");
        }
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| CliError(format!("cannot wait for Ctrl-C: {e}")))?;
        sandbox.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}
