//! Doc text of generated items. Every item's docs name the spec field or object it
//! comes from, and type docs name the spec file.

use crate::check::describe_charset;
use crate::ir::{CallStyle, ErrorCode, Field, FieldType, LengthUnit, Method, Object, Placement};

use super::Kind;

pub(super) fn request_doc(m: &Method) -> String {
    let mut doc = format!(
        "Request of `{}` ({}).\n\n{}\n",
        m.name, m.title, m.description
    );
    if let Some(dep) = &m.deprecated {
        doc.push_str(&format!("\n# Legacy\n\n{}\n", dep.note));
        if !dep.replacements.is_empty() {
            let list: Vec<String> = dep.replacements.iter().map(|r| format!("`{r}`")).collect();
            doc.push_str(&format!("\nReplaced by: {}.\n", list.join(", ")));
        }
    }
    if let Some(key) = &m.idempotency_key {
        doc.push_str(&format!(
            "\nIdempotency key: `{key}`. The gateway answers a request that repeats a \
             `{key}` it has seen with the original result, so the client may send the \
             call again after a timeout or a transient gateway error, always with the same \
             `{key}`; reuse it when you repeat the request yourself, and use a new one for \
             a new request.\n"
        ));
    } else if m.call_style == CallStyle::ServerCall {
        doc.push_str(
            "\nNo idempotency key: once the request may have reached the gateway, the \
             client never sends it again by itself.\n",
        );
    }
    if m.parameters == Placement::Form {
        doc.push_str(
            "\nParameters: top-level form fields, not `biz_content`; text fields are signed, \
             file fields are sent as `multipart/form-data` parts and are not signed.\n",
        );
    }
    if m.encryption_required {
        doc.push_str(
            "\nEncryption: required. The client must have an AES content-encryption key \
             (`ClientBuilder::aes_key`); without one the call fails before sending.\n",
        );
    }
    if !m.error_codes.is_empty() {
        doc.push_str(&format!(
            "\nBusiness error codes: [`{}ErrorCode`]; get one from a failed call with \
             [`Self::error_code`].\n",
            m.type_prefix
        ));
    }
    doc.push_str(&format!(
        "\nCall style: {}. Build it with [`Self::builder`]; `build()` checks every field rule \
         (required, maximum length, pattern, nested objects) and names the offending field.\n\
         \nSpec: `{}`. Source: {}\n",
        match m.call_style {
            CallStyle::ServerCall => "server call (`gateway.do` POST, signed JSON answer)",
            CallStyle::PageRedirect => "page redirect (the signed request becomes a URL or form)",
            CallStyle::AppOrder =>
                "app order string (the signed request is handed to the Alipay app SDK)",
        },
        m.spec_file,
        m.source
    ));
    doc
}

pub(super) fn response_doc(m: &Method) -> String {
    if m.call_style != CallStyle::ServerCall {
        return format!(
            "The parameters Alipay appends to `return_url` when the person comes back from \
             `{}` (spec: `{}`). They arrive through the person's browser and are **not \
             verified**: anyone can write them. Use them only to find the record, then ask \
             the query method for the verified result.\n",
            m.name, m.spec_file
        );
    }
    format!(
        "Business fields of the `{}_response` node of `{}` (spec: `{}`).\n\n\
         It is only decoded from a verified `code = 10000` answer (any other code is an \
         error carrying `code`/`msg`/`sub_code`/`sub_msg`), so fields the spec marks required \
         are plain values. Optional fields are `Option`s; unknown keys are ignored; new fields \
         may be added (the type is `#[non_exhaustive]`).\n\n\
         Alipay sometimes leaves out a field its doc page calls required (必填). Such an \
         answer is an `Error::Answer(AnswerError::Malformed(..))` naming the field, and nothing verified is \
         lost: `MalformedResponse::verified_node()` still holds the verified JSON of the \
         node, so the fields that did arrive (e.g. `biz_no`) can be read from it.\n",
        m.module, m.name, m.spec_file
    )
}

pub(super) fn object_doc(m: &Method, object: &Object) -> String {
    format!(
        "{}\n\nObject `{}` of spec `{}` (method `{}`). The field that holds it says whether it \
         travels as a JSON string or as a JSON object; a maximum length counts its JSON text.\n",
        object.description, object.name, m.spec_file, m.name
    )
}

pub(super) fn enum_doc(field: &Field, enum_name: &str) -> String {
    format!(
        "Values of `{}`. Open: a value this SDK does not know is kept as [`{enum_name}::Other`] \
         and sent verbatim. Build it with `From<&str>`/`From<String>`, which map known strings \
         to their variant.",
        field.wire_name
    )
}

/// The full doc of a field: description, rules, example. Shown once, on the setter (or
/// on the response field); getters point to it.
pub(super) fn field_doc(f: &Field, kind: Kind) -> String {
    let mut doc = format!("`{}`: {}\n", f.wire_name, f.description);
    let mut facts = Vec::new();
    if kind != Kind::Response {
        facts.push(if f.required { "Required." } else { "Optional." }.to_owned());
    } else if f.required {
        facts.push(
            "Always present in a successful answer; one without it is rejected as malformed."
                .to_owned(),
        );
    }
    if let Some(limit) = f.max_length {
        let unit = match f.unit {
            LengthUnit::Utf16 => "UTF-16 code units",
            LengthUnit::Chars => "characters",
            LengthUnit::Bytes => "UTF-8 bytes",
        };
        let of = match f.ty {
            FieldType::JsonObject | FieldType::Object(_) => " of the JSON text",
            FieldType::Array(_) => " of each element",
            _ => "",
        };
        let unit = if f.ty == FieldType::File {
            "bytes"
        } else {
            unit
        };
        facts.push(format!("Maximum length{of}: {limit} {unit}."));
    }
    match f.ty {
        FieldType::BoolString => {
            facts.push("Sent as the string `\"true\"` or `\"false\"`.".to_owned())
        }
        _ if f.json_string => facts.push("Sent as a JSON string.".to_owned()),
        FieldType::JsonObject | FieldType::Object(_) => {
            facts.push("Sent as a JSON object.".to_owned())
        }
        FieldType::Price => facts.push(
            "A decimal amount sent as a string: digits with at most two decimals (`88.88`)."
                .to_owned(),
        ),
        FieldType::Date => facts
            .push("A date sent as a string: `yyyy-MM-dd HH:mm:ss` (or `yyyy-MM-dd`).".to_owned()),
        FieldType::File => facts.push(
            "An uploaded file, sent as a multipart part; it is not covered by the signature."
                .to_owned(),
        ),
        _ => {}
    }
    if f.required_unstated {
        facts.push(
            "The doc page does not say whether this field is required; the spec's choice \
             is given above."
                .to_owned(),
        );
    }
    if let Some((text, items)) = &f.charset {
        facts.push(format!("Pattern `[{text}]*`: {}.", describe_charset(items)));
    }
    if f.base64 {
        facts.push("Base64 (standard alphabet, padded).".to_owned());
    }
    if f.sensitive.is_some() {
        facts.push("Personal data: masked in `Debug`.".to_owned());
    }
    doc.push('\n');
    doc.push_str(&facts.join(" "));
    if let Some(ex) = &f.example {
        doc.push_str(&format!("\n\nExample: `{ex}`"));
    }
    doc
}

/// A getter's one line: the field and where its full doc is.
pub(super) fn getter_doc(f: &Field, builder: &str) -> String {
    let first = f.description.lines().next().unwrap_or_default();
    format!(
        "`{}`: {first} Rules and example: [`{builder}::{}`].",
        f.wire_name, f.rust_name
    )
}

pub(super) fn error_code_enum_doc(m: &Method) -> String {
    format!(
        "The business error codes (`sub_code`, 业务错误码) of `{}` from its doc page. Open: a \
         code the page does not list is kept as `Other`. Get it from an error with \
         `{}Request::error_code`; the error's `Display` also gives the page's description and \
         solution.",
        m.name, m.type_prefix
    )
}

pub(super) fn error_code_doc(c: &ErrorCode) -> String {
    let mut doc = format!("`{}`: {}", c.code, c.description);
    if !c.solution.is_empty() {
        doc.push_str(&format!("\n\nWhat to do: {}", c.solution));
    }
    if c.retryable {
        doc.push_str(
            "\n\nTransient: the same request may succeed later (sent again automatically only \
             for methods with an idempotency key).",
        );
    }
    doc
}
