//! Strict reading of response JSON: the top-level members with duplicates kept, and
//! the refusal of a verified node in which an object repeats a key.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::{Node, ResponseError, json_problem, malformed};
use crate::gateway::GatewayStatus;

/// The top-level members in order, duplicates kept so they can be rejected.
pub(super) struct Members<'a>(pub(super) Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Refuses a verified node in which some object repeats a key: readers disagree on
/// which value counts (serde_json's `Value` keeps the last, a typed struct refuses the
/// node), so one signed answer could mean two things. The key is not quoted: it is
/// signed, but may still be personal data.
pub(super) fn check_unique_keys(node: &Node, text: &str) -> Result<(), ResponseError> {
    serde_json::from_str::<UniqueKeys>(text)
        .map(|_| ())
        .map_err(|e| {
            unreadable_or_repeated(
                node,
                &if e.to_string().starts_with(DUPLICATE_KEY) {
                    DUPLICATE_KEY.to_owned()
                } else {
                    json_problem(&e)
                },
            )
        })
}

/// The refusal of [`check_unique_keys`].
pub(super) fn unreadable_or_repeated(node: &Node, problem: &str) -> ResponseError {
    malformed(format!(
        "`{}` repeats a key inside an object or cannot be read ({problem}); refusing an \
         ambiguous answer",
        node.key()
    ))
}

/// The refusal of [`check_unique_keys`] for a repeated key.
pub(super) fn repeated_key(node: &Node) -> ResponseError {
    unreadable_or_repeated(node, DUPLICATE_KEY)
}

/// One walk over the text of an object node (valid JSON): its result fields, read as
/// the `GatewayStatus` derive reads them, and whether some object in it repeats a key
/// (what [`check_unique_keys`] refuses). A 400 KB node is walked once for both instead
/// of twice.
///
/// `Err` whenever this walk could differ from the two it replaces: a result field of
/// the wrong type or given twice, or a value the key check cannot read (nesting
/// deeper than the parser's limit). The caller then takes the two separate walks,
/// whose errors are the documented ones.
pub(super) fn scan_node(text: &str) -> Result<(GatewayStatus, bool), serde_json::Error> {
    let scan: NodeScan = serde_json::from_str(text)?;
    Ok((scan.status, scan.repeats))
}

const RESULT_FIELDS: [&str; 4] = ["code", "msg", "sub_code", "sub_msg"];

struct NodeScan {
    status: GatewayStatus,
    repeats: bool,
}

impl<'de> serde::Deserialize<'de> for NodeScan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeScan;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeScan, A::Error> {
        let mut status = GatewayStatus::default();
        let mut given = [false; RESULT_FIELDS.len()];
        let mut seen = std::collections::HashSet::new();
        let mut repeats = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let field = RESULT_FIELDS.iter().position(|f| *f == key);
            repeats |= !seen.insert(key);
            let Some(i) = field else {
                repeats |= map.next_value::<Repeats>()?.0;
                continue;
            };
            if std::mem::replace(&mut given[i], true) {
                return Err(serde::de::Error::duplicate_field(RESULT_FIELDS[i]));
            }
            repeats |= match i {
                0 => {
                    status.code = map.next_value()?;
                    holds_a_repeating_object(&status.code)
                }
                1 => {
                    status.msg = map.next_value()?;
                    holds_a_repeating_object(&status.msg)
                }
                2 => {
                    status.sub_code = map.next_value()?;
                    status
                        .sub_code
                        .as_deref()
                        .is_some_and(holds_a_repeating_object)
                }
                _ => {
                    status.sub_msg = map.next_value()?;
                    status
                        .sub_msg
                        .as_deref()
                        .is_some_and(holds_a_repeating_object)
                }
            };
        }
        Ok(NodeScan { status, repeats })
    }
}

/// Whether a string holds a JSON object that repeats a key (how [`UniqueKeys`] looks
/// inside strings).
fn holds_a_repeating_object(s: &str) -> bool {
    s.trim_start().starts_with('{') && repeats_a_key(s)
}

/// Whether some object in a value repeats a key, walking all of it (unlike
/// [`UniqueKeys`], which stops at the first repeat, so the walk of the node's other
/// fields can go on).
struct Repeats(bool);

impl<'de> serde::Deserialize<'de> for Repeats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RepeatsVisitor)
    }
}

struct RepeatsVisitor;

impl<'de> Visitor<'de> for RepeatsVisitor {
    type Value = Repeats;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Repeats, E> {
        Ok(Repeats(false))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Repeats, E> {
        Ok(Repeats(false))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Repeats, E> {
        Ok(Repeats(false))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Repeats, E> {
        Ok(Repeats(false))
    }

    fn visit_str<E>(self, s: &str) -> Result<Repeats, E> {
        Ok(Repeats(holds_a_repeating_object(s)))
    }

    fn visit_unit<E>(self) -> Result<Repeats, E> {
        Ok(Repeats(false))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Repeats, A::Error> {
        let mut repeats = false;
        while let Some(Repeats(r)) = seq.next_element()? {
            repeats |= r;
        }
        Ok(Repeats(repeats))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Repeats, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut repeats = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            repeats |= !seen.insert(key);
            repeats |= map.next_value::<Repeats>()?.0;
        }
        Ok(Repeats(repeats))
    }
}

const DUPLICATE_KEY: &str = "a key appears twice in one object";

/// Whether some object in the JSON `text` repeats a key, inside nested objects carried
/// as JSON strings too (how the gateway carries nested objects). Text that is not JSON
/// is not this function's concern: it answers `false` (see [`key_check`]).
pub(crate) fn repeats_a_key(text: &str) -> bool {
    key_check(text) == KeyCheck::Repeated
}

/// What [`key_check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    /// JSON, every object's keys unique.
    Unique,
    /// Some object repeats a key.
    Repeated,
    /// Not JSON a `Value` parse accepts (so no key can be vouched for).
    Unreadable,
}

/// The duplicate-key walk of `text`, telling text it cannot read apart from text with
/// unique keys: a caller that hands the text out must not treat the first as the second.
pub(crate) fn key_check(text: &str) -> KeyCheck {
    match serde_json::from_str::<UniqueKeys>(text) {
        Ok(_) => KeyCheck::Unique,
        Err(e) if e.to_string().starts_with(DUPLICATE_KEY) => KeyCheck::Repeated,
        Err(_) => KeyCheck::Unreadable,
    }
}

/// Walks any JSON value, failing on the first object that repeats a key, also inside
/// strings that hold a JSON object.
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeys)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self, E> {
        if s.trim_start().starts_with('{') && repeats_a_key(s) {
            return Err(E::custom(DUPLICATE_KEY));
        }
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom(DUPLICATE_KEY));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the two separate walks say: the derive's status, and whether
    /// `UniqueKeys` refuses a repeated key.
    fn apart(text: &str) -> (Result<GatewayStatus, String>, bool) {
        let status = serde_json::from_str::<GatewayStatus>(text).map_err(|e| e.to_string());
        let repeats = matches!(serde_json::from_str::<UniqueKeys>(text), Err(e) if e.to_string().starts_with(DUPLICATE_KEY));
        (status, repeats)
    }

    #[test]
    fn one_walk_reads_what_the_two_walks_read() {
        let deep = format!(
            r#"{{"code":"10000","x":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let cases: [(&str, bool); 13] = [
            (r#"{"code":"10000","msg":"Success","passed":"true"}"#, true),
            (
                r#"{"code":"40004","msg":"Business Failed","sub_code":"isv.x","sub_msg":"m"}"#,
                true,
            ),
            (r#"{"sub_code":null,"code":"10000"}"#, true),
            (r#"{"code":"10000","a":1,"a":2}"#, true),
            (r#"{"code":"10000","a":{"b":1,"b":2},"c":"late"}"#, true),
            (r#"{"code":"10000","a":"{\"b\":1,\"b\":2}"}"#, true),
            (r#"{"code":"10000","msg":" {\"b\":1,\"b\":2}"}"#, true),
            (
                r#"{"code":"10000","list":[{"k":1},{"k":2,"k":3}],"msg":"after"}"#,
                true,
            ),
            (r#"{"code":"10000","\u0061":1,"a":2}"#, true),
            // A result field given twice or of the wrong type: the derive's error.
            (r#"{"code":"10000","\u0063ode":"40004"}"#, false),
            (r#"{"code":["x"],"msg":"m"}"#, false),
            (r#"{"code":"10000","msg":{"a":1}}"#, false),
            (&deep, false),
        ];
        for (text, one_walk) in cases {
            let (status, repeats) = apart(text);
            match scan_node(text) {
                Ok((scanned, scanned_repeats)) => {
                    assert!(one_walk, "{text}: expected the two walks");
                    assert_eq!(Ok(scanned), status, "{text}");
                    assert_eq!(scanned_repeats, repeats, "{text}");
                }
                Err(_) => assert!(!one_walk, "{text}: expected one walk"),
            }
        }
    }
}
