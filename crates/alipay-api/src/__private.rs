//! Runtime items the generated code reaches through `::alipay_api::__private`. Not a
//! public API: names and signatures may change in any release.

pub use alipay_protocol;
pub use alipay_protocol::{
    ApiMethod, CallStyle, LengthUnit, Mask, Masked, ValidationError, model::check_max_len,
};
pub use base64;
pub use serde;
pub use serde_json;

use serde_json::{Map, Value};

type JsonMap = Map<String, Value>;

/// Field rules of a generated struct, with field paths under `prefix` (e.g. `identity_param.`).
pub trait Check {
    /// Checks every rule; the first failure names its dotted path.
    fn validate_at(&self, prefix: &str) -> Result<(), ValidationError>;
}

/// Lenient construction from a JSON object, with errors naming the field path.
pub trait FromJson: Sized {
    /// Takes the struct's keys out of `map`; unknown keys are ignored.
    fn from_json_map(map: JsonMap, prefix: &str) -> Result<Self, String>;
}

/// `prefix` + `name`, the dotted path of a field.
pub fn path(prefix: &str, name: &str) -> String {
    let mut p = String::with_capacity(prefix.len() + name.len());
    p.push_str(prefix);
    p.push_str(name);
    p
}

/// Prints `<set>`/`<unset>` in a builder's `Debug`.
pub struct Presence(pub bool);

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0 { "<set>" } else { "<unset>" })
    }
}

/// The wire text of a `bool_string` field.
pub fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Standard, padded base64.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The gateway treats an empty string like an absent parameter.
pub fn check_not_empty(prefix: &str, name: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::Missing {
            field: path(prefix, name),
        });
    }
    Ok(())
}

/// Maximum length in `unit`.
pub fn check_len(
    prefix: &str,
    name: &str,
    value: &str,
    limit: usize,
    unit: LengthUnit,
) -> Result<(), ValidationError> {
    check_max_len(&path(prefix, name), value, limit, unit)
}

/// Every character must satisfy `allowed`; `rule` says which in words.
pub fn check_charset(
    prefix: &str,
    name: &str,
    value: &str,
    allowed: fn(char) -> bool,
    rule: &str,
) -> Result<(), ValidationError> {
    if value.chars().all(allowed) {
        return Ok(());
    }
    Err(ValidationError::Pattern {
        field: path(prefix, name),
        rule: rule.to_owned(),
    })
}

/// A field declared `encoding = "base64"` must hold standard base64 text: the gateway
/// decodes it, and a value that does not decode is refused only after the call (for a
/// photo: as a failed certification). Only the alphabet and the place of `=` padding
/// are checked, in one pass without decoding; the doc pages' own examples are cut-off
/// base64 (`/9j/4AAQSkZJR`), so the length is not held to a multiple of 4.
pub fn check_base64(prefix: &str, name: &str, value: &str) -> Result<(), ValidationError> {
    let bytes = value.as_bytes();
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    let ok = padding <= 2
        && bytes[..bytes.len() - padding]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if ok {
        return Ok(());
    }
    Err(ValidationError::Pattern {
        field: path(prefix, name),
        rule: "standard base64 (A-Z, a-z, 0-9, `+`, `/`, then at most two `=`)".to_owned(),
    })
}

/// The JSON string a nested object is carried as.
pub fn encode_json<T: serde::Serialize + ?Sized>(
    prefix: &str,
    name: &str,
    value: &T,
) -> Result<String, ValidationError> {
    serde_json::to_string(value).map_err(|e| ValidationError::Serialize {
        field: path(prefix, name),
        reason: serde_error_reason(&e),
    })
}

/// Inside `Serialize`: a nested value as its JSON string.
pub fn json_string_for_serialize<T: serde::Serialize + ?Sized, E: serde::ser::Error>(
    value: &T,
    name: &str,
) -> Result<String, E> {
    serde_json::to_string(value).map_err(|e| {
        E::custom(format_args!(
            "field `{name}`: cannot encode as JSON: {}",
            serde_error_reason(&e)
        ))
    })
}

/// The validated request as `biz_content` text.
pub fn to_biz_content<T: serde::Serialize>(value: &T) -> Result<String, ValidationError> {
    encode_json("", "biz_content", value)
}

/// serde_json messages can quote the offending value (personal data); keep only what
/// describes the problem and its position.
fn serde_error_reason(e: &serde_json::Error) -> String {
    alipay_protocol::redact::describe_json_error(e)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn take(map: &mut JsonMap, name: &str) -> Option<Value> {
    match map.remove(name) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

/// A string field.
pub fn take_string(map: &mut JsonMap, prefix: &str, name: &str) -> Result<Option<String>, String> {
    match take(map, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field `{}`: expected a string, found {}",
            path(prefix, name),
            json_kind(&other)
        )),
    }
}

/// A boolean: a JSON boolean or the string `"true"`/`"false"` (the gateway sends the latter).
pub fn take_bool(map: &mut JsonMap, prefix: &str, name: &str) -> Result<Option<bool>, String> {
    match take(map, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(format!(
            "field `{}`: expected \"true\" or \"false\", found {}",
            path(prefix, name),
            json_kind(&other)
        )),
    }
}

/// An integer: a JSON number or a decimal string.
pub fn take_integer(map: &mut JsonMap, prefix: &str, name: &str) -> Result<Option<i64>, String> {
    let bad = |kind: &str| {
        format!(
            "field `{}`: expected an integer, found {kind}",
            path(prefix, name)
        )
    };
    match take(map, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad("a non-integer number")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad("a non-numeric string")),
        Some(other) => Err(bad(json_kind(&other))),
    }
}

/// A JSON object carried as a JSON string (a bare object is accepted too).
fn take_object_value(
    map: &mut JsonMap,
    prefix: &str,
    name: &str,
) -> Result<Option<JsonMap>, String> {
    match take(map, name) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(other) => Err(format!(
                "field `{}`: the JSON string holds {}, expected an object",
                path(prefix, name),
                json_kind(&other)
            )),
            Err(e) => Err(format!(
                "field `{}`: not a valid JSON string ({})",
                path(prefix, name),
                serde_error_reason(&e)
            )),
        },
        Some(other) => Err(format!(
            "field `{}`: expected a JSON object encoded as a string, found {}",
            path(prefix, name),
            json_kind(&other)
        )),
    }
}

/// A free-form JSON object field.
pub fn take_json_object(
    map: &mut JsonMap,
    prefix: &str,
    name: &str,
) -> Result<Option<JsonMap>, String> {
    take_object_value(map, prefix, name)
}

/// A typed nested object field, with errors inside it named by their full path.
pub fn take_object<T: FromJson>(
    map: &mut JsonMap,
    prefix: &str,
    name: &str,
) -> Result<Option<T>, String> {
    match take_object_value(map, prefix, name)? {
        None => Ok(None),
        Some(inner) => T::from_json_map(inner, &path(prefix, &format!("{name}."))).map(Some),
    }
}

/// A required field of a request or object.
pub fn required<T>(value: Option<T>, prefix: &str, name: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{}`", path(prefix, name)))
}
