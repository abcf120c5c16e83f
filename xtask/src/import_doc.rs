//! `cargo xtask import-doc`: an Alipay doc page (as text, in the layout of
//! `api-specs/docs/*.txt`) -> a draft spec TOML in the format of `api-specs/README.md`.
//!
//! Real pages leave cells empty where their source gave no value, nest objects with `└ `
//! rows, put some methods' parameters in the form instead of `biz_content`, and mix
//! server, page-redirect and app-order methods. The importer records what the page says
//! and nothing more: an empty length is no limit, an empty required cell is
//! `required_unstated`, and every choice it had to make is a `# REVIEW: ` comment on the
//! line before the key it concerns. Descriptions stay the page's Chinese text verbatim.
//! An unreadable line is an error naming its number and what was expected.

mod emit;
mod page;
mod row;

use std::fs;
use std::path::Path;

/// `cargo xtask import-doc PAGE [-o SPEC]`: reads the page and writes the spec TOML to
/// `output` (standard output when `None`).
pub fn run(page: &Path, output: Option<&Path>) -> Result<(), String> {
    let text =
        fs::read_to_string(page).map_err(|e| format!("cannot read {}: {e}", page.display()))?;
    let toml = import(&text, &page.display().to_string())
        .map_err(|e| format!("{}: {e}", page.display()))?;
    match output {
        Some(out) => {
            fs::write(out, toml).map_err(|e| format!("cannot write {}: {e}", out.display()))
        }
        None => {
            print!("{toml}");
            Ok(())
        }
    }
}

/// Converts the text of a doc page into spec TOML; `source` is recorded as the spec's
/// `source`. The error names the line that could not be read and what was expected there.
pub fn import(page_text: &str, source: &str) -> Result<String, String> {
    Ok(emit::to_spec_toml(&page::parse_page(page_text)?, source))
}

/// How the method is called (`call_style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallStyle {
    Server,
    PageRedirect,
    AppOrder,
}

/// How the gateway takes an object-typed field (`carried`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carried {
    JsonString,
    Object,
}

/// A `# REVIEW: ` note on the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Review {
    pub(crate) key: &'static str,
    pub(crate) note: String,
}

/// One field of the request, the response or an object, with its spec type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) line: usize,
    pub(crate) name: String,
    /// The spec `type`: `string`, `price`, `string[]`, `OpenCertifyIdentityParam`, ...
    pub(crate) ty: String,
    pub(crate) carried: Option<Carried>,
    pub(crate) required: bool,
    pub(crate) required_unstated: bool,
    pub(crate) max_length: Option<i64>,
    pub(crate) description: String,
    pub(crate) example: Option<String>,
    pub(crate) reviews: Vec<Review>,
}

/// A nested object type built from a row and its `└ ` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) fields: Vec<Field>,
}

/// One row of the 业务错误码 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorCode {
    pub(crate) code: String,
    pub(crate) description: String,
    pub(crate) solution: Option<String>,
    pub(crate) retryable: bool,
    pub(crate) reviews: Vec<Review>,
}

/// Everything the page says about the method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) method: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) call_style: CallStyle,
    /// `true`: the request fields are top-level form parameters, not `biz_content` keys.
    pub(crate) form_parameters: bool,
    pub(crate) encryption_required: bool,
    pub(crate) idempotency_key: Option<String>,
    /// Notes on top-level keys (`call_style`, `parameters`, `idempotency_key`, ...).
    pub(crate) reviews: Vec<Review>,
    pub(crate) request: Vec<Field>,
    pub(crate) response: Vec<Field>,
    pub(crate) objects: Vec<Object>,
    pub(crate) error_codes: Vec<ErrorCode>,
}
