//! Project automation. `cargo xtask codegen [--check]` refreshes checked-in generated
//! files from `api-specs/*.toml`; `cargo xtask import-doc PAGE [-o SPEC]` turns an
//! Alipay doc page into a spec. The build never needs xtask.

mod codegen;

use xtask::import_doc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "Project automation for the Alipay SDK workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the api crate's method list and the README methods table.
    Codegen {
        /// Fail (listing the stale files) instead of writing.
        #[arg(long)]
        check: bool,
    },
    /// Convert a doc page (plain text as on the Alipay open platform) into a spec TOML.
    ImportDoc {
        /// The doc page text file.
        page: PathBuf,
        /// Where to write the spec (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check } => {
            let mode = if check {
                codegen::Mode::Check
            } else {
                codegen::Mode::Write
            };
            codegen::run(&codegen::workspace_root(), mode)
        }
        Command::ImportDoc { page, output } => import_doc::run(&page, output.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
