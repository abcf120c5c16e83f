//! `serialize_with` helpers of the derived `Serialize` impls.

use alipay_protocol::ValidationError;
use serde::Serialize;

use super::json;

/// A nested object as the JSON string the gateway takes it as. `to_biz_content`'s
/// writer recognises the wrapper and writes the object escaped in place, in one pass;
/// any other serializer gets the finished string, as before.
pub fn json_string<T: Serialize + ?Sized, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_newtype_struct(json::EMBED, &json::Embedded(value))
}

/// [`json_string`] of an optional field (absent ones are skipped before this is called).
pub fn json_string_opt<T: Serialize, S: serde::Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => json_string(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// A `bool_string` field: the string `"true"` or `"false"`.
pub fn bool_string<S: serde::Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *value { "true" } else { "false" })
}

/// Bytes of the common parameters around `biz_content` in a typical sign content.
const ENVELOPE_ROOM: usize = 512;

/// The validated request as `biz_content` text: counted first (the same walk, writing
/// nothing), so the text is written once into a buffer of its exact size plus room for
/// the other parameters, which `prepare` adds around it in place to make the sign
/// content (a large `biz_content` is then held once).
pub fn to_biz_content<T: Serialize>(value: &T) -> Result<String, ValidationError> {
    let fail = |e: serde_json::Error| ValidationError::Serialize {
        field: "biz_content".into(),
        reason: alipay_protocol::redact::describe_json_error(&e),
    };
    let mut counter = json::Writer::count(alipay_protocol::LengthUnit::Bytes);
    value.serialize(&mut counter).map_err(fail)?;
    let mut out = String::with_capacity(counter.counted() + ENVELOPE_ROOM);
    value
        .serialize(&mut json::Writer::text(&mut out))
        .map_err(fail)?;
    Ok(out)
}

/// [`bool_string`] of an optional field (absent ones are skipped before this is called).
pub fn bool_string_opt<S: serde::Serializer>(
    value: &Option<bool>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => bool_string(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// The top-level form parameters of a `parameters = "form"` request: each field as
/// text (strings as they are, other values as their JSON text, nested objects as
/// JSON strings), then the file parts. Absent and empty values are left out, as for
/// every parameter.
pub fn form_params<'a, T: Serialize>(
    value: &'a T,
    files: &[(&'static str, Option<&'a alipay_protocol::UploadFile>)],
) -> Result<alipay_protocol::RequestParams<'a>, ValidationError> {
    let json = to_biz_content(value)?;
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).map_err(|e| ValidationError::Serialize {
            field: "parameters".into(),
            reason: alipay_protocol::redact::describe_json_error(&e),
        })?;
    let mut params = alipay_protocol::RequestParams::form();
    for (name, v) in fields {
        let text = match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        params = params.text(name, text);
    }
    for (name, file) in files {
        if let Some(file) = file {
            params = params.file(*name, *file);
        }
    }
    Ok(params)
}
