//! Decoding only the members a type reads: the others are scanned as JSON and skipped,
//! never copied.

use std::fmt;

use serde_json::{Map, Value};

/// The JSON `text` as a [`Value`] holding, when it is an object, only the members
/// named in `names`; the other members are checked as JSON and skipped. A value of
/// another kind comes back as an empty value of that kind (what is decoded from it is
/// only its kind, for the error).
///
/// A skipped member is checked as strictly as parsing it into a [`Value`] would check
/// it (numbers in range, escapes that make characters, nesting within the parser's
/// limit): serde's `IgnoredAny` is laxer, and text that only a lax skip accepts is text
/// the duplicate-key check cannot read, so it could hide a repeated key behind it.
pub(super) fn known_fields(
    text: &str,
    names: &'static [&'static str],
) -> serde_json::Result<Value> {
    use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

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
            while seq.next_element::<Skipped>()?.is_some() {}
            Ok(Value::Array(Vec::new()))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if self.0.contains(&key.as_ref()) {
                    out.insert(key.into_owned(), map.next_value()?);
                } else {
                    map.next_value::<Skipped>()?;
                }
            }
            Ok(Value::Object(out))
        }
    }

    /// Any JSON value, parsed as a `Value` parse would (and failing where it fails),
    /// kept nowhere: strings are not copied, objects and arrays not built.
    struct Skipped;

    impl<'de> serde::Deserialize<'de> for Skipped {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Skipped)
        }
    }

    impl<'de> Visitor<'de> for Skipped {
        type Value = Skipped;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any valid JSON value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_str<E>(self, _: &str) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_unit<E>(self) -> Result<Skipped, E> {
            Ok(Skipped)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skipped, A::Error> {
            while seq.next_element::<Skipped>()?.is_some() {}
            Ok(Skipped)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skipped, A::Error> {
            while map.next_key::<Skipped>()?.is_some() {
                map.next_value::<Skipped>()?;
            }
            Ok(Skipped)
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

    #[test]
    fn a_member_a_value_parse_refuses_is_refused_and_cannot_hide_a_repeat() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for unreadable in ["1e400", r#""\ud800""#, deep.as_str()] {
            for text in [
                format!(r#"{{"no":"A","x":{unreadable},"no":"B"}}"#),
                format!(r#"{{"no":"A","x":{unreadable}}}"#),
                format!(r#"{{"no":"A","x":[{unreadable}]}}"#),
            ] {
                assert!(Named::from_json_str(&text).is_err(), "{text}");
                assert!(Named::from_verified_str(&text).is_err(), "{text}");
                assert!(Kept::from_json_str(&text).is_err(), "{text}");
            }
        }
    }
}
