//! Project automation. `cargo xtask codegen [--check]` refreshes checked-in generated
//! files from `api-specs/*.toml`; `cargo xtask import-doc PAGE [-o SPEC]` turns an
//! Alipay doc page into a spec; `cargo xtask bench [--quick]` measures the SDK against
//! the crypto floor (BENCHMARKS.md); `cargo xtask compile-cost` what each spec costs the
//! build. The build never needs xtask.

mod codegen;
mod compile_cost;

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
    /// What one more spec costs: generated lines per field, and the time of
    /// `cargo build -p alipay-api` after touching a spec with the whole catalogue and
    /// with one spec.
    CompileCost,
    /// Measure each BENCHMARKS.md row against its crypto floor (release build).
    Bench {
        /// Every row in under a minute, one JSON object per line, instead of the full
        /// criterion run.
        #[arg(long)]
        quick: bool,
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
        Command::Bench { quick } => bench(quick),
        Command::CompileCost => compile_cost::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark crate through cargo, so `CARGO_TARGET_DIR` and the lockfile apply.
fn bench(quick: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let runs: &[&[&str]] = if quick {
        &[
            &[
                "run",
                "--quiet",
                "--release",
                "-p",
                "alipay-bench",
                "--bin",
                "quick",
            ],
            &[
                "run",
                "--quiet",
                "--release",
                "-p",
                "alipay-bench",
                "--bin",
                "peak_heap",
            ],
        ]
    } else {
        &[
            &["bench", "-p", "alipay-bench"],
            &[
                "run",
                "--quiet",
                "--release",
                "-p",
                "alipay-bench",
                "--bin",
                "peak_heap",
            ],
        ]
    };
    for args in runs {
        let status = std::process::Command::new(&cargo)
            .args(*args)
            .current_dir(codegen::workspace_root())
            .status()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        if !status.success() {
            return Err(format!("`cargo {}` failed ({status})", args.join(" ")));
        }
    }
    Ok(())
}
