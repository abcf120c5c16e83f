//! Per-field rules: the type, length, mask, known values, charset and encoding of each
//! `[[...field]]`, and the named constructors of objects, which refer to checked fields.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::charset::parse_charset;
use super::claim_type_name;
use super::naming::{is_ascii_ident, is_snake_ident, is_upper_camel, rust_field_name, upper_camel};
use crate::diag::Ctxt;
use crate::ir::{Constructor, Field, FieldType, FixedValue, KnownValues, LengthUnit, Mask};
use crate::spec::{FieldSpec, ObjectSpec};

const BUILTIN_TYPES: &str =
    "string, bool, bool_string, integer, number, price, date, file, json_object";

/// A field's `type` text: a builtin, an object name, or either followed by `[]`.
fn parse_type(text: &str, objects: &BTreeMap<String, &ObjectSpec>) -> Result<FieldType, String> {
    if let Some(elem) = text.strip_suffix("[]") {
        return match parse_type(elem, objects)? {
            FieldType::File => Err("arrays of files are not supported".to_owned()),
            FieldType::Array(_) => Err(format!("`{text}`: arrays of arrays are not supported")),
            elem => Ok(FieldType::Array(Box::new(elem))),
        };
    }
    Ok(match text {
        "string" => FieldType::String,
        "bool" => FieldType::Bool,
        "bool_string" => FieldType::BoolString,
        "integer" => FieldType::Integer,
        "number" => FieldType::Number,
        "price" => FieldType::Price,
        "date" => FieldType::Date,
        "file" => FieldType::File,
        "json_object" => FieldType::JsonObject,
        other if other.starts_with(|c: char| c.is_ascii_uppercase()) => {
            if !objects.contains_key(other) {
                let declared: Vec<&str> = objects.keys().map(String::as_str).collect();
                return Err(format!(
                    "unknown nested type `{other}`: no [[object]] with that name is declared{}",
                    if declared.is_empty() {
                        String::new()
                    } else {
                        format!(" (declared: {})", declared.join(", "))
                    }
                ));
            }
            FieldType::Object(other.to_owned())
        }
        other => {
            return Err(format!(
                "unknown type `{other}`: expected one of {BUILTIN_TYPES}, the name of an \
                 [[object]], or one of those followed by `[]`"
            ));
        }
    })
}

pub(super) fn check_fields(
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

        let ty = match parse_type(f.ty.get_ref(), objects) {
            Ok(ty) => Some(ty),
            Err(problem) => {
                cx.error_at(f.ty.span().start, format!("{what}: {problem}"));
                None
            }
        };
        let is_string = ty == Some(FieldType::String);
        // Objects travel as JSON strings unless the spec says otherwise (what the
        // gateway's older methods take); arrays as JSON arrays.
        let carriable = |t: &FieldType| match t {
            FieldType::Array(elem) => elem.is_json(),
            t => t.is_json(),
        };
        let json_string = match &f.carried {
            None => ty.as_ref().is_some_and(FieldType::is_json),
            Some(c) => {
                if ty.as_ref().is_some_and(|t| !carriable(t)) {
                    cx.error_at(
                        c.span().start,
                        format!(
                            "{what}: `carried` applies only to objects, `json_object` and arrays of them"
                        ),
                    );
                }
                match c.get_ref().as_str() {
                    "json_string" => ty.as_ref().is_some_and(carriable),
                    "object" => false,
                    other => {
                        cx.error_at(
                            c.span().start,
                            format!(
                                "{what}: unknown carried `{other}`: expected `json_string` or `object`"
                            ),
                        );
                        false
                    }
                }
            }
        };

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
            required_unstated: f.required_unstated,
            json_string,
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

pub(super) fn check_constructors(
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
                (t, toml::Value::String(s)) if t.is_text() => FixedValue::Str(s.clone()),
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
