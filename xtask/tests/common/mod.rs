//! Helpers shared by the import-doc tests: import a page and look into the TOML it gives.

#![allow(dead_code)] // each test file uses a different part

use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `*.txt` pages in `dir`, sorted.
pub(crate) fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    out.sort();
    out
}

/// The spec text imported from a page file.
pub(crate) fn import_text(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    xtask::import_doc::import(&text, "test").unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A shared page (`api-specs/docs/<method>.txt`) or a hand-written one
/// (`xtask/tests/pages/<method>.txt`), imported and parsed.
pub(crate) fn import(method: &str) -> (String, Table) {
    let shared = root().join(format!("api-specs/docs/{method}.txt"));
    let path = if shared.exists() {
        shared
    } else {
        root().join(format!("xtask/tests/pages/{method}.txt"))
    };
    let text = import_text(&path);
    let table = text
        .parse::<Table>()
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, table)
}

pub(crate) fn array<'a>(t: &'a Table, key: &str) -> Vec<&'a Table> {
    t.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).collect())
        .unwrap_or_default()
}

/// `[[request.field]]` / `[[response.field]]` rows.
pub(crate) fn fields<'a>(t: &'a Table, section: &str) -> Vec<&'a Table> {
    t.get(section)
        .and_then(Value::as_table)
        .map(|s| array(s, "field"))
        .unwrap_or_default()
}

pub(crate) fn field<'a>(t: &'a Table, section: &str, name: &str) -> &'a Table {
    fields(t, section)
        .into_iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no {section} field `{name}`"))
}

pub(crate) fn object<'a>(t: &'a Table, name: &str) -> &'a Table {
    array(t, "object")
        .into_iter()
        .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no object `{name}`"))
}

pub(crate) fn object_field<'a>(t: &'a Table, object_name: &str, name: &str) -> &'a Table {
    array(object(t, object_name), "field")
        .into_iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("object `{object_name}` has no field `{name}`"))
}

pub(crate) fn names(fields: &[&Table]) -> Vec<String> {
    fields
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn str_of<'a>(t: &'a Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(Value::as_str)
}

/// The text of the TOML table block that starts with `header` and contains
/// `name = "<name>"` (from the header to the next blank line), to look at comments.
pub(crate) fn block<'a>(text: &'a str, header: &str, name: &str) -> &'a str {
    let needle = format!("name = \"{name}\"");
    text.split("\n\n")
        .find(|b| b.trim_start().starts_with(header) && b.lines().any(|l| l == needle))
        .unwrap_or_else(|| panic!("no {header} block named {name}"))
}
