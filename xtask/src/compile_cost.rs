//! `cargo xtask compile-cost`: what one more spec costs the build (issue 11, item 4).
//!
//! Reports, per spec, the generated lines (formatted with prettyplease) against its
//! field count, with a least-squares fit `lines ≈ a + b·fields`; then times
//! `cargo build -p alipay-api` after touching one spec, once with the whole catalogue
//! and once with only the first spec in the method list. For the second build the
//! generated method list is swapped for a one-method list and put back afterwards
//! (also on failure), so the working tree is left as it was.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen::{load_specs, methods_file, workspace_root};

/// Generated lines and field count of each spec.
pub(crate) fn lines_per_spec(root: &Path) -> Result<Vec<(String, usize, usize)>, String> {
    let mut out = Vec::new();
    for (file, method) in load_specs(root)? {
        let tokens = alipay_codegen::expand::expand(&method);
        let lines = alipay_codegen::pretty(&tokens).lines().count();
        let fields = method.request.len()
            + method.response.len()
            + method.objects.iter().map(|o| o.fields.len()).sum::<usize>();
        out.push((file, fields, lines));
    }
    Ok(out)
}

/// Least-squares `lines = a + b·fields`.
fn fit(points: &[(String, usize, usize)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.1 as f64, y + p.2 as f64));
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(xy, xx), p| {
        let dx = p.1 as f64 - mx;
        (xy + dx * (p.2 as f64 - my), xx + dx * dx)
    });
    let b = if sxx == 0.0 { 0.0 } else { sxy / sxx };
    (my - b * mx, b)
}

fn timed_build(root: &Path, touch: &Path) -> Result<Duration, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = || {
        Command::new(&cargo)
            .args(["build", "--quiet", "-p", "alipay-api"])
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run {cargo}: {e}"))
    };
    // Warm everything else first, so only the re-expansion is measured.
    build()?;
    let text = std::fs::read(touch).map_err(|e| format!("{}: {e}", touch.display()))?;
    std::fs::write(touch, &text).map_err(|e| format!("{}: {e}", touch.display()))?;
    let started = Instant::now();
    let status = build()?;
    if !status.success() {
        return Err(format!("cargo build -p alipay-api failed ({status})"));
    }
    Ok(started.elapsed())
}

/// Puts the method list back when dropped.
struct Restore<'a> {
    path: &'a Path,
    text: String,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(self.path, &self.text) {
            eprintln!("error: could not restore {}: {e}", self.path.display());
        }
    }
}

pub(crate) fn run() -> Result<(), String> {
    let root = workspace_root();
    let points = lines_per_spec(&root)?;
    println!("| spec | fields | generated lines | lines per field |");
    println!("| --- | --- | --- | --- |");
    for (file, fields, lines) in &points {
        println!(
            "| {file} | {fields} | {lines} | {:.1} |",
            *lines as f64 / (*fields).max(1) as f64
        );
    }
    let (a, b) = fit(&points);
    println!("\nfit: lines ≈ {a:.0} + {b:.1} per field\n");

    let specs = load_specs(&root)?;
    let first = specs.first().ok_or("no specs in api-specs/")?;
    let touch = root.join("api-specs").join(&first.0);
    let all = timed_build(&root, &touch)?;
    let methods = root.join("crates/alipay-api/src/generated_methods.rs");
    let original = std::fs::read_to_string(&methods).map_err(|e| e.to_string())?;
    let one = {
        let _restore = Restore {
            path: &methods,
            text: original,
        };
        std::fs::write(&methods, methods_file(&specs[..1])?).map_err(|e| e.to_string())?;
        timed_build(&root, &touch)?
    };
    // Rebuild with the full list so the next build is not surprised.
    timed_build(&root, &touch)?;
    println!(
        "cargo build -p alipay-api after touching {}: {:.1} s with {} specs, {:.1} s with 1",
        first.0,
        all.as_secs_f64(),
        specs.len(),
        one.as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator's output stays linear in the spec: a fixed part per method plus a
    /// bounded part per field (docs included). A change that makes a shape repeat per
    /// field (instead of calling a runtime helper) breaks this.
    #[test]
    fn generated_code_grows_linearly_and_slowly_per_field() {
        let points = lines_per_spec(&workspace_root()).unwrap();
        assert!(points.len() >= 10);
        for (file, fields, lines) in &points {
            assert!(
                *lines <= 160 + 50 * fields,
                "{file}: {lines} generated lines for {fields} fields"
            );
        }
        let (_, per_field) = fit(&points);
        assert!(per_field < 45.0, "{per_field:.1} lines per field");
    }
}
