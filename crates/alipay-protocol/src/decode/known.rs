//! Decoding only the members a type reads: the others are scanned as JSON and skipped,
//! never copied.

use std::fmt;

use serde_json::{Map, Value};

/// The JSON `text` as a [`Value`] holding, when it is an object, only the members
/// named in `names`; the other members are checked as JSON and skipped. A value of
/// another kind comes back as an empty value of that kind (what is decoded from it is
/// only its kind, for the error).
pub(super) fn known_fields(
    text: &str,
    names: &'static [&'static str],
) -> serde_json::Result<Value> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    struct Known(&'static [&'static str]);

    impl<'de> DeserializeSeed<'de> for Known {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Known {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any valid JSON value")
        }

        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_str<E>(self, _: &str) -> Result<Value, E> {
            Ok(Value::String(String::new()))
        }

        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Value::Array(Vec::new()))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if self.0.contains(&key.as_ref()) {
                    out.insert(key.into_owned(), map.next_value()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(Value::Object(out))
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let value = Known(names).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::decode::{DecodeError, Fields, FromJson};

    /// The same type twice: once naming its fields, once keeping every key.
    #[derive(Debug, PartialEq)]
    struct Named(bool, Option<String>);
    #[derive(Debug, PartialEq)]
    struct Kept(bool, Option<String>);

    impl FromJson for Named {
        const FIELDS: Option<&'static [&'static str]> = Some(&["flag", "no"]);
        fn from_fields(f: &mut Fields) -> Result<Self, DecodeError> {
            Ok(Named(f.required("flag")?, f.optional("no")?))
        }
    }

    impl FromJson for Kept {
        fn from_fields(f: &mut Fields) -> Result<Self, DecodeError> {
            Ok(Kept(f.required("flag")?, f.optional("no")?))
        }
    }

    #[test]
    fn skipping_unknown_members_decodes_what_keeping_them_decodes() {
        let big = "x".repeat(100_000);
        let texts = [
            format!(r#"{{"flag":"true","extra":"{big}","no":"1"}}"#),
            r#"{"extra":{"a":[1,2,{"b":null}]},"flag":false}"#.to_owned(),
            r#"{"flag":true,"no":null,"\u0065xtra":1.5e3}"#.to_owned(),
            r#"{"fl\u0061g":"false"}"#.to_owned(),
            r#"{"no":"1"}"#.to_owned(),
            r#"{"flag":"yes"}"#.to_owned(),
            r#"{"flag":true,"no":7}"#.to_owned(),
            r#"[1,{"flag":true}]"#.to_owned(),
            r#""text""#.to_owned(),
            "12".to_owned(),
            "null".to_owned(),
            r#"{"flag":true,"extra":"unterminated}"#.to_owned(),
            r#"{"flag":true,"extra":[1,}"#.to_owned(),
            r#"{"flag":true} trailing"#.to_owned(),
        ];
        for text in &texts {
            let named = Named::from_verified_str(text).map(|Named(a, b)| (a, b));
            let kept = Kept::from_verified_str(text).map(|Kept(a, b)| (a, b));
            assert_eq!(named, kept, "{text}");
        }
        assert_eq!(
            Named::from_verified_str(&texts[0]).unwrap(),
            Named(true, Some("1".into()))
        );
    }
}
