//! The page's layout: heading, description, the parameter tables, the error-code table,
//! and what the prose and the Java example say about the call.

use super::row::{self, DocType, RawRow, Required};
use super::{CallStyle, Carried, ErrorCode, Field, Object, Page, Review};

/// Lines that start a section: a table stops at one even without a blank line before it.
const HEADINGS: &[&str] = &[
    "公共参数",
    "公共请求参数",
    "请求参数",
    "响应参数",
    "请求示例",
    "响应示例",
    "异常示例",
    "业务错误码",
    "公共错误码",
];

pub(crate) fn parse_page(text: &str) -> Result<Page, String> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().ok_or("line 1: the page is empty")?;
    let (method, title) = parse_heading(first).ok_or_else(|| {
        format!(
            "line 1: expected `<method>(<title>)` as the first line, found `{}`",
            super::emit::comment_safe(first.trim())
        )
    })?;
    let description = lines
        .iter()
        .skip(1)
        .map(|l| l.trim())
        .take_while(|l| !HEADINGS.contains(l))
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned();

    let mut reviews = Vec::new();
    let call_style = call_style(&description, text, &mut reviews);
    let form_parameters = form_parameters(&lines, &description, &mut reviews);
    let encryption_required = [
        "needEncrypt=true",
        "needEncrypt(true)",
        "需配置AES",
        "需要配置AES",
    ]
    .iter()
    .any(|s| text.contains(s));

    let mut objects = Vec::new();
    let mut request = tree(&table_rows(&lines, "请求参数")?, text, &mut objects)?;
    let response = tree(&table_rows(&lines, "响应参数")?, text, &mut objects)?;
    if call_style != CallStyle::Server {
        // The SDK passes these as call options of page and app calls (the gateway takes
        // them as top-level parameters), so they are no request fields.
        request.retain(|f| {
            let option = matches!(f.name.as_str(), "return_url" | "notify_url");
            if option {
                reviews.push(Review {
                    key: "call_style",
                    note: format!(
                        "line {}: `{}` is a call option of this {} method, not a request field; left out",
                        f.line,
                        f.name,
                        if call_style == CallStyle::AppOrder { "app_order" } else { "page_redirect" }
                    ),
                });
            }
            !option
        });
    }
    for f in request
        .iter_mut()
        .filter(|f| f.ty == "file" && !form_parameters)
    {
        f.reviews.push(Review {
            key: "type",
            note: "a file field on a page whose parameters are in biz_content; files need `parameters = \"form\"`".into(),
        });
    }
    let idempotency_key = idempotency_key(&request, &mut reviews);
    let error_codes = error_codes(&lines, &mut reviews)?;
    Ok(Page {
        method,
        title,
        description,
        call_style,
        form_parameters,
        encryption_required,
        idempotency_key,
        reviews,
        request,
        response,
        objects,
        error_codes,
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

/// Page redirect when the description says 页面跳转 / pageExecute or the Java example
/// calls `pageExecute(`; app order for sdkExecute / 订单字符串.
fn call_style(description: &str, text: &str, reviews: &mut Vec<Review>) -> CallStyle {
    let page = description.contains("页面跳转")
        || description.contains("pageExecute")
        || text.contains("pageExecute(");
    let app = description.contains("sdkExecute")
        || description.contains("订单字符串")
        || text.contains("sdkExecute(");
    match (page, app) {
        (true, true) => {
            reviews.push(Review {
                key: "call_style",
                note: "the page mentions both a page redirect (页面跳转/pageExecute) and an app order string (sdkExecute); chose page_redirect".into(),
            });
            CallStyle::PageRedirect
        }
        (true, false) => CallStyle::PageRedirect,
        (false, true) => CallStyle::AppOrder,
        (false, false) => CallStyle::Server,
    }
}

/// Form parameters when the 公共请求参数 table has no `biz_content` row; the prose
/// (不放在biz_content中, multipart) confirms it, and a disagreement is flagged.
fn form_parameters(lines: &[&str], description: &str, reviews: &mut Vec<Review>) -> bool {
    let says_form = description.contains("不放在biz_content")
        || description.to_ascii_lowercase().contains("multipart");
    let Some(at) = lines.iter().position(|l| l.trim() == "公共请求参数") else {
        reviews.push(Review {
            key: "parameters",
            note: format!(
                "the page has no 公共请求参数 table to show whether biz_content is used; chose {}",
                if says_form {
                    "form (the description says so)"
                } else {
                    "biz_content"
                }
            ),
        });
        return says_form;
    };
    let has_biz_content = lines[at + 1..]
        .iter()
        .skip_while(|l| l.trim().is_empty())
        .skip(1) // the header
        .take_while(|l| !l.trim().is_empty() && !HEADINGS.contains(&l.trim()))
        .any(|l| l.split_whitespace().next() == Some("biz_content"));
    match (has_biz_content, says_form) {
        (false, true) => true,
        (true, false) => false,
        (false, false) => {
            reviews.push(Review {
                key: "parameters",
                note: "公共请求参数 has no biz_content row, so the request fields are taken as top-level form parameters; the prose does not confirm it".into(),
            });
            true
        }
        (true, true) => {
            reviews.push(Review {
                key: "parameters",
                note: "公共请求参数 lists biz_content but the description says the parameters are not in it (不放在biz_content / multipart); chose form".into(),
            });
            true
        }
    }
}

/// The rows of the table under the line exactly equal to `heading` (so 公共请求参数
/// does not match 请求参数), up to a blank line or the next section. An empty table
/// (header only) is no rows.
fn table_rows(lines: &[&str], heading: &str) -> Result<Vec<RawRow>, String> {
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
        if line.trim().is_empty() || HEADINGS.contains(&line.trim()) {
            break;
        }
        rows.push(row::parse_row(line, i + 1)?);
        i += 1;
    }
    Ok(rows)
}

/// Resolves `└ ` nesting: every object row's children become an [`Object`] in `objects`
/// (parents before children, one per name).
fn tree(rows: &[RawRow], text: &str, objects: &mut Vec<Object>) -> Result<Vec<Field>, String> {
    let mut at = 0;
    let fields = level(rows, &mut at, 0, text, objects)?;
    debug_assert_eq!(at, rows.len());
    Ok(fields)
}

fn level(
    rows: &[RawRow],
    at: &mut usize,
    depth: usize,
    text: &str,
    objects: &mut Vec<Object>,
) -> Result<Vec<Field>, String> {
    let mut fields: Vec<Field> = Vec::new();
    while let Some(r) = rows.get(*at) {
        if r.depth < depth {
            break;
        }
        if r.depth > depth {
            return Err(format!(
                "line {}: expected a row at depth {depth} or less (`{}` marks), found depth {}: `└` rows must follow an object row one level up",
                r.line,
                "└ ".repeat(depth).trim_end(),
                r.depth
            ));
        }
        *at += 1;
        if let Some(dup) = fields.iter().find(|f| f.name == r.name) {
            return Err(format!(
                "line {}: field `{}` appears twice at this level (first on line {})",
                r.line, r.name, dup.line
            ));
        }
        let has_children = rows.get(*at).is_some_and(|c| c.depth > depth);
        let mut field = field_of(r);
        match (r.doc_type.object_name(), has_children) {
            (Some(name), true) => {
                let slot = objects.len();
                let children = level(rows, at, depth + 1, text, objects)?;
                let name = register(objects, slot, name, &r.description, children, &mut field);
                field.ty = match &r.doc_type {
                    DocType::Array(_) => format!("{name}[]"),
                    _ => name,
                };
                decide_carried(&mut field, text);
            }
            (Some(name), false) => {
                return Err(format!(
                    "line {}: field `{}`: unsupported type `{name}`: an object name must be followed by its `└ ` rows (expected String, Boolean, Number, Long, Integer, Price, Date, FileItem, byte[], `X[]` or `List<X>` otherwise)",
                    r.line, r.name
                ));
            }
            (None, true) => {
                return Err(format!(
                    "line {}: `└` rows follow field `{}` of type `{}`, expected an object type",
                    rows[*at].line,
                    r.name,
                    r.doc_type.spec_type()
                ));
            }
            (None, false) => {
                if field.ty == "json_object" {
                    decide_carried(&mut field, text);
                }
            }
        }
        fields.push(field);
    }
    Ok(fields)
}

fn field_of(r: &RawRow) -> Field {
    let mut reviews = r.reviews.clone();
    match r.required {
        Required::Unstated => reviews.push(Review {
            key: "required",
            note: "the page's required cell is empty; chose required = false".into(),
        }),
        Required::Conditional => reviews.push(Review {
            key: "required",
            note: "特殊可选: optional, required only under the condition in the description".into(),
        }),
        Required::Yes | Required::No => {}
    }
    let ty = r.doc_type.spec_type();
    if ty == "file" && r.max_length.is_none() {
        reviews.push(Review {
            key: "type",
            note: "the page gives no max length; a file's max_length is in bytes: set it if the description states a size limit".into(),
        });
    }
    Field {
        line: r.line,
        name: r.name.clone(),
        ty,
        carried: None,
        required: r.required == Required::Yes,
        required_unstated: r.required == Required::Unstated,
        max_length: r.max_length,
        description: r.description.clone(),
        example: r.example.clone(),
        reviews,
    }
}

/// Inserts the object at `slot` (so parents come before their children) unless an
/// identical one of that name exists; a different one of the same name gets a numbered
/// name and a review note. Returns the name the field refers to.
fn register(
    objects: &mut Vec<Object>,
    slot: usize,
    name: &str,
    description: &str,
    fields: Vec<Field>,
    field: &mut Field,
) -> String {
    let same = |a: &[Field], b: &[Field]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (&x.name, &x.ty, x.required, x.max_length)
                    == (&y.name, &y.ty, y.required, y.max_length)
            })
    };
    let mut candidate = name.to_owned();
    let mut n = 1;
    while let Some(existing) = objects.iter().find(|o| o.name == candidate) {
        if same(&existing.fields, &fields) {
            return candidate;
        }
        n += 1;
        candidate = format!("{name}{n}");
    }
    if candidate != name {
        field.reviews.push(Review {
            key: "type",
            note: format!(
                "the page uses the object name `{name}` for different fields elsewhere; renamed this one `{candidate}`"
            ),
        });
    }
    objects.insert(
        slot.min(objects.len()),
        Object {
            name: candidate.clone(),
            description: description.to_owned(),
            fields,
        },
    );
    candidate
}

/// `carried`: `json_string` when the description says the value is JSON text (格式为json,
/// json字符串, JSON格式) or an example shows it quoted; `object` when an example shows a
/// bare `{`/`[` after the key (the Java request `"identity_param":{`, a response JSON).
/// Unsure or contradictory: `json_string` and a review note.
fn decide_carried(field: &mut Field, text: &str) {
    let lower = field.description.to_lowercase();
    let says_string = ["格式为json", "json字符串", "json格式", "json串"]
        .iter()
        .any(|k| lower.contains(k));
    let (bare, quoted) = example_shapes(text, &field.name);
    let (carried, note) = match (says_string || quoted, bare) {
        (true, false) => (Carried::JsonString, None),
        (false, true) => (Carried::Object, None),
        (true, true) => (
            Carried::JsonString,
            Some(
                "the description or an example says JSON text but an example shows a bare object; chose json_string",
            ),
        ),
        (false, false) => (
            Carried::JsonString,
            Some(
                "neither the description nor the examples show how the gateway takes this object; chose json_string",
            ),
        ),
    };
    field.carried = Some(carried);
    if let Some(note) = note {
        field.reviews.push(Review {
            key: "carried",
            note: note.into(),
        });
    }
}

/// Whether the page's examples show `"name":` followed by a bare `{`/`[`, and whether by
/// a quoted one (`"{`, or `\"{` inside the Java string).
fn example_shapes(text: &str, name: &str) -> (bool, bool) {
    let (mut bare, mut quoted) = (false, false);
    for (i, _) in text.match_indices(name) {
        if !text[..i].ends_with('"') {
            continue;
        }
        let rest = &text[i + name.len()..];
        let Some(rest) = rest.strip_prefix("\\\"").or_else(|| rest.strip_prefix('"')) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with(['{', '[']) {
            bare = true;
        } else if let Some(r) = rest.strip_prefix("\\\"").or_else(|| rest.strip_prefix('"')) {
            quoted |= r.starts_with(['{', '[']);
        }
    }
    (bare, quoted)
}

/// A required top-level string/integer request field whose description promises that
/// the merchant keeps it unique (商户请求的唯一标志/唯一标识 ... 唯一性) or says 幂等.
fn idempotency_key(request: &[Field], reviews: &mut Vec<Review>) -> Option<String> {
    let f = request.iter().find(|f| {
        let d = &f.description;
        f.required
            && matches!(f.ty.as_str(), "string" | "integer")
            && (((d.contains("唯一标志") || d.contains("唯一标识")) && d.contains("唯一性"))
                || d.contains("幂等"))
    })?;
    reviews.push(Review {
        key: "idempotency_key",
        note: format!(
            "line {}: `{}` is described as the merchant's unique request id; confirm the gateway answers a repeated value with the original result",
            f.line, f.name
        ),
    });
    Some(f.name.clone())
}

/// The rows after the `错误码错误描述解决方案` header line (spaces optional): `CODE
/// description [solution]`. A line that is no such row ends the table; if it is not blank
/// it is noted (web copies leave footer text such as `onlineServer` right after it).
fn error_codes(lines: &[&str], reviews: &mut Vec<Review>) -> Result<Vec<ErrorCode>, String> {
    let header = |l: &&str| l.split_whitespace().collect::<String>() == "错误码错误描述解决方案";
    let Some(at) = lines.iter().position(header) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(at + 1) {
        let cells = row::cells(line);
        let code = cells.first().map(|&(a, b)| &line[a..b]).unwrap_or_default();
        let is_code = code.starts_with(|c: char| c.is_ascii_alphabetic())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if cells.len() < 2 || !is_code {
            if !line.trim().is_empty() {
                reviews.push(Review {
                    key: "error_code",
                    note: format!(
                        "line {}: `{}` after the 业务错误码 table is not a `CODE description solution` row; the table was taken to end there",
                        i + 1,
                        super::emit::comment_safe(line.trim())
                    ),
                });
            }
            break;
        }
        let mut r = Vec::new();
        let solution =
            (cells.len() > 2).then(|| line[cells[2].0..cells[cells.len() - 1].1].to_owned());
        if cells.len() > 3 {
            r.push(Review {
                key: "solution",
                note: "the row has more than three cells; took the second as the description and the rest as the solution".into(),
            });
        }
        if solution.is_none() {
            r.push(Review {
                key: "description",
                note: "the row has no solution cell".into(),
            });
        }
        if out.iter().any(|e: &ErrorCode| e.code == code) {
            return Err(format!(
                "line {}: error code `{code}` is listed twice",
                i + 1
            ));
        }
        let upper = code.to_ascii_uppercase();
        out.push(ErrorCode {
            code: code.to_owned(),
            description: line[cells[1].0..cells[1].1].to_owned(),
            solution,
            retryable: ["SYSTEM_ERROR", "BUSY", "TIMEOUT"]
                .iter()
                .any(|k| upper.contains(k)),
            reviews: r,
        });
    }
    Ok(out)
}
