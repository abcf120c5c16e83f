//! Strict reading of response JSON: the top-level members with duplicates kept, and
//! the refusal of a verified node in which an object repeats a key.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::{Node, ResponseError, json_problem, malformed};

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
            malformed(format!(
                "`{}` repeats a key inside an object or cannot be read ({}); refusing an \
                 ambiguous answer",
                node.key(),
                if e.to_string().starts_with(DUPLICATE_KEY) {
                    DUPLICATE_KEY.to_owned()
                } else {
                    json_problem(&e)
                }
            ))
        })
}

const DUPLICATE_KEY: &str = "a key appears twice in one object";

/// Whether some object in the JSON `text` repeats a key, inside nested objects carried
/// as JSON strings too (how the gateway carries nested objects). Text that is not JSON
/// is not this function's concern: it answers `false`.
pub(crate) fn repeats_a_key(text: &str) -> bool {
    matches!(serde_json::from_str::<UniqueKeys>(text), Err(e) if e.to_string().starts_with(DUPLICATE_KEY))
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
