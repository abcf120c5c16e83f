//! `cargo xtask import-doc`: an Alipay doc page (as text, in the layout of
//! `api-specs/docs/*.txt`) -> a spec TOML with every field of the 请求参数 and 响应参数
//! tables. All fields come out as `string` (that is what the tables say); turning a field
//! into a nested object, an enum or a sensitive field is a review step by hand.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// One row of a parameter table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) ty: &'static str,
    pub(crate) required: bool,
    pub(crate) max_length: u64,
    pub(crate) description: String,
    pub(crate) example: Option<String>,
}

/// What the page says about the method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) method: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) request: Vec<Row>,
    pub(crate) response: Vec<Row>,
}

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
/// `source`. The error names the line that could not be read.
pub fn import(page_text: &str, source: &str) -> Result<String, String> {
    Ok(to_spec_toml(&parse_page(page_text)?, source))
}

pub(crate) fn parse_page(text: &str) -> Result<Page, String> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().ok_or("line 1: the page is empty")?;
    let (method, title) = parse_heading(first).ok_or_else(|| {
        format!(
            "line 1: expected `<method>(<title>)` as the first line, found `{}`",
            first.trim()
        )
    })?;
    let description = lines
        .iter()
        .skip(1)
        .map(|l| l.trim())
        .take_while(|l| *l != "公共参数")
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned();
    let request = parse_table(&lines, "请求参数")?;
    let response = parse_table(&lines, "响应参数")?;
    Ok(Page {
        method,
        title,
        description,
        request,
        response,
    })
}

fn parse_heading(line: &str) -> Option<(String, String)> {
    let open = line.find('(')?;
    let close = open + line[open..].find(')')?;
    let method = line[..open].trim();
    let valid = method.contains('.')
        && method
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
    valid.then(|| (method.to_owned(), line[open + 1..close].trim().to_owned()))
}

/// Rows of the table under the heading line exactly equal to `heading` (so 公共请求参数
/// does not match 请求参数), up to the first blank line.
fn parse_table(lines: &[&str], heading: &str) -> Result<Vec<Row>, String> {
    let at = lines
        .iter()
        .position(|l| l.trim() == heading)
        .ok_or_else(|| format!("no `{heading}` section found"))?;
    let mut i = at + 1;
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    match lines.get(i) {
        Some(h) if h.trim_start().starts_with("参数") => i += 1,
        _ => {
            return Err(format!(
                "line {}: expected the `参数 类型 是否必填 最大长度 描述 示例值` header of the {heading} table",
                i + 1
            ));
        }
    }
    let mut rows = Vec::new();
    while let Some(line) = lines.get(i) {
        if line.trim().is_empty() {
            break;
        }
        rows.push(parse_row(line, i + 1)?);
        i += 1;
    }
    if rows.is_empty() {
        return Err(format!("line {}: the {heading} table has no rows", i + 1));
    }
    Ok(rows)
}

/// `name type required max_length description [example...]`. The page's cells are
/// separated by spaces and its descriptions contain none, while examples (JSON) may:
/// everything after the description is the example.
fn parse_row(line: &str, number: usize) -> Result<Row, String> {
    let cells: Vec<&str> = line.split_whitespace().collect();
    if cells.len() < 5 {
        return Err(format!(
            "line {number}: expected `name type required max_length description [example]`, found {} cells",
            cells.len()
        ));
    }
    let name = cells[0];
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("line {number}: `{name}` is not a parameter name"));
    }
    let ty = match cells[1] {
        "String" | "Date" => "string",
        "Boolean" => "bool",
        "Number" | "Long" | "Integer" => "integer",
        other => {
            return Err(format!(
                "line {number}: field `{name}`: unsupported type `{other}` (expected String, Boolean, Number, Long, Integer or Date)"
            ));
        }
    };
    let required = match cells[2] {
        "必选" | "必填" => true,
        "可选" => false,
        other => {
            return Err(format!(
                "line {number}: field `{name}`: the required column must be 必选, 必填 or 可选, found `{other}`"
            ));
        }
    };
    let max_length: u64 = cells[3].parse().map_err(|_| {
        format!(
            "line {number}: field `{name}`: the max length `{}` is not a number",
            cells[3]
        )
    })?;
    let example = (cells.len() > 5).then(|| cells[5..].join(" "));
    Ok(Row {
        name: name.to_owned(),
        ty,
        required,
        max_length,
        description: cells[4].to_owned(),
        example,
    })
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

pub(crate) fn to_spec_toml(page: &Page, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `cargo xtask import-doc`. Review before use: nested objects, known values,\n\
         # sensitive fields and patterns are not in the doc tables. Format: api-specs/README.md."
    );
    let _ = writeln!(out, "method = {}", toml_str(&page.method));
    let _ = writeln!(out, "title = {}", toml_str(&page.title));
    let _ = writeln!(out, "description = {}", toml_str(&page.description));
    let _ = writeln!(out, "source = {}", toml_str(source));
    let _ = writeln!(out, "call_style = \"server\"");
    for (section, rows) in [("request", &page.request), ("response", &page.response)] {
        for row in rows {
            let _ = writeln!(out, "\n[[{section}.field]]");
            let _ = writeln!(out, "name = {}", toml_str(&row.name));
            let _ = writeln!(out, "type = {}", toml_str(row.ty));
            let _ = writeln!(out, "required = {}", row.required);
            let _ = writeln!(out, "max_length = {}", row.max_length);
            let _ = writeln!(out, "description = {}", toml_str(&row.description));
            if let Some(ex) = &row.example {
                let _ = writeln!(out, "example = {}", toml_str(ex));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    const METHOD: &str = "zhima.customer.certification.material.certify";

    fn flat(fields: &[alipay_codegen::ir::Field]) -> Vec<(String, bool, Option<usize>)> {
        fields
            .iter()
            .map(|f| (f.wire_name.clone(), f.required, f.max_length))
            .collect()
    }

    #[test]
    fn importing_the_doc_page_matches_the_checked_in_spec() {
        let root = workspace_root();
        let page = fs::read_to_string(root.join(format!("api-specs/docs/{METHOD}.txt"))).unwrap();
        let imported = to_spec_toml(&parse_page(&page).unwrap(), "doc");
        let imported =
            alipay_codegen::load_str("<imported>", &imported).unwrap_or_else(|d| panic!("{d}"));
        let spec = alipay_codegen::load(root.join(format!("api-specs/{METHOD}.toml")).as_path())
            .unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(imported.name, spec.name);
        assert_eq!(imported.title, spec.title);
        assert_eq!(flat(&imported.request), flat(&spec.request));
        assert_eq!(flat(&imported.response), flat(&spec.response));
        assert_eq!(imported.request.len(), 8);
        assert_eq!(imported.response.len(), 3);
        // The example column, JSON with spaces included, survives verbatim.
        assert_eq!(
            imported.request[3].example.as_deref(),
            spec.request[3].example.as_deref()
        );
        assert_eq!(
            imported.request[0].example.as_deref(),
            Some("ZGYD201610252323000001234")
        );
    }

    #[test]
    fn unreadable_rows_name_their_line() {
        let page = "a.b.c(T)\n\n请求参数\n\n参数 类型 是否必填 最大长度 描述 示例值\nx String 必选 32 d e\ny String 必选 many d e\n\n响应参数\n\n参数\nz String 必填 1 d\n";
        let err = parse_page(page).unwrap_err();
        assert_eq!(
            err,
            "line 7: field `y`: the max length `many` is not a number"
        );
        let err = parse_page("a.b.c(T)\n\n请求参数\n\n参数\nx Strin 必选 32 d\n").unwrap_err();
        assert!(
            err.starts_with("line 6: field `x`: unsupported type `Strin`"),
            "{err}"
        );
        let err = parse_page("not a heading\n").unwrap_err();
        assert!(err.starts_with("line 1: "), "{err}");
        let err = parse_page("a.b.c(T)\n\n请求参数\n\n参数\nx String 也许 32 d\n").unwrap_err();
        assert!(
            err.starts_with("line 6: field `x`: the required column"),
            "{err}"
        );
    }
}
