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

mod known;

use known::known_fields;

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
    /// An object repeats a key (at this path or inside it, nested JSON strings
    /// included): readers disagree on which value counts, so it is refused rather than
    /// silently read as one of them. The key is not named (it is document text).
    DuplicateKey,
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
            DecodeErrorKind::DuplicateKey if path.is_empty() => {
                f.write_str("an object repeats a key; refusing the ambiguous document")
            }
            DecodeErrorKind::DuplicateKey => write!(
                f,
                "field `{path}`: an object repeats a key; refusing the ambiguous value"
            ),
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
        let path = shown_path(e.path());
        let reason = describe_json_error(e.inner());
        let kind = if e.inner().is_syntax() || e.inner().is_eof() {
            DecodeErrorKind::Syntax { reason }
        } else {
            DecodeErrorKind::Mismatch { reason }
        };
        DecodeError::new(path, kind)
    })
}

/// A serde path as it may be shown: field names and indices, but a map key that is not
/// a plain identifier (document text: a name, an ID number, a terminal escape) becomes
/// `{…}`.
fn shown_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                let plain = !key.is_empty()
                    && key.len() <= 64
                    && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                out.push_str(if plain { key } else { "{…}" });
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// A type decoded from a JSON object, field by field. Implemented by generated types.
pub trait FromJson: Sized {
    /// The keys [`from_fields`](Self::from_fields) reads, when the type knows them
    /// (generated types do): decoding from text then materialises only these and
    /// skips every other value without copying it (a 400 KB field the type does not
    /// define costs one scan, not a copy). `None`, the default, keeps every key.
    const FIELDS: Option<&'static [&'static str]> = None;

    /// Takes this type's fields out of `fields`; keys it does not define are ignored.
    fn from_fields(fields: &mut Fields) -> Result<Self, DecodeError>;

    /// Decodes JSON text holding one object. An object that repeats a key anywhere
    /// (nested JSON strings included) is refused.
    fn from_json_str(text: &str) -> Result<Self, DecodeError> {
        if crate::response::repeats_a_key(text) {
            return Err(DecodeError::new("", DecodeErrorKind::DuplicateKey));
        }
        Self::from_verified_str(text)
    }

    /// Decodes the text of a verified response node, whose keys response verification
    /// has already found unique (nested JSON strings included), so they are not
    /// scanned again.
    fn from_verified_str(text: &str) -> Result<Self, DecodeError> {
        let value = match Self::FIELDS {
            None => serde_json::from_str(text),
            Some(names) => known_fields(text, names),
        }
        .map_err(|e| {
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
            Value::Number(n) if n.is_f64() => Err(wrong(path, EXPECTED, "a non-integer number")),
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| wrong(path, EXPECTED, "an integer out of range")),
            // Only what Java's Long.parseLong takes: no spaces, no `+`, no other digits.
            Value::String(s) => {
                let digits = s.strip_prefix('-').unwrap_or(&s);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(wrong(path, EXPECTED, "a non-numeric string"));
                }
                s.parse()
                    .map_err(|_| wrong(path, EXPECTED, "an integer string out of range"))
            }
            other => Err(wrong(path, EXPECTED, json_kind(&other))),
        }
    }
}

/// A JSON number or a decimal string (`"30"`, `"98.5"`); NaN and infinities are
/// refused, as JSON has neither.
impl FromValue for f64 {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        const EXPECTED: &str = "a number";
        match value {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| wrong(path, EXPECTED, "a number out of range")),
            Value::String(s) => {
                let plain = !s.is_empty()
                    && s.bytes().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+')
                    });
                match s.parse::<f64>() {
                    Ok(n) if plain && n.is_finite() => Ok(n),
                    _ => Err(wrong(path, EXPECTED, "a non-numeric string")),
                }
            }
            other => Err(wrong(path, EXPECTED, json_kind(&other))),
        }
    }
}

/// A JSON array, or a JSON string holding one; elements are named `path[i]`.
impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value, path: &str) -> Result<Self, DecodeError> {
        const EXPECTED: &str = "an array or a JSON string holding one";
        let items = match value {
            Value::Array(items) => items,
            Value::String(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Array(_)) if crate::response::repeats_a_key(&s) => {
                    return Err(DecodeError::new(path, DecodeErrorKind::DuplicateKey));
                }
                Ok(Value::Array(items)) => items,
                Ok(other) => return Err(wrong(path, EXPECTED, json_string_kind(&other))),
                Err(e) => {
                    return Err(DecodeError::new(
                        path,
                        DecodeErrorKind::InvalidJsonString {
                            reason: describe_json_error(&e),
                        },
                    ));
                }
            },
            other => return Err(wrong(path, EXPECTED, json_kind(&other))),
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| T::from_value(item, &format!("{path}[{i}]")))
            .collect()
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
                Ok(Value::Object(_)) if crate::response::repeats_a_key(&s) => {
                    Err(DecodeError::new(path, DecodeErrorKind::DuplicateKey))
                }
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

    #[test]
    fn a_repeated_key_is_refused_not_read_as_one_of_its_values() {
        let e = err(r#"{"flag":true,"flag":false,"inner":{"no":"x"}}"#);
        assert_eq!((e.path(), e.kind()), ("", &DecodeErrorKind::DuplicateKey));
        // Inside a nested object carried as a JSON string, too.
        let e = err(r#"{"flag":true,"inner":"{\"no\":\"A\",\"no\":\"B\"}"}"#);
        assert_eq!(e.kind(), &DecodeErrorKind::DuplicateKey);
        assert!(
            !e.to_string().contains('A') || !e.to_string().contains("\"A\""),
            "{e}"
        );
    }

    #[test]
    fn integers_are_what_java_parses_and_out_of_range_says_so() {
        for bad in [
            r#"" 12""#,
            r#""+5""#,
            "\"\u{3000} 12\"",
            r#""1_000""#,
            r#""""#,
            r#""-""#,
        ] {
            let e = err(&format!(
                r#"{{"flag":true,"count":{bad},"inner":{{"no":"x"}}}}"#
            ));
            assert_eq!(e.path(), "count", "{bad}");
            assert!(e.to_string().contains("a non-numeric string"), "{bad}: {e}");
        }
        let e = err(r#"{"flag":true,"count":"9223372036854775808","inner":{"no":"x"}}"#);
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = err(r#"{"flag":true,"count":9223372036854775808,"inner":{"no":"x"}}"#);
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = err(r#"{"flag":true,"count":1.5,"inner":{"no":"x"}}"#);
        assert!(e.to_string().contains("a non-integer number"), "{e}");
        let o = Outer::from_json_str(r#"{"flag":true,"count":"-42","inner":{"no":"x"}}"#).unwrap();
        assert_eq!(o.count, Some(-42));
    }

    #[test]
    fn serde_paths_show_map_keys_only_when_they_are_plain_names() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Hand {
            m: std::collections::HashMap<String, u32>,
        }
        let id = "110101199003078515";
        let text = format!(r#"{{"m":{{"张三{id}\u001b[2J":"x"}}}}"#);
        let e = deserialize_node::<Hand>(&text).unwrap_err();
        assert_eq!(e.path(), "m.{…}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(id) && !shown.contains('\u{1b}'), "{shown}");
        let e = deserialize_node::<Hand>(r#"{"m":{"plain_key":"x"}}"#).unwrap_err();
        assert_eq!(e.path(), "m.plain_key");
    }
}
