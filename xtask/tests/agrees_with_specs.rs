//! The importer against the hand-reviewed specs: for every `api-specs/<method>.toml` that
//! has its page in `api-specs/docs/<method>.txt`, importing the page must give the same
//! field names (in order), types, required flags and max lengths, call style, parameter
//! placement and encryption. New specs are picked up by themselves.
//!
//! A reviewer may legitimately say more than the page; each such difference is one of the
//! named rules in `refinement` below, never a skipped field.

mod common;

use std::fs;

use common::*;
use toml::{Table, Value};

/// Types that are an object carried as JSON (or a free-form one).
fn is_object_type(spec: &Table, ty: &str) -> bool {
    ty == "json_object"
        || array(spec, "object")
            .iter()
            .any(|o| str_of(o, "name") == Some(ty))
}

fn object_fields<'a>(spec: &'a Table, ty: &str) -> Option<Vec<&'a Table>> {
    let name = ty.strip_suffix("[]").unwrap_or(ty);
    array(spec, "object")
        .into_iter()
        .find(|o| str_of(o, "name") == Some(name))
        .map(|o| array(o, "field"))
}

/// Why a reviewed type may differ from the imported one, or `None` if it may not.
fn refinement(page: &Table, reviewed: &Table, spec: &Table) -> Option<&'static str> {
    let pty = str_of(page, "type")?;
    let rty = str_of(reviewed, "type")?;
    let example = str_of(page, "example").unwrap_or_default().trim();
    let description = str_of(page, "description").unwrap_or_default();
    // Rule 1: the page types a yes/no answer `String` and says its values are the text
    // true/false (or T/F); the reviewed spec types it `bool_string`.
    let boolean_text = matches!(example, "true" | "false" | "T" | "F")
        || description.contains("true") && description.contains("false");
    if pty == "string" && rty == "bool_string" && boolean_text {
        return Some("bool_string for a String of true/false");
    }
    // Rule 2: the page types a JSON object `String` (its example is `{...}`), e.g.
    // material.certify's identity_param; the reviewed spec types it as an `[[object]]`
    // or `json_object`, which is likewise carried as a JSON string.
    if pty == "string" && example.starts_with('{') && is_object_type(spec, rty) {
        return Some("an object for a String holding JSON");
    }
    // Rule 3: the reviewed spec renames an object the page names (the fields are still
    // compared, recursively).
    let page_object = pty.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let reviewed_object = rty.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if page_object && reviewed_object && pty.ends_with("[]") == rty.ends_with("[]") {
        return Some("a renamed object");
    }
    None
}

fn compare_fields(
    path: &str,
    page: &[&Table],
    page_spec: &Table,
    reviewed: &[&Table],
    spec: &Table,
    problems: &mut Vec<String>,
) {
    if names(page) != names(reviewed) {
        problems.push(format!(
            "{path}: fields differ: page {:?}, spec {:?}",
            names(page),
            names(reviewed)
        ));
        return;
    }
    for (p, r) in page.iter().zip(reviewed) {
        let at = format!("{path}.{}", str_of(p, "name").unwrap());
        let (pty, rty) = (str_of(p, "type").unwrap(), str_of(r, "type").unwrap());
        if pty != rty && refinement(p, r, spec).is_none() {
            problems.push(format!("{at}: type: page `{pty}`, spec `{rty}`"));
        }
        // Both objects: compare what is inside, whatever the reviewer named them.
        if let (Some(pf), Some(rf)) = (object_fields(page_spec, pty), object_fields(spec, rty)) {
            compare_fields(&at, &pf, page_spec, &rf, spec, problems);
        }
        let required = |t: &Table| t.get("required").and_then(Value::as_bool).unwrap_or(false);
        // Rule 4: where the page's required cell is empty, the reviewer decides.
        let unstated = p.get("required_unstated").and_then(Value::as_bool) == Some(true);
        if required(p) != required(r) && !unstated {
            problems.push(format!(
                "{at}: required: page {}, spec {}",
                required(p),
                required(r)
            ));
        }
        let len = |t: &Table| t.get("max_length").and_then(Value::as_integer);
        match (len(p), len(r)) {
            (a, b) if a == b => {}
            // Rule 5: the page gives no length for an object row; the reviewed spec may
            // limit the JSON string of an object or json_object field.
            (None, Some(_)) if is_object_type(spec, rty.trim_end_matches("[]")) => {}
            // Rule 6: the page's length cell is empty but its description states the
            // limit in words: `值为32位长度` (32 characters) or, for a file, `大小限制1M`
            // (1,048,576 bytes). The reviewed spec writes that number down.
            (None, Some(n))
                if states_limit(str_of(p, "description").unwrap_or_default(), rty, n) => {}
            (a, b) => problems.push(format!("{at}: max_length: page {a:?}, spec {b:?}")),
        }
    }
}

/// Whether `description` states the limit `n` in words (Rule 6).
fn states_limit(description: &str, ty: &str, n: i64) -> bool {
    const MIB: i64 = 1024 * 1024;
    if ty == "file" && n % MIB == 0 {
        return description.contains(&format!("{}M", n / MIB));
    }
    description.contains(&format!("{n}位"))
}

fn top<'a>(t: &'a Table, key: &str, default: &'a str) -> &'a str {
    str_of(t, key).unwrap_or(default)
}

#[test]
fn imported_pages_agree_with_the_checked_in_specs() {
    let specs_dir = root().join("api-specs");
    let mut compared = Vec::new();
    let mut problems = Vec::new();
    let mut specs: Vec<_> = fs::read_dir(&specs_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    specs.sort();
    for spec_path in specs {
        let method = spec_path.file_stem().unwrap().to_str().unwrap().to_owned();
        let page_path = specs_dir.join(format!("docs/{method}.txt"));
        if !page_path.exists() {
            continue; // a spec written from another source (e.g. an SDK model)
        }
        let spec: Table = fs::read_to_string(&spec_path).unwrap().parse().unwrap();
        let page: Table = import_text(&page_path).parse().unwrap();
        for (key, default) in [
            ("method", ""),
            ("call_style", "server"),
            ("parameters", "biz_content"),
            ("encryption", "not required"),
        ] {
            if top(&page, key, default) != top(&spec, key, default) {
                problems.push(format!(
                    "{method}: {key}: page `{}`, spec `{}`",
                    top(&page, key, default),
                    top(&spec, key, default)
                ));
            }
        }
        for section in ["request", "response"] {
            compare_fields(
                &format!("{method}: {section}"),
                &fields(&page, section),
                &page,
                &fields(&spec, section),
                &spec,
                &mut problems,
            );
        }
        // The error codes, once the spec lists them (specs written before the importer
        // read the 业务错误码 table have none yet): the same codes in the same order.
        let codes = |t: &Table| -> Vec<String> {
            array(t, "error_code")
                .iter()
                .filter_map(|c| str_of(c, "code").map(str::to_owned))
                .collect()
        };
        if !codes(&spec).is_empty() && codes(&spec) != codes(&page) {
            problems.push(format!(
                "{method}: error codes: page {:?}, spec {:?}",
                codes(&page),
                codes(&spec)
            ));
        }
        compared.push(method);
    }
    assert!(
        compared.contains(&"zhima.customer.certification.material.certify".to_owned()),
        "{compared:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_comparison_catches_a_disagreement() {
    // The harness itself: a spec that contradicts its page must be reported, including
    // inside objects, and the refinement rules must not excuse it.
    let page: Table = import("alipay.user.certify.open.initialize").1;
    let mut spec = page.clone();
    let objects = spec.get_mut("object").unwrap().as_array_mut().unwrap();
    let first = objects[0].as_table_mut().unwrap();
    first.insert("name".into(), Value::from("IdentityParam"));
    let f = first["field"].as_array_mut().unwrap()[0]
        .as_table_mut()
        .unwrap();
    f.insert("max_length".into(), Value::from(31));
    let request = spec["request"]["field"].clone();
    let mut request = request.as_array().unwrap().clone();
    request[2]
        .as_table_mut()
        .unwrap()
        .insert("type".into(), Value::from("IdentityParam"));
    request[0]
        .as_table_mut()
        .unwrap()
        .insert("type".into(), Value::from("integer"));
    spec["request"]
        .as_table_mut()
        .unwrap()
        .insert("field".into(), Value::Array(request));
    let mut problems = Vec::new();
    compare_fields(
        "m",
        &fields(&page, "request"),
        &page,
        &fields(&spec, "request"),
        &spec,
        &mut problems,
    );
    assert_eq!(
        problems,
        [
            "m.outer_order_no: type: page `string`, spec `integer`",
            "m.identity_param.identity_type: max_length: page Some(30), spec Some(31)",
        ]
    );
}
