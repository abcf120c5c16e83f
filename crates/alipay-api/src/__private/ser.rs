//! `serialize_with` helpers of the derived `Serialize` impls.

use alipay_protocol::ValidationError;
use serde::Serialize;

/// A nested object as the JSON string the gateway takes it as.
pub fn json_string<T: Serialize + ?Sized, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(|e| {
        <S::Error as serde::ser::Error>::custom(format_args!(
            "cannot encode a nested object as JSON: {}",
            alipay_protocol::redact::describe_json_error(&e)
        ))
    })?;
    serializer.serialize_str(&text)
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

/// The validated request as `biz_content` text.
pub fn to_biz_content<T: Serialize>(value: &T) -> Result<String, ValidationError> {
    serde_json::to_string(value).map_err(|e| ValidationError::Serialize {
        field: "biz_content".into(),
        reason: alipay_protocol::redact::describe_json_error(&e),
    })
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
