//! Spec model -> checked model. Collects every problem before giving up, so one run of
//! the macro or xtask reports all mistakes in a spec, each at its line and column.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use crate::diag::{Ctxt, Diagnostic};
use crate::ir::{
    CallStyle, CharItem, Constructor, Deprecation, Field, FieldType, FixedValue, KnownValues,
    LengthUnit, Mask, Method, Object,
};
use crate::spec::{FieldSpec, ObjectSpec, SpecFile};

const BUILTIN_TYPES: &str = "string, bool, bool_string, integer, json_object";

/// Checks a parsed spec. `source` is the TOML text the spans point into.
pub fn check(spec: &SpecFile, source: &str) -> Result<Method, Vec<Diagnostic>> {
    let mut cx = Ctxt::new(source);

    let method = spec.method.get_ref().clone();
    if !valid_method_name(&method) {
        cx.error_at(
            spec.method.span().start,
            format!(
                "method `{method}` is not a gateway method name: expected lowercase ASCII \
                 letters, digits and '_' in at least two '.'-separated parts"
            ),
        );
    }
    let call_style = match spec.call_style.get_ref().as_str() {
        "server" => CallStyle::ServerCall,
        "page_redirect" => CallStyle::PageRedirect,
        other => {
            cx.error_at(
                spec.call_style.span().start,
                format!("unknown call_style `{other}`: expected `server` or `page_redirect`"),
            );
            CallStyle::ServerCall
        }
    };
    let type_prefix = upper_camel(&method);
    let module = method.replace('.', "_");

    let object_names: BTreeMap<String, &ObjectSpec> = spec
        .objects
        .iter()
        .map(|o| (o.name.get_ref().clone(), o))
        .collect();

    // Every generated type shares one module, so all type names must be distinct.
    let mut type_names: BTreeMap<String, usize> = BTreeMap::new();
    for reserved in ["Request", "Response", "RequestBuilder"] {
        type_names.insert(format!("{type_prefix}{reserved}"), usize::MAX);
    }
    let mut seen_objects = BTreeSet::new();
    for object in &spec.objects {
        let name = object.name.get_ref();
        let at = object.name.span().start;
        if !is_upper_camel(name) {
            cx.error_at(
                at,
                format!("object name `{name}` must be an UpperCamelCase ASCII identifier"),
            );
        } else if !seen_objects.insert(name.clone()) {
            cx.error_at(at, format!("duplicate object `{name}`"));
        } else {
            claim_type_name(&mut cx, &mut type_names, name, at);
        }
    }

    let request = check_fields(
        &mut cx,
        "request",
        &spec.request.fields,
        &object_names,
        &mut type_names,
    );
    let response = check_fields(
        &mut cx,
        "response",
        &spec.response.fields,
        &object_names,
        &mut type_names,
    );
    if spec.request.fields.is_empty() {
        cx.error_at(0, "the spec declares no request fields ([[request.field]])");
    }
    let idempotency_key = check_idempotency_key(&mut cx, spec, &request);

    let mut objects = Vec::new();
    for object in &spec.objects {
        let name = object.name.get_ref();
        let fields = check_fields(
            &mut cx,
            &format!("object `{name}`"),
            &object.fields,
            &object_names,
            &mut type_names,
        );
        if object.fields.is_empty() {
            cx.error_at(
                object.name.span().start,
                format!("object `{name}` has no fields"),
            );
        }
        let constructors = check_constructors(&mut cx, object, &fields);
        objects.push(Object {
            name: name.clone(),
            description: object.description.trim().to_owned(),
            fields,
            constructors,
        });
    }
    check_cycles(&mut cx, spec);

    let diagnostics = cx.finish();
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(Method {
        name: method,
        title: spec.title.trim().to_owned(),
        description: spec.description.trim().to_owned(),
        source: spec.source.trim().to_owned(),
        spec_file: String::new(),
        call_style,
        idempotency_key,
        deprecated: spec.deprecated.as_ref().map(|d| Deprecation {
            note: d.note.trim().to_owned(),
            replacements: d.replacements.clone(),
        }),
        type_prefix,
        module,
        request,
        response,
        objects,
    })
}

/// The idempotency key must be a required top-level request field holding a scalar
/// value: the gateway can only recognise a repeat by a value that every request carries.
fn check_idempotency_key(cx: &mut Ctxt<'_>, spec: &SpecFile, request: &[Field]) -> Option<String> {
    let key = spec.idempotency_key.as_ref()?;
    let name = key.get_ref();
    let at = key.span().start;
    let Some(field) = request.iter().find(|f| &f.wire_name == name) else {
        let fields: Vec<&str> = request.iter().map(|f| f.wire_name.as_str()).collect();
        cx.error_at(
            at,
            format!(
                "idempotency_key `{name}` is not a request field{}",
                if fields.is_empty() {
                    String::new()
                } else {
                    format!(" (request fields: {})", fields.join(", "))
                }
            ),
        );
        return None;
    };
    if !field.required {
        cx.error_at(
            at,
            format!(
                "idempotency_key `{name}` names an optional request field; it must be \
                 `required = true`, because a request without it could not be recognised \
                 as a repeat"
            ),
        );
    }
    if !matches!(field.ty, FieldType::String | FieldType::Integer) {
        cx.error_at(
            at,
            format!(
                "idempotency_key `{name}` must be a `string` or `integer` field, not a \
                 boolean or an object"
            ),
        );
    }
    Some(name.clone())
}

fn claim_type_name(cx: &mut Ctxt<'_>, names: &mut BTreeMap<String, usize>, name: &str, at: usize) {
    if names.insert(name.to_owned(), at).is_some() {
        cx.error_at(
            at,
            format!(
                "type name `{name}` is generated twice; pick another `enum_name` or object name"
            ),
        );
    }
}

fn check_fields(
    cx: &mut Ctxt<'_>,
    owner: &str,
    specs: &[Spanned<FieldSpec>],
    objects: &BTreeMap<String, &ObjectSpec>,
    type_names: &mut BTreeMap<String, usize>,
) -> Vec<Field> {
    let mut out = Vec::new();
    let mut wire_seen = BTreeSet::new();
    let mut rust_seen = BTreeSet::new();
    for spanned in specs {
        let f = spanned.get_ref();
        let name = f.name.get_ref().clone();
        let name_at = f.name.span().start;
        let what = format!("{owner} field `{name}`");
        if !is_ascii_ident(&name) {
            cx.error_at(
                name_at,
                format!(
                    "{what}: a field name must be ASCII letters, digits and '_', not starting with a digit"
                ),
            );
        } else if !wire_seen.insert(name.clone()) {
            cx.error_at(name_at, format!("duplicate {what}"));
            continue;
        }
        let rust_name = rust_field_name(&name);
        if is_ascii_ident(&name) && !rust_seen.insert(rust_name.clone()) {
            cx.error_at(
                name_at,
                format!("{what}: its Rust name `{rust_name}` clashes with another field"),
            );
        }

        let ty_text = f.ty.get_ref().as_str();
        let ty = match ty_text {
            "string" => Some(FieldType::String),
            "bool" => Some(FieldType::Bool),
            "bool_string" => Some(FieldType::BoolString),
            "integer" => Some(FieldType::Integer),
            "json_object" => Some(FieldType::JsonObject),
            other if other.starts_with(|c: char| c.is_ascii_uppercase()) => {
                if objects.contains_key(other) {
                    Some(FieldType::Object(other.to_owned()))
                } else {
                    let declared: Vec<&str> = objects.keys().map(String::as_str).collect();
                    cx.error_at(
                        f.ty.span().start,
                        format!(
                            "{what}: unknown nested type `{other}`: no [[object]] with that name is declared{}",
                            if declared.is_empty() {
                                String::new()
                            } else {
                                format!(" (declared: {})", declared.join(", "))
                            }
                        ),
                    );
                    None
                }
            }
            other => {
                cx.error_at(
                    f.ty.span().start,
                    format!(
                        "{what}: unknown type `{other}`: expected one of {BUILTIN_TYPES}, or the name of an [[object]]"
                    ),
                );
                None
            }
        };
        let is_string = ty == Some(FieldType::String);

        let max_length = match &f.max_length {
            None => None,
            Some(m) if *m.get_ref() > 0 => usize::try_from(*m.get_ref()).ok(),
            Some(m) => {
                cx.error_at(
                    m.span().start,
                    format!(
                        "{what}: max_length must be a positive integer, got {}",
                        m.get_ref()
                    ),
                );
                None
            }
        };
        let unit = match f
            .length_unit
            .as_ref()
            .map(|u| (u.get_ref().as_str(), u.span()))
        {
            None | Some(("utf16", _)) => LengthUnit::Utf16,
            Some(("chars", _)) => LengthUnit::Chars,
            Some(("bytes", _)) => LengthUnit::Bytes,
            Some((other, span)) => {
                cx.error_at(
                    span.start,
                    format!(
                        "{what}: unknown length_unit `{other}`: expected `utf16`, `chars` or `bytes`"
                    ),
                );
                LengthUnit::Utf16
            }
        };
        if let (Some(u), None) = (&f.length_unit, &f.max_length) {
            cx.error_at(
                u.span().start,
                format!("{what}: length_unit without max_length"),
            );
        }

        let sensitive = f.sensitive.as_ref().and_then(|s| {
            let mask = match s.get_ref().as_str() {
                "id_number" => Mask::IdNumber,
                "name" => Mask::Name,
                "length" => Mask::Length,
                "full" => Mask::Full,
                other => {
                    cx.error_at(
                        s.span().start,
                        format!(
                            "{what}: unknown mask `{other}`: expected `id_number`, `name`, `length` or `full`"
                        ),
                    );
                    return None;
                }
            };
            if ty.is_some() && !is_string {
                cx.error_at(
                    s.span().start,
                    format!("{what}: only `string` fields can be marked sensitive"),
                );
            }
            Some(mask)
        });

        let known = if f.known_values.is_empty() {
            if let Some(e) = &f.enum_name {
                cx.error_at(
                    e.span().start,
                    format!("{what}: enum_name without known_values"),
                );
            }
            None
        } else {
            if ty.is_some() && !is_string {
                cx.error_at(
                    f.known_values[0].span().start,
                    format!("{what}: known_values are only allowed on `string` fields"),
                );
            }
            let enum_name = match &f.enum_name {
                Some(e) => {
                    if !is_upper_camel(e.get_ref()) {
                        cx.error_at(
                            e.span().start,
                            format!(
                                "{what}: enum_name `{}` must be an UpperCamelCase ASCII identifier",
                                e.get_ref()
                            ),
                        );
                    }
                    claim_type_name(cx, type_names, e.get_ref(), e.span().start);
                    e.get_ref().clone()
                }
                None => {
                    let n = upper_camel(&name);
                    claim_type_name(cx, type_names, &n, name_at);
                    n
                }
            };
            let mut values = Vec::new();
            let mut seen_values = BTreeSet::new();
            let mut seen_variants = BTreeSet::new();
            for kv in &f.known_values {
                let k = kv.get_ref();
                let at = kv.span().start;
                let variant = k.variant.clone().unwrap_or_else(|| upper_camel(&k.value));
                if k.value.is_empty() {
                    cx.error_at(at, format!("{what}: a known value must not be empty"));
                    continue;
                } else if !seen_values.insert(k.value.clone()) {
                    cx.error_at(
                        at,
                        format!("{what}: known value `{}` is listed twice", k.value),
                    );
                    continue;
                }
                if !is_upper_camel(&variant) {
                    cx.error_at(
                        at,
                        format!(
                            "{what}: known value `{}` needs a `variant` name (UpperCamelCase ASCII identifier), got `{variant}`",
                            k.value
                        ),
                    );
                } else if variant == "Other" {
                    cx.error_at(
                        at,
                        format!("{what}: variant name `Other` is reserved for unknown values"),
                    );
                } else if !seen_variants.insert(variant.clone()) {
                    cx.error_at(
                        at,
                        format!("{what}: variant `{variant}` is generated twice"),
                    );
                }
                values.push((k.value.clone(), variant, k.description.clone()));
            }
            Some(KnownValues { enum_name, values })
        };

        let charset = f.charset.as_ref().and_then(|c| {
            if ty.is_some() && !is_string {
                cx.error_at(
                    c.span().start,
                    format!("{what}: charset is only allowed on `string` fields"),
                );
            }
            match parse_charset(c.get_ref()) {
                Ok(items) => Some((c.get_ref().clone(), items)),
                Err(problem) => {
                    cx.error_at(
                        c.span().start,
                        format!("{what}: bad charset pattern: {problem}"),
                    );
                    None
                }
            }
        });

        let base64 = match &f.encoding {
            None => false,
            Some(e) if e.get_ref() == "base64" => {
                if ty.is_some() && !is_string {
                    cx.error_at(
                        e.span().start,
                        format!("{what}: encoding is only allowed on `string` fields"),
                    );
                }
                true
            }
            Some(e) => {
                cx.error_at(
                    e.span().start,
                    format!(
                        "{what}: unknown encoding `{}`: expected `base64`",
                        e.get_ref()
                    ),
                );
                false
            }
        };

        out.push(Field {
            wire_name: name,
            rust_name,
            ty: ty.unwrap_or(FieldType::String),
            required: f.required,
            max_length,
            unit,
            description: f.description.trim().to_owned(),
            example: f.example.clone(),
            sensitive,
            known,
            charset,
            base64,
        });
    }
    out
}

fn check_constructors(
    cx: &mut Ctxt<'_>,
    object: &ObjectSpec,
    fields: &[Field],
) -> Vec<Constructor> {
    let owner = object.name.get_ref();
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for spanned in &object.constructors {
        let c = spanned.get_ref();
        let at = spanned.span().start;
        let what = format!("object `{owner}` constructor `{}`", c.name);
        if !is_snake_ident(&c.name) || c.name == "builder" {
            cx.error_at(
                at,
                format!("{what}: the name must be a snake_case identifier other than `builder`"),
            );
        } else if !names.insert(c.name.clone()) {
            cx.error_at(at, format!("duplicate {what}"));
        }
        let index = |n: &str| fields.iter().position(|f| f.wire_name == n);
        let mut covered = BTreeSet::new();
        let mut fixed = Vec::new();
        for (key, value) in &c.fixed {
            let Some(i) = index(key) else {
                cx.error_at(at, format!("{what}: fixes unknown field `{key}`"));
                continue;
            };
            covered.insert(i);
            let field = &fields[i];
            let v = match (&field.ty, value) {
                (FieldType::String, toml::Value::String(s)) => FixedValue::Str(s.clone()),
                (FieldType::Bool | FieldType::BoolString, toml::Value::Boolean(b)) => {
                    FixedValue::Bool(*b)
                }
                (FieldType::Integer, toml::Value::Integer(n)) => FixedValue::Int(*n),
                _ => {
                    cx.error_at(
                        at,
                        format!(
                            "{what}: the fixed value of `{key}` does not fit its type (strings for string fields, booleans for bool fields, integers for integer fields; objects cannot be fixed)"
                        ),
                    );
                    continue;
                }
            };
            fixed.push((i, v));
        }
        let mut params = Vec::new();
        for p in &c.params {
            let Some(i) = index(p) else {
                cx.error_at(
                    at,
                    format!("{what}: parameter `{p}` is not a field of the object"),
                );
                continue;
            };
            if !covered.insert(i) {
                cx.error_at(at, format!("{what}: field `{p}` is set twice"));
                continue;
            }
            params.push(i);
        }
        for (i, f) in fields.iter().enumerate() {
            if f.required && !covered.contains(&i) {
                cx.error_at(
                    at,
                    format!(
                        "{what}: required field `{}` is neither fixed nor a parameter",
                        f.wire_name
                    ),
                );
            }
        }
        out.push(Constructor {
            name: c.name.clone(),
            description: c.description.trim().to_owned(),
            fixed,
            params,
        });
    }
    out
}

/// A type that contains itself would have infinite size and an endless JSON string.
fn check_cycles(cx: &mut Ctxt<'_>, spec: &SpecFile) {
    let edges: BTreeMap<&str, Vec<&str>> = spec
        .objects
        .iter()
        .map(|o| {
            let refs = o
                .fields
                .iter()
                .map(|f| f.get_ref().ty.get_ref().as_str())
                .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
                .collect();
            (o.name.get_ref().as_str(), refs)
        })
        .collect();
    for object in &spec.objects {
        let start = object.name.get_ref().as_str();
        let mut stack: Vec<&str> = edges.get(start).cloned().unwrap_or_default();
        let mut seen = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == start {
                cx.error_at(
                    object.name.span().start,
                    format!("object `{start}` contains itself (directly or through other objects)"),
                );
                break;
            }
            if seen.insert(next) {
                stack.extend(edges.get(next).into_iter().flatten());
            }
        }
    }
}

/// Parses a character class body: single characters and `a-z` ranges; `\` escapes the
/// next character (so `\-` is a literal hyphen).
pub(crate) fn parse_charset(text: &str) -> Result<Vec<CharItem>, String> {
    let mut chars = Vec::new();
    let mut it = text.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(escaped) => chars.push((escaped, true)),
                None => return Err("a trailing `\\` escapes nothing".into()),
            }
        } else {
            chars.push((c, false));
        }
    }
    if chars.is_empty() {
        return Err("the class is empty".into());
    }
    let mut items = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, _) = chars[i];
        if i + 2 < chars.len() && chars[i + 1] == ('-', false) {
            let (end, _) = chars[i + 2];
            if end < c {
                return Err(format!("the range `{c}-{end}` is reversed"));
            }
            items.push(CharItem::Range(c, end));
            i += 3;
        } else {
            items.push(CharItem::Single(c));
            i += 1;
        }
    }
    Ok(items)
}

/// The rule in words, for error messages: `only A-Z, a-z, 0-9 and '_'`.
pub(crate) fn describe_charset(items: &[CharItem]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            CharItem::Single(c) => format!("'{c}'"),
            CharItem::Range(a, b) => format!("{a}-{b}"),
        })
        .collect();
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    format!("only the characters {list} are allowed")
}

fn valid_method_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

fn is_ascii_ident(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_upper_camel(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_snake_ident(s: &str) -> bool {
    is_ascii_ident(s) && !s.chars().any(|c| c.is_ascii_uppercase()) && !is_keyword(s)
}

/// `zhima.customer_x` -> `ZhimaCustomerX`; `FACE_API` -> `FaceApi`.
pub(crate) fn upper_camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = p.to_ascii_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The Rust name of a JSON key: snake_case (`FACIAL_PICTURE_FRONT` -> `facial_picture_front`,
/// `bizNo` -> `biz_no`), with a `_` suffix for keywords.
pub(crate) fn rust_field_name(wire: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in wire.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c);
        }
    }
    if is_keyword(&out) || out == "builder" {
        out.push('_');
    }
    out
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_parses_ranges_and_escapes() {
        assert_eq!(
            parse_charset("A-Z_\\-").unwrap(),
            vec![
                CharItem::Range('A', 'Z'),
                CharItem::Single('_'),
                CharItem::Single('-')
            ]
        );
        assert!(parse_charset("z-a").is_err());
        assert!(parse_charset("").is_err());
        assert_eq!(
            describe_charset(&parse_charset("A-Za-z0-9_").unwrap()),
            "only the characters A-Z, a-z, 0-9 and '_' are allowed"
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            upper_camel("zhima.customer.certification"),
            "ZhimaCustomerCertification"
        );
        assert_eq!(upper_camel("FACE_API"), "FaceApi");
        assert_eq!(
            rust_field_name("FACIAL_PICTURE_FRONT"),
            "facial_picture_front"
        );
        assert_eq!(rust_field_name("bizNo"), "biz_no");
        assert_eq!(rust_field_name("type"), "type_");
    }
}
