//! Decoding JSON into generated types, with errors that say where and what, as data.
//!
//! Generated request, response and nested object types implement [`FromJson`]; the
//! transport decodes a verified response node with it, the sandbox decodes a request's
//! `biz_content` with it, and both read the typed [`DecodeError`] (its [`path`] and
//! [`kind`]) instead of parsing message text. Decoding is lenient the way the gateway
//! is: a boolean may come as `"true"`/`"false"`, an integer as a decimal string, a nested
//! object as a JSON string holding it, `null` as absent, and unknown keys are ignored.
//!
//! No error ever holds a value from the document (values are personal data, and an
//! unverified document is hostile): only the field path, what was expected and what
//! kind of JSON value was found.
//!
//! [`path`]: DecodeError::path
//! [`kind`]: DecodeError::kind

use std::fmt;

use serde_json::{Map, Value};

use crate::redact::describe_json_error;

/// A JSON object, as decoded field by field.
pub type JsonObject = Map<String, Value>;

/// Why a JSON document does not fit a generated type, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: String,
    kind: DecodeErrorKind,
}

/// What is wrong at a [`DecodeError::path`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A required field is absent or `null`.
    Missing,
    /// A value of a kind the field cannot take (`found` names the JSON kind, e.g. `a
    /// number`, or the shape, e.g. `a non-numeric string`; never the value).
    WrongType {
        /// What the field takes, e.g. `a string`, `"true" or "false"`.
        expected: &'static str,
        /// What was there instead.
        found: &'static str,
    },
    /// A field carried as a JSON string holds text that is not JSON.
    InvalidJsonString {
        /// The parser's complaint, with its position; never quotes the text.
        reason: String,
    },
    /// A value that does not fit a type decoded by serde rather than field by field
    /// (a hand-written response type).
    Mismatch {
        /// serde's complaint, with values removed.
        reason: String,
    },
    /// The document itself is not JSON.
    Syntax {
        /// The parser's complaint, with its position; never quotes the text.
        reason: String,
    },
}

impl DecodeError {
    /// An error of `kind` at `path`.
    pub fn new(path: impl Into<String>, kind: DecodeErrorKind) -> Self {
        DecodeError {
            path: path.into(),
            kind,
        }
    }

    /// The dotted path of the offending field inside the decoded node, e.g.
    /// `identity_param.cert_no`; empty for the document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The field at the top of [`path`](Self::path) (`identity_param` for
    /// `identity_param.cert_no`); empty for the document itself.
    pub fn top_field(&self) -> &str {
        self.path.split('.').next().unwrap_or_default()
    }

    /// What is wrong there.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.kind {
            DecodeErrorKind::Missing => write!(f, "missing field `{path}`"),
            DecodeErrorKind::WrongType { expected, found } if path.is_empty() => {
                write!(f, "expected {expected}, found {found}")
            }
            DecodeErrorKind::WrongType { expected, found } => {
                write!(f, "field `{path}`: expected {expected}, found {found}")
            }
            DecodeErrorKind::InvalidJsonString { reason } => {
                write!(f, "field `{path}`: not a valid JSON string ({reason})")
            }
            DecodeErrorKind::Mismatch { reason } if path.is_empty() => f.write_str(reason),
            DecodeErrorKind::Mismatch { reason } => write!(f, "field `{path}`: {reason}"),
            DecodeErrorKind::Syntax { reason } => write!(f, "not valid JSON: {reason}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes JSON text into any serde type, naming the JSON path of a mismatch (e.g.
/// `items[1].count`) without quoting the offending value.
pub fn deserialize_node<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let reason = describe_json_error(e.inner());
        let kind = if e.inner().is_syntax() || e.inner().is_eof() {
            DecodeErrorKind::Syntax { reason }
        } else {
            DecodeErrorKind::Mismatch { reason }
        };
        DecodeError::new(path, kind)
    })
}

/// A type decoded from a JSON object, field by field. Implemented by generated types.
pub trait FromJson: Sized {
    /// Takes this type's fields out of `fields`; keys it does not define are ignored.
    fn from_fields(fields: &mut Fields) -> Result<Self, DecodeError>;

    /// Decodes JSON text holding one object.
    fn from_json_str(text: &str) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            DecodeError::new(
                "",
                DecodeErrorKind::Syntax {
                    reason: describe_json_error(&e),
                },
            )
        })?;
        Self::from_json_value(value, "")
    }

    /// Decodes a JSON object; errors name fields under `path` (empty at the top).
    fn from_json_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Self::from_fields(&mut Fields::new(map, path)),
            other => Err(DecodeError::new(
                path,
                DecodeErrorKind::WrongType {
                    expected: "an object",
                    found: json_kind(&other),
                },
            )),
        }
    }
}

/// The fields of one JSON object being decoded, with the path they sit at.
pub struct Fields {
    map: JsonObject,
    path: String,
}

impl Fields {
    /// The fields of `map`, an object at `path` (empty at the top).
    pub fn new(map: JsonObject, path: &str) -> Self {
        Fields {
            map,
            path: path.to_owned(),
        }
    }

    fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// A field that must be present (and not `null`).
    pub fn required<T: FromValue>(&mut self, name: &str) -> Result<T, DecodeError> {
        match self.optional(name)? {
            Some(v) => Ok(v),
            None => Err(DecodeError::new(
                self.path_of(name),
                DecodeErrorKind::Missing,
            )),
        }
    }

    /// A field that may be absent; `null` counts as absent.
    pub fn optional<T: FromValue>(&mut self, name: &str) -> Result<Option<T>, DecodeError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_value(v, &self.path_of(name)).map(Some),
        }
    }
}

/// One JSON value decoded into a field's type, leniently as the gateway writes it.
pub trait FromValue: Sized {
    /// Decodes `value`, found at `path`.
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError>;
}

fn wrong(path: &str, expected: &'static str, found: &'static str) -> DecodeError {
    DecodeError::new(path, DecodeErrorKind::WrongType { expected, found })
}

/// The JSON kind of `v` in words, for errors that must not show the value.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl FromValue for String {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(wrong(path, "a string", json_kind(&other))),
        }
    }
}

/// A JSON boolean or the string `"true"`/`"false"` (the gateway sends the latter).
impl FromValue for bool {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        const EXPECTED: &str = "\"true\" or \"false\"";
        match value {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            Value::String(_) => Err(wrong(path, EXPECTED, "another string")),
            other => Err(wrong(path, EXPECTED, json_kind(&other))),
        }
    }
}

/// A JSON integer or a decimal string.
impl FromValue for i64 {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        const EXPECTED: &str = "an integer";
        match value {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| wrong(path, EXPECTED, "a non-integer number")),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| wrong(path, EXPECTED, "a non-numeric string")),
            other => Err(wrong(path, EXPECTED, json_kind(&other))),
        }
    }
}

/// A free-form JSON object, given as an object or as a JSON string holding one (the
/// gateway takes nested objects as JSON strings).
impl FromValue for JsonObject {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        const EXPECTED: &str = "a JSON object or a JSON string holding one";
        match value {
            Value::Object(m) => Ok(m),
            Value::String(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(other) => Err(wrong(path, EXPECTED, json_string_kind(&other))),
                Err(e) => Err(DecodeError::new(
                    path,
                    DecodeErrorKind::InvalidJsonString {
                        reason: describe_json_error(&e),
                    },
                )),
            },
            other => Err(wrong(path, EXPECTED, json_kind(&other))),
        }
    }
}

fn json_string_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "a JSON string holding null",
        Value::Bool(_) => "a JSON string holding a boolean",
        Value::Number(_) => "a JSON string holding a number",
        Value::String(_) => "a JSON string holding a string",
        Value::Array(_) => "a JSON string holding an array",
        Value::Object(_) => "a JSON string holding an object",
    }
}

/// A nested generated object, given as an object or as a JSON string holding one.
/// Errors inside it are named by their full path (`identity_param.cert_no`).
impl<T: FromJson> FromValue for T {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        let map = JsonObject::from_value(value, path)?;
        T::from_fields(&mut Fields::new(map, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inner {
        no: String,
    }
    impl FromJson for Inner {
        fn from_fields(f: &mut Fields) -> Result<Self, DecodeError> {
            Ok(Inner {
                no: f.required("no")?,
            })
        }
    }
    struct Outer {
        flag: bool,
        count: Option<i64>,
        inner: Inner,
    }
    impl FromJson for Outer {
        fn from_fields(f: &mut Fields) -> Result<Self, DecodeError> {
            Ok(Outer {
                flag: f.required("flag")?,
                count: f.optional("count")?,
                inner: f.required("inner")?,
            })
        }
    }

    fn err(text: &str) -> DecodeError {
        Outer::from_json_str(text).err().expect("decodes")
    }

    #[test]
    fn lenient_values_decode() {
        let o = Outer::from_json_str(r#"{"flag":"true","count":"12","inner":"{\"no\":\"x\"}"}"#)
            .unwrap();
        assert!(o.flag);
        assert_eq!(o.count, Some(12));
        assert_eq!(o.inner.no, "x");
        let o = Outer::from_json_str(r#"{"flag":false,"count":null,"inner":{"no":"y"}}"#).unwrap();
        assert!(!o.flag);
        assert_eq!(o.count, None);
        assert_eq!(o.inner.no, "y");
    }

    #[test]
    fn errors_carry_path_and_kind_without_values() {
        let e = err(r#"{"flag":true,"inner":{"no":123456789}}"#);
        assert_eq!(e.path(), "inner.no");
        assert_eq!(e.top_field(), "inner");
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::WrongType {
                expected: "a string",
                found: "a number"
            }
        );
        assert!(!e.to_string().contains("123456789"), "{e}");

        let e = err(r#"{"flag":true,"inner":{}}"#);
        assert_eq!(
            (e.path(), e.kind()),
            ("inner.no", &DecodeErrorKind::Missing)
        );
        assert_eq!(e.to_string(), "missing field `inner.no`");

        let e = err(r#"{"flag":"secret-yes","inner":{"no":"x"}}"#);
        assert_eq!(e.path(), "flag");
        assert!(!e.to_string().contains("secret"), "{e}");

        let e = err(r#"{"flag":true,"count":"12x","inner":{"no":"x"}}"#);
        assert_eq!(
            e.to_string(),
            "field `count`: expected an integer, found a non-numeric string"
        );

        let e = err(r#"{"flag":true,"inner":"{\"no\": 2601041979"}"#);
        assert_eq!(e.path(), "inner");
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::InvalidJsonString { .. }
        ));
        assert!(!e.to_string().contains("2601041979"), "{e}");

        let e = err(r#"{"flag":true,"inner":"[1]"}"#);
        assert_eq!(
            e.to_string(),
            "field `inner`: expected a JSON object or a JSON string holding one, found a JSON \
             string holding an array"
        );

        let e = err("[1, 2]");
        assert_eq!(
            (e.path(), e.to_string().as_str()),
            ("", "expected an object, found an array")
        );

        let e = err(r#"{"flag": tru"#);
        assert!(matches!(e.kind(), DecodeErrorKind::Syntax { .. }), "{e:?}");
    }
}
