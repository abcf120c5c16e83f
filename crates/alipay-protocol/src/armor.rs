//! The one decoder for key and certificate text as users paste it: PEM armour or bare
//! base64, wrapped in quotes, with a BOM, CRLF line ends or literal `\n` escapes (how
//! keys arrive through environment variables, JSON configs and CI secrets).
//!
//! Keys ([`crate::keys`]) and certificates ([`crate::cert`]) both read their input
//! through here, so both accept the same shapes, and neither can put input text into an
//! error: a PEM label is only ever shown after `PemError` has checked it is a short
//! run of label characters, and the base64 decoder never says which symbol it choked on.
//! Its one public entry point, [`decode_der`], gives other code (the sandbox) the same
//! reading without a second decoder.
//!
//! The PEM framing is read here rather than by the `pem` crate, which cannot keep three
//! things the tests hold us to: it decodes bodies with strict `=` padding (Alipay's key
//! tool and some consoles drop it), its label match runs across lines (a header missing
//! its closing `-----` would take the whole base64 body as its label; see
//! `tests/fuzz_regressions.rs`), and its `MismatchedTags` error carries both labels
//! unchecked, so an error could quote key material. The base64 itself is base64's own
//! engine, set to accept padding or its absence.

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The longest PEM label shown in an error. The longest real one,
/// `NEW CERTIFICATE REQUEST`, has 23 characters; anything longer is not a label but text
/// that ran into the header (a missing `-----` swallows the base64 body).
const MAX_LABEL_LEN: usize = 32;

/// The input with what copying leaves around a key removed: a UTF-8 BOM, surrounding
/// whitespace and quotes (`"…"`, `'…'`), and the escapes of JSON or shell strings
/// (`\n`, `\r\n`, `\r`, `\t`, `\/`, also double-escaped). A backslash never occurs in
/// PEM or base64, so the escapes can be undone wherever they appear.
pub(crate) fn normalise(text: &str) -> Cow<'_, str> {
    let trimmed = strip_wrapping(text);
    if !trimmed.contains('\\') {
        return Cow::Borrowed(trimmed);
    }
    let mut text = trimmed.to_owned();
    // `\\n` is `\n` escaped once more (a JSON string inside a JSON string).
    while text.contains("\\\\") {
        text = text.replace("\\\\", "\\");
    }
    let text = text
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\r", "\n")
        .replace("\\t", " ")
        .replace("\\/", "/");
    // Escapes can hide quotes and whitespace (`"\n-----BEGIN …"`).
    Cow::Owned(strip_wrapping(&text).to_owned())
}

fn strip_wrapping(text: &str) -> &str {
    let mut text = text;
    loop {
        let next = text
            .trim_start_matches('\u{feff}')
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        if next.len() == text.len() {
            return text;
        }
        text = next;
    }
}

/// Why PEM armour could not be read. `Display` quotes a label only when it is a
/// plausible label (see [`safe_label`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PemError {
    /// `-----BEGIN` is not followed by `<LABEL>-----` on the same line.
    MalformedHeader,
    /// The block has no `-----END <label>-----` line.
    MissingEnd {
        /// The checked label.
        label: String,
    },
}

impl std::fmt::Display for PemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemError::MalformedHeader => f.write_str(
                "the PEM header is malformed: it must be a line `-----BEGIN <LABEL>-----` \
                 (e.g. `-----BEGIN PRIVATE KEY-----`) with its five closing dashes",
            ),
            PemError::MissingEnd { label } => write!(f, "missing `-----END {label}-----` line"),
        }
    }
}

/// One PEM block.
pub(crate) struct PemBlock {
    /// The label, checked by [`safe_label`] (so it may appear in messages).
    pub(crate) label: String,
    /// The base64 body, with `Key: value` header lines removed.
    pub(crate) body: String,
    /// Whether a legacy `Proc-Type: 4,ENCRYPTED` header was present.
    pub(crate) encrypted: bool,
}

impl PemBlock {
    /// The decoded body; `None` when it is not base64.
    pub(crate) fn decode(&self) -> Option<Vec<u8>> {
        decode_base64(&self.body)
    }
}

/// Whether `text` (already [`normalise`]d) holds PEM armour at all.
pub(crate) fn has_pem(text: &str) -> bool {
    text.contains("-----BEGIN")
}

/// Reads the PEM block that starts at the first `-----BEGIN` of `text`; returns it and
/// the text after its END line, or `None` when there is no further block.
pub(crate) fn next_block(text: &str) -> Result<Option<(PemBlock, &str)>, PemError> {
    let Some(start) = text.find("-----BEGIN") else {
        return Ok(None);
    };
    let after = &text[start + "-----BEGIN".len()..];
    // The label ends at the header's closing dashes, which must be on the same line:
    // without them, the next `-----` is the END line's and everything up to it (the
    // whole base64 body) would pass for the label.
    let dashes = after.find("-----").ok_or(PemError::MalformedHeader)?;
    if after[..dashes].contains(['\n', '\r']) || !after.starts_with([' ', '\t']) {
        return Err(PemError::MalformedHeader);
    }
    let label = safe_label(&after[..dashes]).ok_or(PemError::MalformedHeader)?;
    let body_and_rest = &after[dashes + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_marker)
        .ok_or_else(|| PemError::MissingEnd {
            label: label.clone(),
        })?;
    let raw_body = &body_and_rest[..body_end];
    let rest = &body_and_rest[body_end + end_marker.len()..];
    let encrypted = raw_body.contains("Proc-Type") && raw_body.contains("ENCRYPTED");
    // `Key: value` header lines (RFC 1421) are not base64.
    let body = raw_body
        .lines()
        .filter(|l| !l.contains(':'))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Some((
        PemBlock {
            label,
            body,
            encrypted,
        },
        rest,
    )))
}

/// The label between `-----BEGIN ` and `-----`, if it looks like one: 1 to
/// [`MAX_LABEL_LEN`] characters of `A`–`Z`, digits and single spaces (RFC 7468 labels
/// in practice: `PRIVATE KEY`, `X509 CERTIFICATE`). Anything else is not shown.
pub(crate) fn safe_label(raw: &str) -> Option<String> {
    let label = raw.trim();
    let ok = !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        && !label.contains("  ");
    ok.then(|| label.to_owned())
}

/// Standard base64 that accepts the `=` padding or its absence.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64 with any whitespace and with or without `=` padding (Alipay's key tool and
/// some consoles drop it; a stray extra `=` is tolerated too). `None` when it is not
/// base64; the decoder's own message is dropped because it quotes the offending symbol.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let b64: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    LENIENT.decode(b64.trim_end_matches('=')).ok()
}

/// The DER bytes of key or certificate text in any shape the keys and certificates of
/// this crate accept: the first PEM block's body (any label), or bare base64, after
/// removing quotes, a BOM, CRLF line ends and literal `\n` escapes; raw DER (a leading
/// SEQUENCE tag) passes through unchanged.
///
/// `None` when there is no readable DER; it never says why, so it can never quote the
/// input. Use [`crate::AppPrivateKey::parse`] or [`crate::Certificate::parse`] for a
/// checked key or certificate with an explaining error; this is for DER handed to
/// another library (the sandbox signs certificates with RustCrypto from it).
///
/// ```
/// let pem = "\"-----BEGIN PRIVATE KEY-----\\nAQID\\n-----END PRIVATE KEY-----\\n\"";
/// assert_eq!(alipay_protocol::armor::decode_der(pem.as_bytes()), Some(vec![1, 2, 3]));
/// assert_eq!(alipay_protocol::armor::decode_der(b"AQI"), Some(vec![1, 2]));
/// assert_eq!(alipay_protocol::armor::decode_der(b"-----BEGIN KEY\nAQID"), None);
/// ```
pub fn decode_der(input: &[u8]) -> Option<Vec<u8>> {
    if input.first() == Some(&0x30) {
        return Some(input.to_vec());
    }
    let text = normalise(std::str::from_utf8(input).ok()?);
    let der = match next_block(&text).ok()? {
        Some((block, _)) => block.decode()?,
        None => decode_base64(&text)?,
    };
    (!der.is_empty()).then_some(der)
}

/// Base64 of DER (`MI…`: a SEQUENCE with a long-form length, which every RSA key and
/// certificate is) or of PEM (`LS0tLS`: `-----`).
const KEY_BASE64_PREFIXES: [&str; 2] = ["MI", "LS0tLS"];

/// The shortest base64 taken for key material: a 512-bit RSA public key is 128
/// characters, a path is rarely this long without a `.` or a separator.
const MIN_KEY_BASE64_LEN: usize = 64;

/// Whether `text` is key or certificate text rather than, say, a file path: PEM
/// armour, or at least 64 characters of base64 of DER or PEM, in any of the shapes
/// [`normalise`] accepts.
pub(crate) fn is_key_text(text: &str) -> bool {
    let text = normalise(text);
    if text.contains("-----BEGIN") || text.contains("-----END") {
        return true;
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= MIN_KEY_BASE64_LEN
        && compact.bytes().all(is_base64_byte)
        && KEY_BASE64_PREFIXES.iter().any(|p| compact.starts_with(p))
}

/// Whether `text` may hold key material, so that it must not be printed: anything
/// [`is_key_text`] accepts, PEM dashes, or a run of at least 64 base64 characters
/// (standard or URL-safe, whitespace ignored) that mixes upper and lower case as
/// base64 does (each at least a fifth; random base64 has two fifths of each, a path of
/// words has few capitals).
pub(crate) fn may_hold_key_material(text: &str) -> bool {
    if is_key_text(text) {
        return true;
    }
    let text = normalise(text);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("-----") {
        return true;
    }
    compact
        .split(|c: char| !(c.is_ascii() && (is_base64_byte(c as u8) || c == '-' || c == '_')))
        .any(|run| {
            let upper = run.bytes().filter(u8::is_ascii_uppercase).count();
            let lower = run.bytes().filter(u8::is_ascii_lowercase).count();
            run.len() >= MIN_KEY_BASE64_LEN && upper * 5 >= run.len() && lower * 5 >= run.len()
        })
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_undoes_what_copying_adds() {
        assert_eq!(normalise("  \"abc\"  "), "abc");
        assert_eq!(normalise("\u{feff}'abc'\n"), "abc");
        assert_eq!(normalise("\"a\\nb\\r\\nc\\rd\""), "a\nb\nc\nd");
        assert_eq!(normalise("a\\\\nb"), "a\nb");
        assert_eq!(normalise("a\\/b"), "a/b");
        assert_eq!(normalise("\"\\n-----BEGIN X\\n\""), "-----BEGIN X");
    }

    #[test]
    fn labels_are_checked_before_they_are_shown() {
        assert_eq!(safe_label(" PRIVATE KEY").as_deref(), Some("PRIVATE KEY"));
        assert_eq!(
            safe_label("X509 CERTIFICATE").as_deref(),
            Some("X509 CERTIFICATE")
        );
        for bad in ["", " ", "private key", "KEY\nMIIE", "A  B", &"A".repeat(41)] {
            assert_eq!(safe_label(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_header_without_closing_dashes_is_malformed() {
        for text in [
            "-----BEGIN PRIVATE KEY\nMIIEvQ\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY MIIEvQ -----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY",
            "-----BEGINPRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
        ] {
            assert_eq!(next_block(text).err(), Some(PemError::MalformedHeader));
        }
        let (block, rest) = next_block("x -----BEGIN A B-----QUJD\n-----END A B----- y")
            .unwrap()
            .unwrap();
        assert_eq!((block.label.as_str(), block.body.as_str()), ("A B", "QUJD"));
        assert_eq!(rest, " y");
    }

    #[test]
    fn key_text_is_told_from_paths() {
        let b64 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx1WJ5cYr3FpRbD0xcq7k";
        assert!(is_key_text(b64));
        assert!(is_key_text(&format!("'{}'", b64)));
        assert!(is_key_text(&format!("{}\\n{}", &b64[..32], &b64[32..])));
        assert!(is_key_text("-----BEGIN PRIVATE KEY\nMIIE"));
        for path in [
            "/etc/alipay/app_private_key.pem",
            "/srv/alipay/keys/production/2021000000000001/app_private_key_rsa2",
            "/Users/JohnSmith/Library/ApplicationSupport/AlipayKeys/AppPrivateKey",
            "C:\\Users\\me\\keys\\app.pem",
        ] {
            assert!(!is_key_text(path), "{path}");
            assert!(!may_hold_key_material(path), "{path}");
        }
        // Not a usable key, but not to be printed either.
        assert!(may_hold_key_material(&b64.replace('M', "-")));
        assert!(may_hold_key_material(&format!("APP_KEY={b64}")));
    }

    #[test]
    fn base64_padding_is_optional_and_other_errors_are_not() {
        assert_eq!(decode_base64("QUJD").as_deref(), Some(&b"ABC"[..]));
        assert_eq!(decode_base64("QUI=").as_deref(), Some(&b"AB"[..]));
        assert_eq!(decode_base64("QUI").as_deref(), Some(&b"AB"[..]));
        assert_eq!(decode_base64("QQ").as_deref(), Some(&b"A"[..]));
        assert_eq!(decode_base64("QQ===").as_deref(), Some(&b"A"[..]));
        assert_eq!(decode_base64(" Q U\r\nI ").as_deref(), Some(&b"AB"[..]));
        for bad in ["Q", "QUJD!", "QU=I", "QR"] {
            assert_eq!(decode_base64(bad), None, "{bad}");
        }
    }

    #[test]
    fn decode_der_takes_the_first_block_or_bare_base64() {
        let two =
            "-----BEGIN A-----\nAQ==\n-----END A-----\r\n-----BEGIN B-----\nAg\n-----END B-----";
        assert_eq!(decode_der(two.as_bytes()), Some(vec![1]));
        assert_eq!(decode_der(b"\xef\xbb\xbf'AQID'"), Some(vec![1, 2, 3]));
        assert_eq!(decode_der(&[0x30, 0x00]), Some(vec![0x30, 0x00]));
        for bad in [
            &b""[..],
            b"  ",
            b"not base64!",
            b"\xff\xfe",
            b"-----BEGIN A-----\nAQ==",
        ] {
            assert_eq!(decode_der(bad), None, "{bad:?}");
        }
    }
}
