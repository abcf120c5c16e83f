//! Spec-driven code generation for Alipay OpenAPI methods.
//!
//! One TOML spec file describes one gateway method (see `api-specs/README.md`). This
//! crate parses it ([`parse`]), checks it and collects every problem with its line and
//! column ([`check`]), and generates Rust ([`expand`]). The `alipay-macros` proc macro,
//! `xtask` and the tests all call [`generate`] directly, so the generator is tested
//! without compiling a macro.

pub mod check;
pub mod diag;
pub mod expand;
pub mod ir;
pub mod parse;
pub mod spec;

use std::path::Path;

use proc_macro2::TokenStream;

pub use diag::{Diagnostic, Diagnostics};

/// Where a spec comes from.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A file on disk; read errors name this path.
    Path(&'a Path),
    /// Spec text already in memory; `name` is what diagnostics call the file.
    Source {
        /// Shown as the file name in diagnostics, e.g. `<inline>`.
        name: &'a str,
        /// The TOML text.
        text: &'a str,
    },
}

impl<'a> From<&'a Path> for Input<'a> {
    fn from(path: &'a Path) -> Self {
        Input::Path(path)
    }
}

/// Reads, parses and checks a spec, returning the checked model.
pub fn load<'a>(input: impl Into<Input<'a>>) -> Result<ir::Method, Diagnostics> {
    let (name, text) = match input.into() {
        Input::Path(path) => {
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => (name, text),
                Err(e) => {
                    return Err(Diagnostics {
                        file: name,
                        items: vec![Diagnostic {
                            line: 0,
                            column: 0,
                            message: format!("cannot read spec file: {e}"),
                        }],
                    });
                }
            }
        }
        Input::Source { name, text } => (name.to_owned(), text.to_owned()),
    };
    load_str(&name, &text)
}

/// Parses and checks spec text; `name` labels diagnostics.
pub fn load_str(name: &str, text: &str) -> Result<ir::Method, Diagnostics> {
    let fail = |items| Diagnostics {
        file: name.to_owned(),
        items,
    };
    let spec = parse::parse(text).map_err(|d| fail(vec![d]))?;
    let mut method = check::check(&spec, text).map_err(fail)?;
    // Only the file name: docs must not depend on where a checkout lives.
    method.spec_file = Path::new(name)
        .file_name()
        .map_or_else(|| name.to_owned(), |f| f.to_string_lossy().into_owned());
    Ok(method)
}

/// Generates the types of one spec, or every problem found in it.
pub fn generate<'a>(input: impl Into<Input<'a>>) -> Result<TokenStream, Diagnostics> {
    let method = load(input)?;
    Ok(expand::expand(&method))
}

/// Formats generated items as Rust source text.
///
/// Returns the tokens' plain `to_string()` if they do not parse as a file, so a caller
/// can still see what was generated.
pub fn pretty(tokens: &TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

/// Best-effort names of the types a broken spec would have generated besides the
/// request/response: its `[[object]]` names and the enums of fields with known values.
/// Reads the TOML loosely (no checks); empty when the TOML itself does not parse.
pub fn guess_type_names(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let fields_of = |v: Option<&toml::Value>| -> Vec<toml::Table> {
        v.and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|f| f.as_table().cloned()).collect())
            .unwrap_or_default()
    };
    let mut names = Vec::new();
    let enums_of = |fields: Vec<toml::Table>, names: &mut Vec<String>| {
        for f in fields.iter().filter(|f| f.contains_key("known_values")) {
            let explicit = f
                .get("enum_name")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let from_name = f
                .get("name")
                .and_then(|v| v.as_str())
                .map(check::upper_camel);
            names.extend(explicit.or(from_name));
        }
    };
    if let Some(request) = doc.get("request").and_then(|v| v.as_table()) {
        enums_of(fields_of(request.get("field")), &mut names);
    }
    for object in fields_of(doc.get("object")) {
        names.extend(
            object
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        );
        names.push(format!(
            "{}Builder",
            object
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        ));
        enums_of(fields_of(object.get("field")), &mut names);
    }
    names.retain(|n| n != "Builder" && !n.is_empty());
    names
}

/// The method name a spec file is named after (`<method>.toml`), for stubs when the
/// file cannot be read.
pub fn method_name_from_path(path: &str) -> Option<String> {
    let stem = std::path::Path::new(path)
        .file_name()?
        .to_str()?
        .strip_suffix(".toml")?;
    guess_method_name(&format!("method = \"{stem}\""))
}

/// A best-effort guess at the `method = "..."` of spec text that does not parse, so that
/// the macro can still emit stub types named like the real ones.
pub fn guess_method_name(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("method")?;
        let rest = rest.trim_start().strip_prefix('=')?.trim();
        let rest = rest.strip_prefix('"')?;
        let name = &rest[..rest.find('"')?];
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
        ok.then(|| name.to_owned())
    })
}
