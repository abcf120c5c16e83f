//! The oracles shared by the fuzz targets (`fuzz/`), the property tests
//! (`prop_verifiers.rs`) and the replay of fuzz findings (`fuzz_regressions.rs`).
//!
//! The verifier oracles are independent of RSA: a *stand-in* [`Verifier`] accepts
//! exactly the bytes that were originally signed. A genuine body is built around those
//! bytes, mutated as an attacker on the path could, and handed to the real verifier.
//! Whatever comes back as verified must then say exactly what was signed; anything else
//! is a finding, however the signature scheme behaves.
//!
//! A case is decoded from raw bytes with `arbitrary`, so libFuzzer's mutations and
//! proptest's shrinking both work on plain byte strings. A failing case is reported as
//! a [`ResponseScenario`] / [`NotifyScenario`] (JSON): the concrete body and what was
//! signed, which replays without depending on how cases are decoded.
#![allow(dead_code, unreachable_pub)]

use std::fmt::{self, Write as _};

use alipay_protocol::cert::{self, AlipayCertificate, AppCertificate, Certificate};
use alipay_protocol::notify::verify_notification;
use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Charset, Checked, GatewayStatus, Outcome, SignType, Verifier,
    VerifyOptions, verify_response,
};
use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use serde::de::{Deserializer, MapAccess, Visitor};

/// The method every response case answers.
pub const METHOD: &str = "alipay.fuzz.verify";
/// Its response node key.
pub const METHOD_KEY: &str = "alipay_fuzz_verify_response";
/// The signature bytes the stand-in accepts (base64 `c2lnbmVk`).
pub const SIGNATURE: &[u8] = b"signed";

/// Accepts `signature` == [`SIGNATURE`] over exactly `accepted`, nothing else.
pub struct StandIn {
    /// The originally signed bytes (in the body's charset).
    pub accepted: Vec<u8>,
}

impl Verifier for StandIn {
    fn verify(&self, _sign_type: SignType, message: &[u8], signature: &[u8]) -> bool {
        signature == SIGNATURE && message == self.accepted
    }
}

/// Accepts every signature: drives the code past the signature check on arbitrary bytes.
pub struct AcceptAll;

impl Verifier for AcceptAll {
    fn verify(&self, _: SignType, _: &[u8], _: &[u8]) -> bool {
        true
    }
}

fn signature_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(SIGNATURE)
}

// ---------------------------------------------------------------------------------
// Text generation
// ---------------------------------------------------------------------------------

const WORDS: &[&str] = &[
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
const CJK: &[char] = &[
    '中', '文', '测', '试', '张', '三', '€', 'é', 'ß', '，', '\u{feff}',
];
const ASTRAL: &[char] = &['😀', '𠀀', '\u{10ffff}', '𝄞'];

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

const NAMES: &[&str] = &[
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
const SNIPPETS: &[&[u8]] = &[
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
    fn bytes(&self) -> Vec<u8> {
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

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
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

fn replace_at(buf: &mut Vec<u8>, at: usize, len: usize, with: &[u8]) {
    buf.splice(at..at + len, with.iter().copied());
}

impl ByteMutation {
    /// Applies the mutation; `member` is a `"key":value` member that [`ByteMutation::Wrap`]
    /// may append (a second response node, a second `sign=`).
    fn apply(&self, buf: &mut Vec<u8>, extra: &[u8]) {
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

// ---------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------

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

fn charset_name(charset: Charset) -> &'static str {
    match charset {
        Charset::Gbk => "gbk",
        _ => "utf-8",
    }
}

fn parse_charset(name: &str) -> Charset {
    if name == "gbk" {
        Charset::Gbk
    } else {
        Charset::Utf8
    }
}

/// A body stored so that non-UTF-8 bytes survive JSON: text when it is UTF-8, else hex.
fn body_to_json(body: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(body) {
        Ok(s) => serde_json::json!({ "body": s }),
        Err(_) => serde_json::json!({ "body_hex": hex_encode(body) }),
    }
}

fn body_from_json(v: &serde_json::Value) -> Vec<u8> {
    if let Some(s) = v.get("body").and_then(|b| b.as_str()) {
        return s.as_bytes().to_vec();
    }
    let hex = v["body_hex"].as_str().expect("body or body_hex");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------
// Response verification
// ---------------------------------------------------------------------------------

/// A structural change to the node as sent (the signed node stays the original).
#[derive(Arbitrary, Debug, Clone)]
pub enum NodeMutation {
    /// Swap two fields.
    Swap(u8, u8),
    /// Remove a field.
    Drop(u8),
    /// Repeat a field's key with another value, right after it.
    Duplicate {
        /// Which field.
        at: u8,
        /// The second value.
        value: Text,
    },
    /// Add a field.
    Insert {
        /// Where.
        at: u8,
        /// Key.
        key: Text,
        /// Value.
        value: Text,
    },
    /// Change a value.
    SetValue {
        /// Which field.
        at: u8,
        /// The new value.
        value: Text,
    },
    /// Write `/` the other way (`\/` vs `/`) in the sent node.
    FlipSlashStyle,
    /// Write non-ASCII the other way (raw vs `\u`).
    FlipNonAsciiStyle,
}

/// A generated response case.
#[derive(Arbitrary, Debug, Clone)]
pub struct ResponseCase {
    /// `error_response` instead of `<method>_response`.
    pub error_node: bool,
    /// GBK instead of UTF-8.
    pub gbk: bool,
    /// Put `code`/`msg` first (a realistic node).
    pub with_status: bool,
    /// The node's fields (keys made unique).
    pub fields: Vec<(Text, Text)>,
    /// The node as sent escapes `/` as `\/`.
    pub escape_slash: bool,
    /// Alipay signed the node with plain `/` but sent `\/` (the Java fallback case).
    pub signed_with_plain_slash: bool,
    /// Non-ASCII as `\u` escapes.
    pub escape_non_ascii: bool,
    /// `sign` before the node.
    pub sign_first: bool,
    /// A top-level `alipay_cert_sn`.
    pub cert_sn: Option<Text>,
    /// Structural changes to the sent node.
    pub node_mutations: Vec<NodeMutation>,
    /// Changes to the body bytes.
    pub body_mutations: Vec<ByteMutation>,
}

/// A concrete response check: a body, and the exact node text the stand-in accepts.
#[derive(Debug, Clone)]
pub struct ResponseScenario {
    /// The body's charset (also the charset of `signed`'s bytes).
    pub charset: Charset,
    /// The body as received.
    pub body: Vec<u8>,
    /// The node text that was signed.
    pub signed: String,
}

impl ResponseScenario {
    /// As JSON, for `fuzz/regressions/response_verify/*.json`.
    pub fn to_json(&self) -> String {
        let mut v = body_to_json(&self.body);
        v["charset"] = charset_name(self.charset).into();
        v["signed"] = self.signed.clone().into();
        serde_json::to_string_pretty(&v).unwrap()
    }

    /// From [`ResponseScenario::to_json`]'s format.
    pub fn from_json(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).expect("scenario JSON");
        ResponseScenario {
            charset: parse_charset(v["charset"].as_str().unwrap_or("utf-8")),
            body: body_from_json(&v),
            signed: v["signed"].as_str().expect("signed").to_owned(),
        }
    }
}

fn unique_fields(fields: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in fields {
        if !out.iter().any(|(seen, _)| *seen == k) {
            out.push((k, v));
        }
    }
    out
}

impl ResponseCase {
    /// Builds the body and what was signed; `None` when the case cannot be sent (text
    /// that the charset cannot encode).
    pub fn scenario(&self) -> Option<(ResponseScenario, bool)> {
        let charset = if self.gbk {
            Charset::Gbk
        } else {
            Charset::Utf8
        };
        let mut fields = Vec::new();
        if self.with_status {
            fields.push(("code".to_owned(), "10000".to_owned()));
            fields.push(("msg".to_owned(), "Success".to_owned()));
        }
        fields.extend(
            self.fields
                .iter()
                .take(8)
                .map(|(k, v)| (k.render(), v.render())),
        );
        let fields = unique_fields(fields);
        let signed_style = Style {
            escape_slash: self.escape_slash && !self.signed_with_plain_slash,
            escape_non_ascii: self.escape_non_ascii,
        };
        let mut sent_style = Style {
            escape_slash: self.escape_slash || self.signed_with_plain_slash,
            escape_non_ascii: self.escape_non_ascii,
        };
        let signed = json_object(&fields, signed_style);

        let mut sent_fields = fields.clone();
        for m in self.node_mutations.iter().take(4) {
            let n = sent_fields.len();
            match m {
                NodeMutation::Swap(a, b) if n > 0 => {
                    sent_fields.swap(*a as usize % n, *b as usize % n)
                }
                NodeMutation::Drop(a) if n > 0 => {
                    sent_fields.remove(*a as usize % n);
                }
                NodeMutation::Duplicate { at, value } if n > 0 => {
                    let at = *at as usize % n;
                    let key = sent_fields[at].0.clone();
                    sent_fields.insert(at + 1, (key, value.render()));
                }
                NodeMutation::Insert { at, key, value } => {
                    sent_fields.insert(*at as usize % (n + 1), (key.render(), value.render()));
                }
                NodeMutation::SetValue { at, value } if n > 0 => {
                    sent_fields[*at as usize % n].1 = value.render();
                }
                NodeMutation::FlipSlashStyle => sent_style.escape_slash = !sent_style.escape_slash,
                NodeMutation::FlipNonAsciiStyle => {
                    sent_style.escape_non_ascii = !sent_style.escape_non_ascii
                }
                _ => {}
            }
        }
        let sent = json_object(&sent_fields, sent_style);

        let plain = Style {
            escape_slash: false,
            escape_non_ascii: false,
        };
        let node_key = if self.error_node {
            "error_response"
        } else {
            METHOD_KEY
        };
        let mut members = vec![
            (node_key.to_owned(), sent.clone()),
            ("sign".to_owned(), {
                let mut s = String::new();
                json_str(&signature_b64(), plain, &mut s);
                s
            }),
        ];
        if self.sign_first {
            members.swap(0, 1);
        }
        if let Some(sn) = &self.cert_sn {
            let mut s = String::new();
            json_str(&sn.render(), plain, &mut s);
            members.push(("alipay_cert_sn".to_owned(), s));
        }
        let mut body = String::from("{");
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            json_str(k, plain, &mut body);
            body.push(':');
            body.push_str(v);
        }
        body.push('}');

        let encoded = charset.encode(&body).ok()?.into_owned();
        charset.encode(&signed).ok()?;
        let mut extra = Vec::new();
        extra.extend_from_slice(b"\"");
        extra.extend_from_slice(node_key.as_bytes());
        extra.extend_from_slice(b"\":");
        extra.extend_from_slice(&charset.encode(&sent).ok()?);
        let mut bytes = encoded;
        for m in self.body_mutations.iter().take(6) {
            m.apply(&mut bytes, &extra);
        }
        // Unmutated, the body is what Alipay sends: the node as signed, or (fallback
        // case) with each `/` written `\/`.
        let untouched = self.node_mutations.is_empty() && self.body_mutations.is_empty();
        Some((
            ResponseScenario {
                charset,
                body: bytes,
                signed,
            },
            untouched,
        ))
    }
}

/// Checks one scenario: if the verifier says verified, the verified node must hold
/// exactly the signed node's fields (order and duplicates included) and status.
/// `must_verify`: the body is genuine and unmodified, so it must verify. Returns the
/// outcome when it verified.
pub fn check_response(s: &ResponseScenario, must_verify: bool) -> Option<Outcome> {
    let accepted = s.charset.encode(&s.signed).expect("encodable").into_owned();
    let verifier = StandIn { accepted };
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset: s.charset,
        verifier: &verifier,
    };
    let result = verify_response(&s.body, &opts);
    match &result {
        Ok(Checked::Verified(v)) => {
            let want: Members = serde_json::from_str(&s.signed).expect("the signed node parses");
            let got: Result<Members, _> = serde_json::from_str(v.raw());
            let got_fields = got.as_ref().ok();
            assert!(
                got_fields == Some(&want),
                "FINDING: verified ({}) but the handed-out node differs from the signed one\n\
                 signed fields: {want:?}\nhanded out raw: {:?}\nscenario: {}",
                v.outcome(),
                v.raw(),
                s.to_json()
            );
            let want_status: Option<GatewayStatus> = serde_json::from_str(&s.signed).ok();
            assert!(
                v.status() == want_status.as_ref(),
                "FINDING: verified but status() differs from the signed node's\nscenario: {}",
                s.to_json()
            );
            Some(v.outcome())
        }
        Ok(Checked::UnsignedError(u)) => {
            let _ = format!("{:?}", u.status);
            None
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                !must_verify,
                "genuine unmodified body rejected: {e}\nscenario: {}",
                s.to_json()
            );
            None
        }
    }
}

/// The `response_verify` fuzz target: the first byte picks the mode.
pub fn response_case(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 8 == 0 {
        response_raw(rest);
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(case) = ResponseCase::arbitrary(&mut u) else {
        return;
    };
    if let Some((scenario, untouched)) = case.scenario() {
        check_response(&scenario, untouched);
    }
}

/// Arbitrary bytes, with a verifier that accepts anything: never panics, and a
/// "verified" node is a span of the body.
pub fn response_raw(data: &[u8]) {
    for charset in [Charset::Utf8, Charset::Gbk] {
        for method in [METHOD, "a"] {
            let opts = VerifyOptions {
                method,
                sign_type: SignType::Rsa2,
                charset,
                verifier: &AcceptAll,
            };
            match verify_response(data, &opts) {
                Ok(Checked::Verified(v)) => {
                    let body = charset.decode(data).expect("a verified body decodes");
                    assert!(
                        body.contains(v.raw()),
                        "FINDING: the verified node is not a span of the body"
                    );
                }
                Ok(Checked::UnsignedError(_)) => {}
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Notification verification
// ---------------------------------------------------------------------------------

/// A change to the parameter list as sent.
#[derive(Arbitrary, Debug, Clone)]
pub enum PairMutation {
    /// Swap two parameters.
    Swap(u8, u8),
    /// Remove one.
    Drop(u8),
    /// Repeat one with another value, right after it.
    Duplicate {
        /// Which.
        at: u8,
        /// The second value.
        value: Text,
    },
    /// `name=` for an existing name, at the front.
    PrependEmpty(u8),
    /// Add a parameter.
    Insert {
        /// Where.
        at: u8,
        /// Name.
        name: Name,
        /// Value.
        value: Text,
    },
    /// Change a value.
    SetValue {
        /// Which.
        at: u8,
        /// The new value.
        value: Text,
    },
    /// Move parameter `from` into the value of `into` as `&name=value` (percent-encoded).
    MoveInto {
        /// The moved parameter.
        from: u8,
        /// The one whose value receives it.
        into: u8,
    },
    /// Rename a parameter.
    Rename {
        /// Which.
        at: u8,
        /// The new name.
        name: Name,
    },
    /// Send a parameter as `name` without `=`.
    NameOnly(u8),
    /// Make a value empty.
    Empty(u8),
}

/// A generated notification case.
#[derive(Arbitrary, Debug, Clone)]
pub struct NotifyCase {
    /// `charset=gbk`.
    pub gbk: bool,
    /// The genuine parameters (names made unique; `sign`, `sign_type`, `charset` skipped).
    pub params: Vec<(Name, Text)>,
    /// Send `sign_type=RSA2` (unsigned, as Alipay does).
    pub sign_type: bool,
    /// Send `charset` (always for GBK).
    pub charset: bool,
    /// Where `sign` goes.
    pub sign_at: u8,
    /// Space as `+` (else `%20`).
    pub space_as_plus: bool,
    /// Percent-encode every byte, even unreserved ones.
    pub encode_all: bool,
    /// Changes to the parameter list.
    pub pair_mutations: Vec<PairMutation>,
    /// Changes to the body bytes.
    pub body_mutations: Vec<ByteMutation>,
}

/// A concrete notification check: a body and the genuine parameters that were signed.
#[derive(Debug, Clone)]
pub struct NotifyScenario {
    /// The charset of the signed bytes.
    pub charset: Charset,
    /// The body as received.
    pub body: Vec<u8>,
    /// The genuine parameters (without `sign`), in any order.
    pub genuine: Vec<(String, String)>,
}

impl NotifyScenario {
    /// As JSON, for `fuzz/regressions/notify_verify/*.json`.
    pub fn to_json(&self) -> String {
        let mut v = body_to_json(&self.body);
        v["charset"] = charset_name(self.charset).into();
        v["genuine"] = self
            .genuine
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        serde_json::to_string_pretty(&v).unwrap()
    }

    /// From [`NotifyScenario::to_json`]'s format.
    pub fn from_json(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).expect("scenario JSON");
        NotifyScenario {
            charset: parse_charset(v["charset"].as_str().unwrap_or("utf-8")),
            body: body_from_json(&v),
            genuine: v["genuine"]
                .as_array()
                .expect("genuine")
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap().to_owned(),
                        p[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        }
    }

    /// The parameters the signature covers: non-empty, without `sign_type`.
    pub fn signed(&self) -> Vec<(String, String)> {
        self.genuine
            .iter()
            .filter(|(k, v)| !v.is_empty() && k != "sign" && k != "sign_type")
            .cloned()
            .collect()
    }

    /// The sign content, by the Java rule, written independently of the crate's code.
    pub fn sign_content(&self) -> String {
        let mut pairs = self.signed();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn form_encode(text: &str, charset: Charset, space_as_plus: bool, all: bool) -> Option<String> {
    let bytes = charset.encode(text).ok()?;
    let mut out = String::new();
    for &b in bytes.iter() {
        if !all && (b.is_ascii_alphanumeric() || b"-_.*".contains(&b)) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

impl NotifyCase {
    /// Builds the body and the genuine parameters; `None` when the case cannot be sent
    /// or is ambiguous by construction (see below).
    pub fn scenario(&self) -> Option<(NotifyScenario, bool)> {
        let charset = if self.gbk {
            Charset::Gbk
        } else {
            Charset::Utf8
        };
        let mut genuine: Vec<(String, String)> = Vec::new();
        for (name, value) in self.params.iter().take(10) {
            let name = name.render();
            if ["sign", "sign_type", "charset"].contains(&name.as_str())
                || genuine.iter().any(|(k, _)| *k == name)
            {
                continue;
            }
            genuine.push((name, value.render()));
        }
        // A genuine value holding both `&` and `=` (`x&k=v`) signs the same content as
        // the parameters `x` and `k=v`: no verifier can tell those apart, so such a
        // genuine set is not a fair test.
        if genuine
            .iter()
            .any(|(_, v)| v.contains('&') && v.contains('='))
        {
            return None;
        }
        if self.charset || self.gbk {
            genuine.push(("charset".to_owned(), charset_name(charset).to_owned()));
        }
        if self.sign_type {
            genuine.push(("sign_type".to_owned(), "RSA2".to_owned()));
        }
        let scenario_genuine = genuine.clone();
        let at = self.sign_at as usize % (genuine.len() + 1);
        genuine.insert(at, ("sign".to_owned(), signature_b64()));

        // (name, value) with `None` = sent without `=`.
        let mut sent: Vec<(String, Option<String>)> =
            genuine.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for m in self.pair_mutations.iter().take(4) {
            let n = sent.len();
            match m {
                PairMutation::Swap(a, b) if n > 0 => sent.swap(*a as usize % n, *b as usize % n),
                PairMutation::Drop(a) if n > 0 => {
                    sent.remove(*a as usize % n);
                }
                PairMutation::Duplicate { at, value } if n > 0 => {
                    let at = *at as usize % n;
                    let name = sent[at].0.clone();
                    sent.insert(at + 1, (name, Some(value.render())));
                }
                PairMutation::PrependEmpty(a) if n > 0 => {
                    let name = sent[*a as usize % n].0.clone();
                    sent.insert(0, (name, Some(String::new())));
                }
                PairMutation::Insert { at, name, value } => {
                    sent.insert(
                        *at as usize % (n + 1),
                        (name.render(), Some(value.render())),
                    );
                }
                PairMutation::SetValue { at, value } if n > 0 => {
                    sent[*at as usize % n].1 = Some(value.render());
                }
                PairMutation::MoveInto { from, into } if n > 1 => {
                    let (name, value) = sent.remove(*from as usize % n);
                    let into = *into as usize % (n - 1);
                    let target = sent[into].1.get_or_insert_with(String::new);
                    let _ = write!(target, "&{name}={}", value.unwrap_or_default());
                }
                PairMutation::Rename { at, name } if n > 0 => {
                    sent[*at as usize % n].0 = name.render();
                }
                PairMutation::NameOnly(a) if n > 0 => sent[*a as usize % n].1 = None,
                PairMutation::Empty(a) if n > 0 => sent[*a as usize % n].1 = Some(String::new()),
                _ => {}
            }
        }
        let mut body = String::new();
        for (i, (k, v)) in sent.iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            body.push_str(&form_encode(
                k,
                charset,
                self.space_as_plus,
                self.encode_all,
            )?);
            if let Some(v) = v {
                body.push('=');
                body.push_str(&form_encode(
                    v,
                    charset,
                    self.space_as_plus,
                    self.encode_all,
                )?);
            }
        }
        let scenario = NotifyScenario {
            charset,
            body: Vec::new(),
            genuine: scenario_genuine,
        };
        charset.encode(&scenario.sign_content()).ok()?;
        let mut bytes = body.into_bytes();
        let extra = format!("sign={}", signature_b64()).into_bytes();
        for m in self.body_mutations.iter().take(6) {
            m.apply(&mut bytes, &extra);
        }
        let untouched = self.pair_mutations.is_empty() && self.body_mutations.is_empty();
        Some((
            NotifyScenario {
                body: bytes,
                ..scenario
            },
            untouched,
        ))
    }
}

/// Checks one scenario: if the notification verifies, every parameter it presents is a
/// signed genuine parameter with its genuine value (or `sign_type` naming the app's
/// algorithm), and every signed genuine parameter is presented with its value. Returns
/// whether it verified.
pub fn check_notify(s: &NotifyScenario, must_verify: bool) -> bool {
    let content = s.sign_content();
    let accepted = s.charset.encode(&content).expect("encodable").into_owned();
    let verifier = StandIn { accepted };
    let result = verify_notification(&s.body, SignType::Rsa2, &verifier);
    let signed = s.signed();
    match &result {
        Ok(n) => {
            for (k, v) in n.params() {
                if k == "sign_type" {
                    assert!(
                        v == "RSA2",
                        "FINDING: verified with sign_type={v:?}\nscenario: {}",
                        s.to_json()
                    );
                    continue;
                }
                let genuine = signed.iter().find(|(g, _)| g == k).map(|(_, v)| v);
                assert!(
                    genuine == Some(v),
                    "FINDING: verified notification presents {k:?} = {v:?}, but the signed value is \
                     {genuine:?}\nscenario: {}",
                    s.to_json()
                );
            }
            for (k, v) in &signed {
                assert!(
                    n.get(k) == Some(v.as_str()),
                    "FINDING: verified notification gives get({k:?}) = {:?}, signed {v:?}\nscenario: {}",
                    n.get(k),
                    s.to_json()
                );
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                !must_verify,
                "genuine unmodified notification rejected: {e}\nscenario: {}",
                s.to_json()
            );
            false
        }
    }
}

/// The `notify_verify` fuzz target: the first byte picks the mode.
pub fn notify_case(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 8 == 0 {
        // Arbitrary bytes: never panics, whatever the verifier says.
        for verifier in [&AcceptAll as &dyn Verifier, &StandIn { accepted: vec![] }] {
            for sign_type in [SignType::Rsa2, SignType::Rsa] {
                if let Err(e) = verify_notification(rest, sign_type, verifier) {
                    let _ = e.to_string();
                }
            }
        }
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(case) = NotifyCase::arbitrary(&mut u) else {
        return;
    };
    if let Some((scenario, untouched)) = case.scenario() {
        check_notify(&scenario, untouched);
    }
}

// ---------------------------------------------------------------------------------
// Keys and certificates
// ---------------------------------------------------------------------------------

/// The longest run of input characters an error may repeat.
pub const MAX_QUOTED: usize = 40;

/// The input as an error might quote it: as is, without whitespace, and without
/// literal `\n` escapes, with a rolling hash of every window of [`MAX_QUOTED`] + 1 bytes.
///
/// Only hashes are compared: a `memcmp` of message text against input text is
/// intercepted by libFuzzer, which then splices the message text into new inputs; and
/// hashing every window once per input keeps the check cheap under instrumentation.
pub struct Quotable {
    haystacks: [Vec<u8>; 3],
    hashes: Vec<u64>,
}

const HASH_BASE: u64 = 0x100_0000_01b3;

fn rolling_hashes(bytes: &[u8], n: usize, out: &mut Vec<u64>) {
    if bytes.len() < n {
        return;
    }
    let top = (1..n).fold(1u64, |p, _| p.wrapping_mul(HASH_BASE));
    let mut h = bytes[..n].iter().fold(0u64, |h, &b| {
        h.wrapping_mul(HASH_BASE).wrapping_add(u64::from(b))
    });
    out.push(h);
    for i in n..bytes.len() {
        h = h
            .wrapping_sub(u64::from(bytes[i - n]).wrapping_mul(top))
            .wrapping_mul(HASH_BASE)
            .wrapping_add(u64::from(bytes[i]));
        out.push(h);
    }
}

impl Quotable {
    /// Prepares `input`.
    pub fn new(input: &[u8]) -> Self {
        let squeezed: Vec<u8> = input
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let unescaped: Vec<u8> = String::from_utf8_lossy(&squeezed)
            .replace("\\n", "")
            .replace("\\r", "")
            .into_bytes();
        let haystacks = [input.to_vec(), squeezed, unescaped];
        let mut hashes = Vec::new();
        for h in &haystacks {
            rolling_hashes(h, MAX_QUOTED + 1, &mut hashes);
        }
        hashes.sort_unstable();
        Quotable { haystacks, hashes }
    }

    /// A window of more than [`MAX_QUOTED`] characters of `message` found in the input.
    pub fn quoted_in(&self, message: &str) -> Option<String> {
        let n = MAX_QUOTED + 1;
        let chars: Vec<(usize, char)> = message.char_indices().collect();
        if chars.len() < n {
            return None;
        }
        let mut hashes = Vec::new();
        rolling_hashes(message.as_bytes(), n, &mut hashes);
        for start in 0..=chars.len() - n {
            let from = chars[start].0;
            let to = chars.get(start + n).map_or(message.len(), |c| c.0);
            let window = &message.as_bytes()[from..to];
            // A window with multi-byte characters is longer than `n` bytes: its first
            // `n` bytes are looked up, the whole window confirmed byte by byte.
            if from + n <= message.len()
                && self.hashes.binary_search(&hashes[from]).is_ok()
                && self
                    .haystacks
                    .iter()
                    .any(|h| h.windows(window.len()).any(|w| w.iter().eq(window.iter())))
            {
                return Some(String::from_utf8_lossy(window).into_owned());
            }
        }
        None
    }
}

/// Returns a window of more than [`MAX_QUOTED`] characters of `message` that occurs in
/// `input` (as is, without whitespace, or without literal `\n` escapes).
pub fn quoted_input(message: &str, input: &[u8]) -> Option<String> {
    Quotable::new(input).quoted_in(message)
}

fn assert_not_quoting(what: &str, message: &str, input: &Quotable, allowed: &[String]) {
    let mut message = message.to_owned();
    for a in allowed.iter().filter(|a| !a.is_empty()) {
        message = message.replace(a.as_str(), "<allowed>");
    }
    if let Some(window) = input.quoted_in(&message) {
        panic!(
            "FINDING: {what} quotes more than {MAX_QUOTED} characters of the input: {window:?} \
             ({} bytes of message)",
            message.len()
        );
    }
}

/// The `key_parse` fuzz target: never panics, and errors never quote the input.
pub fn key_case(data: &[u8]) {
    let input = Quotable::new(data);
    if let Err(e) = AppPrivateKey::parse(data) {
        assert_not_quoting("AppPrivateKey::parse error", &e.to_string(), &input, &[]);
        assert_not_quoting(
            "AppPrivateKey::parse error Debug",
            &format!("{e:?}"),
            &input,
            &[],
        );
    }
    match AlipayPublicKey::parse(data) {
        Err(e) => {
            assert_not_quoting("AlipayPublicKey::parse error", &e.to_string(), &input, &[]);
            assert_not_quoting(
                "AlipayPublicKey::parse error Debug",
                &format!("{e:?}"),
                &input,
                &[],
            );
        }
        Ok(k) => {
            let _ = (k.fingerprint(), k.bits(), k.check_sign_type(SignType::Rsa2));
        }
    }
}

/// The `cert_parse` fuzz target: never panics; SNs are 32 hex digits; errors never
/// quote the input beyond the certificate names they are about.
pub fn cert_case(data: &[u8]) {
    let input = Quotable::new(data);
    let mut allowed = Vec::new();
    match cert::parse_certificates(data) {
        Ok(certs) => {
            for c in &certs {
                let sn = c.sn();
                assert!(
                    sn.len() == 32 && sn.bytes().all(|b| b.is_ascii_hexdigit()),
                    "FINDING: cert SN {sn:?} is not 32 hex digits"
                );
                let _ = (
                    c.signature_algorithm_name(),
                    c.public_key_algorithm(),
                    c.not_before(),
                    c.not_after(),
                    c.is_ca(),
                    c.sn_input(),
                    format!("{c:?}"),
                );
                allowed.extend([
                    c.subject_dn().to_owned(),
                    c.issuer_dn().to_owned(),
                    c.serial_decimal().to_owned(),
                    sn,
                ]);
                if let Err(e) = c.rsa_public_key() {
                    assert_not_quoting("rsa_public_key error", &e.to_string(), &input, &allowed);
                }
            }
        }
        Err(e) => assert_not_quoting("parse_certificates error", &e.to_string(), &input, &[]),
    }
    match Certificate::parse(data) {
        Ok(c) => assert_eq!(c.sn(), cert::cert_sn(&c)),
        Err(e) => assert_not_quoting("Certificate::parse error", &e.to_string(), &input, &allowed),
    }
    match cert::root_cert_sn(data) {
        Ok(sn) => assert!(
            sn.split('_')
                .all(|p| p.len() == 32 && p.bytes().all(|b| b.is_ascii_hexdigit())),
            "FINDING: root cert SN {sn:?} is not `_`-joined MD5s"
        ),
        Err(e) => assert_not_quoting("root_cert_sn error", &e.to_string(), &input, &allowed),
    }
    if let Err(e) = AlipayCertificate::parse(data) {
        assert_not_quoting(
            "AlipayCertificate::parse error",
            &e.to_string(),
            &input,
            &allowed,
        );
    }
    if let Err(e) = AppCertificate::parse(data) {
        assert_not_quoting(
            "AppCertificate::parse error",
            &e.to_string(),
            &input,
            &allowed,
        );
    }
}
