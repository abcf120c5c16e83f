//! The compact JSON writer behind `to_biz_content` and the nested-object length rule.
//!
//! It writes exactly the bytes `serde_json::to_string` writes (a property test holds
//! them identical), but: strings are scanned for the bytes JSON escapes a chunk at a
//! time instead of one table lookup per byte, a nested object carried as a JSON string
//! is written straight into the outer text already escaped (one pass, no intermediate
//! string), and the same walk can count the length of the output in a [`LengthUnit`]
//! without writing it. A certify request carries a 200 KB photo through here.

use std::cell::Cell;
use std::fmt::Write as _;

use alipay_protocol::LengthUnit;
use serde::ser::{self, Serialize};
use serde_json::Error;

/// The newtype name [`json_string`](super::json_string) wraps a nested object in; this
/// writer recognises it and writes the object escaped in place.
pub(crate) const EMBED: &str = "$alipay_api::private::JsonString";

thread_local! {
    /// Set by this writer right before it serializes an [`Embedded`] value, and taken
    /// by that value's first action: tells it that the serializer is this writer, so it
    /// may write its object in place instead of as a finished string.
    static IN_PLACE: Cell<bool> = const { Cell::new(false) };
}

/// A nested object as the JSON string the gateway takes it as, for any serializer.
pub(crate) struct Embedded<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: Serialize + ?Sized> Serialize for Embedded<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if IN_PLACE.with(|f| f.replace(false)) {
            // The serializer is `Writer`, one string level deeper already.
            return self.0.serialize(serializer);
        }
        let text = serde_json::to_string(self.0).map_err(|e| {
            <S::Error as ser::Error>::custom(format_args!(
                "cannot encode a nested object as JSON: {}",
                alipay_protocol::redact::describe_json_error(&e)
            ))
        })?;
        serializer.serialize_str(&text)
    }
}

enum Sink<'a> {
    Text(&'a mut String),
    Count(LengthUnit, usize),
}

/// Writes (or counts) compact JSON.
pub(crate) struct Writer<'a> {
    sink: Sink<'a>,
    /// How many JSON strings deep the output currently is (a nested object inside
    /// `biz_content` is 1): every byte JSON escapes is escaped this many times more.
    level: u8,
}

/// Whether JSON escapes the byte inside a string (as serde_json does: `"`, `\` and
/// the controls below U+0020). Branch-free (`|`, not `||`), so a chunk's check
/// vectorises.
fn escaped(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// The index of the first byte JSON escapes, a 32-byte chunk at a time (the fold is
/// branch-free, so it vectorises).
fn next_escape(bytes: &[u8]) -> Option<usize> {
    let mut start = 0;
    for chunk in bytes.chunks(32) {
        if chunk.iter().fold(false, |hit, &b| hit | escaped(b)) {
            break;
        }
        start += chunk.len();
    }
    bytes[start..]
        .iter()
        .position(|&b| escaped(b))
        .map(|i| start + i)
}

impl<'a> Writer<'a> {
    /// Appends to `out`.
    pub(crate) fn text(out: &'a mut String) -> Self {
        Writer {
            sink: Sink::Text(out),
            level: 0,
        }
    }

    /// Counts the length of the output in `unit`, writing nothing.
    pub(crate) fn count(unit: LengthUnit) -> Self {
        Writer {
            sink: Sink::Count(unit, 0),
            level: 0,
        }
    }

    /// The count so far (0 for a text writer).
    pub(crate) fn counted(&self) -> usize {
        match self.sink {
            Sink::Count(_, n) => n,
            Sink::Text(_) => 0,
        }
    }

    fn put(&mut self, s: &str) {
        match &mut self.sink {
            Sink::Text(out) => out.push_str(s),
            Sink::Count(unit, n) => *n += unit.count_utf8(s.as_bytes()),
        }
    }

    /// Writes `s`, output as it stands at level 0, escaped for `level` strings.
    fn emit(&mut self, s: &str, level: u8) {
        if level == 0 {
            return self.put(s);
        }
        let mut rest = s;
        while let Some(i) = next_escape(rest.as_bytes()) {
            // `i` is an ASCII byte, so both cuts are on character boundaries.
            self.put(&rest[..i]);
            let b = rest.as_bytes()[i];
            let esc: [u8; 6];
            let e: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    esc = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 15)],
                    ];
                    &esc
                }
            };
            // Escapes are ASCII.
            self.emit(std::str::from_utf8(e).unwrap_or_default(), level - 1);
            rest = &rest[i + 1..];
        }
        self.put(rest);
    }

    fn raw(&mut self, s: &str) {
        self.emit(s, self.level);
    }

    fn string(&mut self, s: &str) {
        self.raw("\"");
        self.emit(s, self.level + 1);
        self.raw("\"");
    }

    fn display(&mut self, v: impl std::fmt::Display) {
        let mut buf = String::with_capacity(24);
        let _ = write!(buf, "{v}");
        self.raw(&buf);
    }

    fn deeper(&mut self) -> Result<u8, Error> {
        self.level
            .checked_add(1)
            .ok_or_else(|| ser::Error::custom("nested JSON strings too deep"))
    }
}

/// A map key as serde_json writes it (strings as they are, numbers and booleans
/// quoted, anything else refused with serde_json's own error).
fn key_token<K: Serialize + ?Sized>(key: &K) -> Result<String, Error> {
    struct One<'a, K: ?Sized>(&'a K);
    impl<K: Serialize + ?Sized> Serialize for One<'_, K> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap as _;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(self.0, &())?;
            m.end()
        }
    }
    let text = serde_json::to_string(&One(key))?;
    // `{<key>:null}`
    Ok(text[1..text.len() - 6].to_owned())
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.raw(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.display(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // serde_json's own float text (shortest round trip, `null` if not finite).
        self.raw(&serde_json::to_string(&v)?);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.raw(&serde_json::to_string(&v)?);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq as _;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.raw("null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.raw("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name != EMBED {
            return value.serialize(self);
        }
        let outer = self.level;
        self.raw("\"");
        self.level = self.deeper()?;
        IN_PLACE.with(|f| f.set(true));
        let result = value.serialize(&mut *self);
        // Never leave the flag for a value this writer did not hand it to.
        IN_PLACE.with(|f| f.set(false));
        self.level = outer;
        result?;
        self.raw("\"");
        Ok(())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.raw("{");
        self.string(variant);
        self.raw(":");
        value.serialize(&mut *self)?;
        self.raw("}");
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, "[", "]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.raw("{");
        self.string(variant);
        self.raw(":");
        Ok(Compound::open(self, "[", "]}"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, "{", "}"))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'w, 'a>, Error> {
        if name == "$serde_json::private::RawValue" {
            return Err(ser::Error::custom(
                "raw JSON values are not supported in biz_content",
            ));
        }
        Ok(Compound::open(self, "{", "}"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.raw("{");
        self.string(variant);
        self.raw(":");
        Ok(Compound::open(self, "{", "}}"))
    }
}

/// An array or object being written.
pub(crate) struct Compound<'w, 'a> {
    w: &'w mut Writer<'a>,
    first: bool,
    close: &'static str,
}

impl<'w, 'a> Compound<'w, 'a> {
    fn open(w: &'w mut Writer<'a>, open: &str, close: &'static str) -> Self {
        w.raw(open);
        Compound {
            w,
            first: true,
            close,
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.w.raw(",");
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.sep();
        value.serialize(&mut *self.w)
    }

    fn finish(self) -> Result<(), Error> {
        self.w.raw(self.close);
        Ok(())
    }
}

macro_rules! compound_impls {
    ($($t:ident :: $m:ident),*) => {$(
        impl ser::$t for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $m<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

compound_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let token = key_token(key)?;
        self.sep();
        self.w.raw(&token);
        self.w.raw(":");
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

macro_rules! struct_impls {
    ($($t:ident),*) => {$(
        impl ser::$t for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.sep();
                self.w.string(key);
                self.w.raw(":");
                value.serialize(&mut *self.w)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

struct_impls!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    /// Nested objects carried as JSON strings, two levels deep.
    #[derive(Serialize)]
    struct Inner {
        text: String,
        n: i64,
        map: serde_json::Map<String, serde_json::Value>,
    }

    #[derive(Serialize)]
    struct Outer {
        #[serde(serialize_with = "crate::__private::json_string")]
        inner: Inner,
        #[serde(serialize_with = "crate::__private::json_string")]
        twice: Wrap,
        flag: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<String>,
        list: Vec<u8>,
        e: E,
    }

    #[derive(Serialize)]
    struct Wrap {
        #[serde(serialize_with = "crate::__private::json_string")]
        inner: Inner,
    }

    #[derive(Serialize)]
    enum E {
        Tuple(i8, String),
    }

    fn texts() -> Vec<String> {
        let mut out: Vec<String> = (0u8..0x80).map(|b| format!("a{}z", b as char)).collect();
        out.extend(["", "收委 😀 \u{7f} \u{2028}", "\"\\\"\\\\", "/9j/4AAQ+/=="].map(String::from));
        // Pseudo-random strings over a small alphabet heavy in what JSON escapes.
        let alphabet = [
            '"', '\\', '\n', '\u{1}', 'a', '收', '😀', '/', ' ', '\u{1f}',
        ];
        let mut x: u32 = 0x9e37_79b9;
        for len in 0..200 {
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    alphabet[x as usize % alphabet.len()]
                })
                .collect();
            out.push(s);
        }
        out
    }

    fn value(text: &str) -> Outer {
        let inner = || Inner {
            text: text.to_owned(),
            n: -42,
            map: json!({ text: [1.5, null, text, {"k": 1e300}] })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        Outer {
            inner: inner(),
            twice: Wrap { inner: inner() },
            flag: None,
            absent: None,
            list: text.bytes().take(5).collect(),
            e: E::Tuple(-1, text.to_owned()),
        }
    }

    #[test]
    fn writes_what_serde_json_writes_and_counts_it() {
        for text in texts() {
            let v = value(&text);
            let expected = serde_json::to_string(&v).unwrap();
            let mut ours = String::new();
            v.serialize(&mut Writer::text(&mut ours)).unwrap();
            assert_eq!(ours, expected, "{text:?}");
            for unit in [LengthUnit::Utf16, LengthUnit::Chars, LengthUnit::Bytes] {
                let mut counter = Writer::count(unit);
                v.serialize(&mut counter).unwrap();
                assert_eq!(
                    counter.counted(),
                    unit.count(&expected),
                    "{text:?} {unit:?}"
                );
            }
        }
    }

    #[test]
    fn other_serializers_still_get_the_nested_object_as_a_string() {
        let v = value("x\"y");
        let tree = serde_json::to_value(&v).unwrap();
        let inner = tree["inner"].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(inner).unwrap()["text"],
            "x\"y"
        );
    }

    #[test]
    fn a_map_key_that_is_not_text_is_refused_like_serde_json() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1u8], 1);
        let ours = m
            .serialize(&mut Writer::text(&mut String::new()))
            .unwrap_err();
        assert_eq!(
            ours.to_string(),
            serde_json::to_string(&m).unwrap_err().to_string()
        );
    }
}
