//! Expansion snapshots: one per spec file (named after it), formatted with prettyplease.

use std::path::{Path, PathBuf};

fn specs_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no specs in {}", dir.display());
    files
}

fn snapshot_all(dir: &Path) {
    for path in specs_in(dir) {
        let tokens = alipay_codegen::generate(path.as_path()).unwrap_or_else(|d| panic!("{d}"));
        let text = alipay_codegen::pretty(&tokens);
        // Proves the output is a well-formed Rust file, not just a token dump.
        syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{}: does not parse: {e}", path.display()));
        let name = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('.', "_");
        insta::with_settings!({ input_file => &path, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

#[test]
fn api_specs() {
    snapshot_all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-specs"));
}

#[test]
fn fixture_specs() {
    snapshot_all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok"));
}
