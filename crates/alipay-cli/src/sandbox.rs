//! `alipay sandbox`: run the emulated gateway, or make a fresh key set for it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use alipay_sandbox::{
    DEFAULT_APP_ID, DEFAULT_PRODUCT_CODE, KEY_FILES, KeySet, Sandbox, SandboxConfig,
};
use clap::{Args, Subcommand};

use crate::{CliError, read_key_file};

/// `alipay sandbox ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the emulated gateway until interrupted; prints the address it listens on.
    Serve(ServeArgs),
    /// Write a fresh key set (app and emulated-Alipay RSA-2048 pairs) into a directory.
    Keygen(KeygenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The app id clients use.
    #[arg(long, default_value = DEFAULT_APP_ID)]
    app_id: String,
    /// The app public key (verifies requests).
    #[arg(long, value_name = "FILE")]
    app_public_key: PathBuf,
    /// The emulated Alipay private key (signs responses).
    #[arg(long, value_name = "FILE")]
    alipay_private_key: PathBuf,
    /// The product code `product_code` must match.
    #[arg(long, default_value = DEFAULT_PRODUCT_CODE)]
    product_code: String,
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Directory to write the four PEM files into (created if missing).
    dir: PathBuf,
}

pub(crate) fn run(command: SandboxCommand) -> Result<ExitCode, CliError> {
    match command {
        SandboxCommand::Keygen(args) => keygen(args),
        SandboxCommand::Serve(args) => serve(args),
    }
}

fn keygen(args: KeygenArgs) -> Result<ExitCode, CliError> {
    let keys = KeySet::generate()?;
    keys.write_to_dir(&args.dir)?;
    println!("wrote a fresh key set to {}:", args.dir.display());
    for name in KEY_FILES {
        println!("  {name}");
    }
    let dir = args.dir.display();
    println!();
    println!("serve it:");
    println!(
        "  alipay sandbox serve --addr 127.0.0.1:0 --app-id {DEFAULT_APP_ID} --app-public-key {dir}/{} --alipay-private-key {dir}/{}",
        KEY_FILES[1], KEY_FILES[2]
    );
    println!(
        "and configure the client with {dir}/{} and {dir}/{}",
        KEY_FILES[0], KEY_FILES[3]
    );
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServeArgs) -> Result<ExitCode, CliError> {
    let app_public = read_key_file(&args.app_public_key, "--app-public-key")?;
    let alipay_private = read_key_file(&args.alipay_private_key, "--alipay-private-key")?;
    let config = SandboxConfig::new(&args.app_id, app_public, alipay_private)?
        .product_code(args.product_code);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config, args.addr).await?;
        println!("alipay sandbox listening on {}", sandbox.addr());
        println!("gateway URL: {}", sandbox.url());
        println!("app id: {}", args.app_id);
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| CliError(format!("cannot wait for Ctrl-C: {e}")))?;
        sandbox.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}
