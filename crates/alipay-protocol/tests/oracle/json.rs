//! JSON helpers: writing bodies in several styles and reading them back member by member.

use super::*;

/// How a JSON string is written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// `/` as `\/` (as Alipay's Java stack sometimes writes it).
    pub escape_slash: bool,
    /// Non-ASCII as `\uXXXX` (surrogate pairs outside the BMP).
    pub escape_non_ascii: bool,
}

/// Appends `s` as a JSON string token.
pub fn json_str(s: &str, style: Style, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if style.escape_slash => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if style.escape_non_ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON object of string fields, in order.
pub fn json_object(fields: &[(String, String)], style: Style) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(k, style, &mut out);
        out.push(':');
        json_str(v, style, &mut out);
    }
    out.push('}');
    out
}

/// The members of a JSON object in order, duplicates kept.
#[derive(Debug, PartialEq)]
pub struct Members(pub Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    out.push((key, map.next_value()?));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

pub fn charset_name(charset: Charset) -> &'static str {
    match charset {
        Charset::Gbk => "gbk",
        _ => "utf-8",
    }
}

pub fn parse_charset(name: &str) -> Charset {
    if name == "gbk" {
        Charset::Gbk
    } else {
        Charset::Utf8
    }
}

/// A body stored so that non-UTF-8 bytes survive JSON: text when it is UTF-8, else hex.
pub fn body_to_json(body: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(body) {
        Ok(s) => serde_json::json!({ "body": s }),
        Err(_) => serde_json::json!({ "body_hex": hex_encode(body) }),
    }
}

pub fn body_from_json(v: &serde_json::Value) -> Vec<u8> {
    if let Some(s) = v.get("body").and_then(|b| b.as_str()) {
        return s.as_bytes().to_vec();
    }
    let hex = v["body_hex"].as_str().expect("body or body_hex");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
