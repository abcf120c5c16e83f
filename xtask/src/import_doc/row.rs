//! One row of a parameter table: `[└ ...]name type [required] [max_length] description
//! [example]`, cells separated by whitespace, any cell but name, type and description
//! possibly empty (then simply missing from the line).

use super::Review;

/// A type as the page writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocType {
    /// A type with a fixed spec name (`string`, `price`, `file`, `json_object`, ...).
    Scalar(&'static str),
    /// A name that is not a known type: an object, if `└ ` rows follow.
    Named(String),
    /// `X[]` or `List<X>`.
    Array(Box<DocType>),
}

impl DocType {
    /// The object name this type needs `└ ` rows for, if any.
    pub(crate) fn object_name(&self) -> Option<&str> {
        match self {
            DocType::Named(n) => Some(n),
            DocType::Array(inner) => inner.object_name(),
            DocType::Scalar(_) => None,
        }
    }

    /// The spec `type`.
    pub(crate) fn spec_type(&self) -> String {
        match self {
            DocType::Scalar(s) => (*s).to_owned(),
            DocType::Named(n) => n.clone(),
            DocType::Array(inner) => format!("{}[]", inner.spec_type()),
        }
    }
}

/// The required cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Required {
    Yes,
    No,
    /// 特殊可选: optional, required under a condition the description states.
    Conditional,
    /// The cell is empty.
    Unstated,
}

/// A parameter-table row as read, before nesting is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRow {
    pub(crate) line: usize,
    /// How many `└` markers precede the name.
    pub(crate) depth: usize,
    pub(crate) name: String,
    pub(crate) doc_type: DocType,
    pub(crate) required: Required,
    pub(crate) max_length: Option<i64>,
    pub(crate) description: String,
    pub(crate) example: Option<String>,
    pub(crate) reviews: Vec<Review>,
}

/// The whitespace-separated cells of `s` as byte ranges, so that a multi-cell run can be
/// taken back verbatim from the line.
pub(crate) fn cells(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(b)) => {
                out.push((b, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(b) = start {
        out.push((b, s.len()));
    }
    out
}

const ROW_SHAPE: &str = "`name type [required] [max_length] description [example]`";

/// Reads one row; `number` is its 1-based line number, for errors.
pub(crate) fn parse_row(line: &str, number: usize) -> Result<RawRow, String> {
    let mut rest = line.trim_start();
    let mut depth = 0;
    while let Some(r) = rest.strip_prefix('└') {
        depth += 1;
        rest = r.trim_start();
    }
    let cells = cells(rest);
    let cell = |i: usize| &rest[cells[i].0..cells[i].1];
    if cells.len() < 3 {
        return Err(format!(
            "line {number}: expected {ROW_SHAPE}, found {} cell(s)",
            cells.len()
        ));
    }
    let name = cell(0);
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "line {number}: expected a parameter name (ASCII letters, digits, `_`) as the first cell, found `{}`",
            super::emit::comment_safe(name)
        ));
    }
    let doc_type =
        parse_type(cell(1)).map_err(|e| format!("line {number}: field `{name}`: {e}"))?;
    let mut reviews = Vec::new();
    let mut next = 2;
    let required = match cell(next) {
        "必选" | "必填" | "必须" => Required::Yes,
        "可选" | "选填" => Required::No,
        "特殊可选" => Required::Conditional,
        _ => Required::Unstated,
    };
    if required != Required::Unstated {
        next += 1;
    }
    // A length is a cell of digits with a description after it: a lone last cell is the
    // description, whatever it looks like.
    let mut max_length = None;
    if next + 1 < cells.len() && cell(next).bytes().all(|b| b.is_ascii_digit()) {
        let text = cell(next);
        match text.parse::<i64>() {
            Ok(n) if n > 0 => max_length = Some(n),
            _ => {
                return Err(format!(
                    "line {number}: field `{name}`: the max length `{text}` is not a positive integer that fits in 64 bits"
                ));
            }
        }
        next += 1;
    }
    if next >= cells.len() {
        return Err(format!(
            "line {number}: field `{name}`: expected a description after the {} cell",
            if max_length.is_some() {
                "max length"
            } else {
                "required"
            }
        ));
    }
    let rem = &cells[next..];
    let (description, example) = split_description(rest, rem, &mut reviews);
    Ok(RawRow {
        line: number,
        depth,
        name: name.to_owned(),
        doc_type,
        required,
        max_length,
        description,
        example,
        reviews,
    })
}

/// Splits the cells after the length into the description and the example. Neither is
/// marked on the page: an example that is JSON (`{...}`/`[...]`, possibly with spaces)
/// runs to the end of the line; otherwise the last cell is the example, and when that
/// leaves a description with spaces the split is a guess and says so.
fn split_description(
    line: &str,
    rem: &[(usize, usize)],
    reviews: &mut Vec<Review>,
) -> (String, Option<String>) {
    let text = |from: usize, to: usize| line[rem[from].0..rem[to].1].to_owned();
    let last = rem.len() - 1;
    if last == 0 {
        return (text(0, 0), None);
    }
    let ends_json = line.trim_end().ends_with(['}', ']']);
    let json_from = (1..rem.len()).find(|&k| line[rem[k].0..].starts_with(['{', '[']));
    if let (true, Some(k)) = (ends_json, json_from) {
        return (text(0, k - 1), Some(text(k, last)));
    }
    // A date-time example (`2016-12-31 10:05:01`) is one value in two cells.
    let shape = |s: &str, sep: u8| {
        s.len() >= 5
            && s.bytes().all(|b| b.is_ascii_digit() || b == sep)
            && s.bytes().filter(|&b| b == sep).count() == 2
    };
    let start =
        if last >= 2 && shape(&text(last - 1, last - 1), b'-') && shape(&text(last, last), b':') {
            last - 1
        } else {
            last
        };
    if start > 1 {
        reviews.push(Review {
            key: "description",
            note: format!(
                "the description/example cells contain spaces; took the last cell `{}` as the example",
                super::emit::comment_safe(&text(start, last))
            ),
        });
    }
    (text(0, start - 1), Some(text(start, last)))
}

/// The type cell: String, Boolean, Number, Long, Integer, Int, Price, Date, FileItem,
/// File, byte[], JSONObject, `X[]`, `List<X>`, or an object name.
pub(crate) fn parse_type(cell: &str) -> Result<DocType, String> {
    let scalar = match cell.to_ascii_lowercase().as_str() {
        "string" => Some("string"),
        "boolean" | "bool" => Some("bool"),
        "number" => Some("number"),
        "long" | "integer" | "int" => Some("integer"),
        "price" => Some("price"),
        "date" => Some("date"),
        "fileitem" | "file" | "byte[]" => Some("file"),
        "jsonobject" => Some("json_object"),
        _ => None,
    };
    if let Some(s) = scalar {
        return Ok(DocType::Scalar(s));
    }
    let inner = cell
        .strip_suffix("[]")
        .or_else(|| cell.strip_prefix("List<")?.strip_suffix('>'));
    if let Some(inner) = inner {
        return match parse_type(inner) {
            Ok(DocType::Array(_)) => Err(format!("unsupported type `{cell}` (an array of arrays)")),
            Ok(DocType::Scalar("file")) => {
                Err(format!("unsupported type `{cell}` (an array of files)"))
            }
            Ok(t) => Ok(DocType::Array(Box::new(t))),
            Err(_) => Err(unsupported(cell)),
        };
    }
    let object_name = cell.starts_with(|c: char| c.is_ascii_uppercase())
        && cell.chars().all(|c| c.is_ascii_alphanumeric());
    if object_name {
        Ok(DocType::Named(cell.to_owned()))
    } else {
        Err(unsupported(cell))
    }
}

fn unsupported(cell: &str) -> String {
    format!(
        "unsupported type `{}` (expected String, Boolean, Number, Long, Integer, Price, Date, FileItem, byte[], `X[]`, `List<X>` or an object name followed by `└ ` rows)",
        super::emit::comment_safe(cell)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cells_are_recognised_by_what_stands_there() {
        let r = parse_row("a String 必选 32 描述 例", 1).unwrap();
        assert_eq!((r.required, r.max_length), (Required::Yes, Some(32)));
        assert_eq!(
            (r.description.as_str(), r.example.as_deref()),
            ("描述", Some("例"))
        );
        // Empty required cell, length present.
        let r = parse_row("biz_no String 32 唯一标识 ZM2016", 1).unwrap();
        assert_eq!((r.required, r.max_length), (Required::Unstated, Some(32)));
        // Empty length: the description stands where the number was.
        let r = parse_row("certify_id String 必选 唯一标识 03cd", 1).unwrap();
        assert_eq!(r.max_length, None);
        assert_eq!(r.description, "唯一标识");
        // Empty example.
        let r = parse_row("failed_reason String 认证不通过的原因", 1).unwrap();
        assert_eq!(
            (r.description.as_str(), r.example),
            ("认证不通过的原因", None)
        );
        // A lone digit cell is the description, never a length.
        let r = parse_row("n String 必选 30", 1).unwrap();
        assert_eq!((r.max_length, r.description.as_str()), (None, "30"));
    }

    #[test]
    fn json_examples_keep_their_spaces_and_depth_is_counted() {
        let r = parse_row("└ └ x String 可选 10 说明 {\"a\": 1, \"b\": [2]}", 3).unwrap();
        assert_eq!(r.depth, 2);
        assert_eq!(r.example.as_deref(), Some("{\"a\": 1, \"b\": [2]}"));
        assert!(r.reviews.is_empty());
        let r = parse_row("└└y String 特殊可选 说明", 3).unwrap();
        assert_eq!((r.depth, r.required), (2, Required::Conditional));
    }

    #[test]
    fn a_date_time_example_is_one_value() {
        let r = parse_row(
            "t Date 可选 32 格式为yyyy-MM-dd HH:mm:ss 2016-12-31 10:05:01",
            1,
        )
        .unwrap();
        assert_eq!(r.example.as_deref(), Some("2016-12-31 10:05:01"));
        assert_eq!(r.description, "格式为yyyy-MM-dd HH:mm:ss");
        assert_eq!(r.reviews.len(), 1, "the description still has a space");
        let r = parse_row("t Date 可选 32 开始时间 2016-12-31 10:05:01", 1).unwrap();
        assert_eq!((r.description.as_str(), r.reviews.len()), ("开始时间", 0));
    }

    #[test]
    fn a_description_with_spaces_is_a_flagged_guess() {
        let r = parse_row("biz_code String 必选 32 取值: FACE:人脸 CERT:证照 FACE", 1).unwrap();
        assert_eq!(r.description, "取值: FACE:人脸 CERT:证照");
        assert_eq!(r.example.as_deref(), Some("FACE"));
        assert_eq!(r.reviews.len(), 1);
    }

    #[test]
    fn types() {
        let spec = |c: &str| parse_type(c).unwrap().spec_type();
        assert_eq!(spec("List<GoodsDetail>"), "GoodsDetail[]");
        assert_eq!(spec("String[]"), "string[]");
        assert_eq!(spec("List<String>"), "string[]");
        assert_eq!(spec("byte[]"), "file");
        assert_eq!(spec("FileItem"), "file");
        assert_eq!(spec("Price"), "price");
        assert_eq!(spec("Long"), "integer");
        assert!(parse_type("List<List<String>>").is_err());
        assert!(parse_type("map<a,b>").is_err());
        assert!(parse_type("string?").is_err());
    }
}
