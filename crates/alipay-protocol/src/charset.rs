//! Request/response charsets. The charset decides the bytes that are signed, the
//! percent-encoding on the wire and the bytes a response signature covers.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A charset the gateway accepts for `charset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// `utf-8`, the default and the only one Node/Go SDKs support.
    #[default]
    Utf8,
    /// `gbk`, still used by older Java integrations.
    Gbk,
}

/// A string that cannot be represented in the chosen charset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("text contains a character that {charset} cannot encode")]
pub struct Unencodable {
    /// The charset's wire name.
    pub charset: &'static str,
}

/// Bytes that are not valid in the charset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the body is not valid {charset}")]
pub struct Undecodable {
    /// The charset's wire name.
    pub charset: &'static str,
}

/// An unknown `charset` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported charset `{0}`: expected `utf-8` or `gbk`")]
pub struct UnknownCharset(pub String);

impl Charset {
    /// The wire value: `utf-8` or `gbk`.
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Gbk => "gbk",
        }
    }

    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Gbk => encoding_rs::GBK,
        }
    }

    /// Encodes `text`, failing instead of substituting when a character has no mapping
    /// (encoding_rs would otherwise write an HTML entity, silently changing what is signed).
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, Unencodable> {
        if self == Charset::Utf8 {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        let (bytes, _, had_errors) = self.encoding().encode(text);
        if had_errors {
            return Err(Unencodable {
                charset: self.as_str(),
            });
        }
        Ok(bytes)
    }

    /// Decodes `bytes` strictly (no replacement characters). A UTF-8 BOM is not stripped:
    /// it would be part of what was signed.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, Undecodable> {
        self.encoding()
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(Undecodable {
                charset: self.as_str(),
            })
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Charset {
    type Err = UnknownCharset;
    /// Case-insensitive; `utf8` and `UTF-8` are accepted as Java and Node spell them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Charset::Utf8),
            "gbk" => Ok(Charset::Gbk),
            _ => Err(UnknownCharset(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_round_trip_and_strictness() {
        let bytes = Charset::Gbk.encode("中文标题").unwrap();
        assert_eq!(hex::encode(&bytes), "d6d0cec4b1eacce2");
        assert_eq!(Charset::Gbk.decode(&bytes).unwrap(), "中文标题");
        assert!(Charset::Gbk.encode("emoji 😀").is_err());
        assert!(Charset::Utf8.decode(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn parses_spellings() {
        assert_eq!("UTF-8".parse::<Charset>().unwrap(), Charset::Utf8);
        assert_eq!("GBK".parse::<Charset>().unwrap(), Charset::Gbk);
        assert!("latin1".parse::<Charset>().is_err());
    }
}
