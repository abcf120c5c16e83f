//! Spec model -> checked model. Collects every problem before giving up, so one run of
//! the macro or xtask reports all mistakes in a spec, each at its line and column.
//!
//! This module checks the method as a whole (its name, call style, type names, the
//! idempotency key, cycles between objects); `fields` checks each field and
//! constructor, `naming` holds the naming rules and `charset` the pattern parsing.

mod charset;
mod fields;
mod naming;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) use charset::describe_charset;
pub(crate) use naming::upper_camel;

use crate::diag::{Ctxt, Diagnostic};
use crate::ir::{CallStyle, Deprecation, Field, FieldType, Method, Object};
use crate::spec::{ObjectSpec, SpecFile};
use fields::{check_constructors, check_fields};
use naming::{is_upper_camel, valid_method_name};

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
        "app_order" => CallStyle::AppOrder,
        other => {
            cx.error_at(
                spec.call_style.span().start,
                format!(
                    "unknown call_style `{other}`: expected `server`, `page_redirect` or `app_order`"
                ),
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

#[cfg(test)]
mod tests {
    use super::charset::{describe_charset, parse_charset};
    use super::naming::{rust_field_name, upper_camel};
    use crate::ir::CharItem;

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
