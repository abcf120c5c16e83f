//! Text generation: the pieces cases are built from, and byte-level mutations.

use super::*;

pub const WORDS: &[&str] = &[
    "10000",
    "Success",
    "code",
    "msg",
    "sub_code",
    "sub_msg",
    "http://x.cn/a.png",
    "https://",
    "//",
    "a/b",
    "张三",
    "测试商品 & more",
    "TRADE_SUCCESS",
    "88.88",
    "0.01",
    "[{\"amount\":\"0.01\"}]",
    "sign",
    "\\u002f",
    "%26",
    "%3D",
];
pub const CJK: &[char] = &[
    '中', '文', '测', '试', '张', '三', '€', 'é', 'ß', '，', '\u{feff}',
];
pub const ASTRAL: &[char] = &['😀', '𠀀', '\u{10ffff}', '𝄞'];

/// One piece of generated text, biased towards what escaping and splitting trip on.
#[derive(Arbitrary, Debug, Clone)]
pub enum Piece {
    /// A word from a small list of realistic values.
    Word(u8),
    /// A printable ASCII character.
    Ascii(u8),
    /// `/`
    Slash,
    /// `\`
    Backslash,
    /// `"`
    Quote,
    /// `&`
    Amp,
    /// `=`
    Equals,
    /// `%`
    Percent,
    /// `+`
    Plus,
    /// ` `
    Space,
    /// A BMP non-ASCII character.
    Cjk(u8),
    /// A character outside the BMP (a surrogate pair in `\u` escapes).
    Astral(u8),
    /// A control character.
    Control(u8),
    /// Any character.
    Any(char),
}

/// Generated text: at most 12 pieces.
#[derive(Arbitrary, Debug, Clone)]
pub struct Text(pub Vec<Piece>);

impl Text {
    /// The text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for piece in self.0.iter().take(12) {
            match piece {
                Piece::Word(i) => out.push_str(WORDS[*i as usize % WORDS.len()]),
                Piece::Ascii(b) => out.push(char::from(b' ' + b % 95)),
                Piece::Slash => out.push('/'),
                Piece::Backslash => out.push('\\'),
                Piece::Quote => out.push('"'),
                Piece::Amp => out.push('&'),
                Piece::Equals => out.push('='),
                Piece::Percent => out.push('%'),
                Piece::Plus => out.push('+'),
                Piece::Space => out.push(' '),
                Piece::Cjk(i) => out.push(CJK[*i as usize % CJK.len()]),
                Piece::Astral(i) => out.push(ASTRAL[*i as usize % ASTRAL.len()]),
                Piece::Control(b) => out.push(char::from(b % 32)),
                Piece::Any(c) => out.push(*c),
            }
        }
        out
    }
}

pub const NAMES: &[&str] = &[
    "trade_status",
    "total_amount",
    "out_trade_no",
    "subject",
    "app_id",
    "notify_id",
    "buyer_id",
    "a",
    "b",
    "z",
];

/// A parameter name as Alipay sends them: a known name or `[a-z0-9_]+`.
#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    /// One of a few realistic names.
    Known(u8),
    /// Bytes mapped onto `[a-z0-9_]` (an empty list gives `x`).
    Custom(Vec<u8>),
}

impl Name {
    /// The name.
    pub fn render(&self) -> String {
        match self {
            Name::Known(i) => NAMES[*i as usize % NAMES.len()].to_owned(),
            Name::Custom(bytes) if bytes.is_empty() => "x".to_owned(),
            Name::Custom(bytes) => bytes
                .iter()
                .take(12)
                .map(|b| {
                    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789_";
                    char::from(alphabet[*b as usize % alphabet.len()])
                })
                .collect(),
        }
    }
}

/// Byte strings that matter to JSON escaping and form splitting.
pub const SNIPPETS: &[&[u8]] = &[
    b"\\/",
    b"\\\\/",
    b"/",
    b"\\",
    b"\\\\",
    b"\"",
    b",",
    b"{",
    b"}",
    b":",
    b"[",
    b"]",
    b"\\u002f",
    b"\\u005c",
    b"\\u0000",
    b"\\ud800",
    b"\"code\":\"10000\",",
    b"\"sign\":\"c2lnbmVk\",",
    b"\"alipay_fuzz_verify_response\":",
    b"\"error_response\":",
    b" ",
    b"\n",
    b"\xef\xbb\xbf",
    b"&",
    b"=",
    b"%26",
    b"%3D",
    b"%3d",
    b"+",
    b"%",
    b"%00",
    b"&&",
    b"sign=c2lnbmVk&",
    b"trade_status=&",
    b"charset=gbk&",
    b"sign_type=RSA&",
];

/// A byte string to insert or replace with.
#[derive(Arbitrary, Debug, Clone)]
pub enum Snippet {
    /// One of [`SNIPPETS`].
    Known(u8),
    /// Arbitrary bytes (at most 16).
    Raw(Vec<u8>),
}

impl Snippet {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Snippet::Known(i) => SNIPPETS[*i as usize % SNIPPETS.len()].to_vec(),
            Snippet::Raw(b) => b.iter().take(16).copied().collect(),
        }
    }
}

/// A mutation of the bytes of a body, as an attacker on the path could make it.
#[derive(Arbitrary, Debug, Clone)]
pub enum ByteMutation {
    /// Every `\/` becomes `\\/`.
    DoubleEscapeSlashes,
    /// The nth occurrence of `from` becomes `to`.
    Replace {
        /// Which occurrence (modulo their number).
        nth: u8,
        /// What to look for.
        from: Snippet,
        /// What to put instead.
        to: Snippet,
    },
    /// Every occurrence of `from` becomes `to`.
    ReplaceAll {
        /// What to look for.
        from: Snippet,
        /// What to put instead.
        to: Snippet,
    },
    /// Overwrite one byte.
    SetByte {
        /// Where (modulo the length).
        at: u16,
        /// The new byte.
        byte: u8,
    },
    /// Insert bytes.
    Insert {
        /// Where (modulo the length + 1).
        at: u16,
        /// What.
        what: Snippet,
    },
    /// Delete up to `len` bytes.
    Delete {
        /// Where (modulo the length).
        at: u16,
        /// How many.
        len: u8,
    },
    /// Cut the body.
    Truncate(u16),
    /// Put the body inside something else (or next to itself).
    Wrap(u8),
}

pub fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        if &haystack[i..i + needle.len()] == needle {
            out.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

pub fn replace_at(buf: &mut Vec<u8>, at: usize, len: usize, with: &[u8]) {
    buf.splice(at..at + len, with.iter().copied());
}

impl ByteMutation {
    /// Applies the mutation; `member` is a `"key":value` member that [`ByteMutation::Wrap`]
    /// may append (a second response node, a second `sign=`).
    pub fn apply(&self, buf: &mut Vec<u8>, extra: &[u8]) {
        match self {
            ByteMutation::DoubleEscapeSlashes => {
                for at in find_all(buf, b"\\/").into_iter().rev() {
                    replace_at(buf, at, 2, b"\\\\/");
                }
            }
            ByteMutation::Replace { nth, from, to } => {
                let hits = find_all(buf, &from.bytes());
                if !hits.is_empty() {
                    let at = hits[*nth as usize % hits.len()];
                    replace_at(buf, at, from.bytes().len(), &to.bytes());
                }
            }
            ByteMutation::ReplaceAll { from, to } => {
                let from = from.bytes();
                for at in find_all(buf, &from).into_iter().rev() {
                    replace_at(buf, at, from.len(), &to.bytes());
                }
            }
            ByteMutation::SetByte { at, byte } => {
                if !buf.is_empty() {
                    let at = *at as usize % buf.len();
                    buf[at] = *byte;
                }
            }
            ByteMutation::Insert { at, what } => {
                let at = *at as usize % (buf.len() + 1);
                replace_at(buf, at, 0, &what.bytes());
            }
            ByteMutation::Delete { at, len } => {
                if !buf.is_empty() {
                    let at = *at as usize % buf.len();
                    let end = (at + *len as usize).min(buf.len());
                    buf.drain(at..end);
                }
            }
            ByteMutation::Truncate(at) => {
                let at = *at as usize % (buf.len() + 1);
                buf.truncate(at);
            }
            ByteMutation::Wrap(kind) => {
                let inner = std::mem::take(buf);
                *buf = match kind % 6 {
                    0 => [&b"{\"x\":"[..], &inner, b"}"].concat(),
                    1 => [&b"["[..], &inner, b"]"].concat(),
                    2 => [&inner[..], &inner].concat(),
                    3 => [&b" \r\n"[..], &inner, b"\n "].concat(),
                    4 => [&b"\xef\xbb\xbf"[..], &inner].concat(),
                    _ => {
                        // Append `extra` inside the outer object / after the last pair.
                        match inner.iter().rposition(|&b| b == b'}') {
                            Some(end) if !extra.is_empty() => {
                                [&inner[..end], b",", extra, &inner[end..]].concat()
                            }
                            _ => [&inner[..], b"&", extra].concat(),
                        }
                    }
                };
            }
        }
    }
}
