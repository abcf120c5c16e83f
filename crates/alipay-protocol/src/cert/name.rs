//! What a certificate SN is computed from, read straight from the certificate's DER:
//! the issuer name rendered as Java's `X500Principal.getName()` prints it, and the
//! serial number in decimal as Java's `BigInteger.toString()` prints it.
//!
//! The raw parts are sliced from the original bytes with `der`'s readers (never a
//! re-encoding), so what is hashed or verified is exactly what was received.

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode as _, Reader as _, SliceReader, Tag, Tagged as _};

/// The raw parts of a certificate the SN and signature checks need, sliced from the
/// original DER so a re-encoding can never change what is hashed or verified.
pub(super) struct RawTbs<'a> {
    pub(super) tbs: &'a [u8],
    pub(super) serial: &'a [u8],
    pub(super) issuer: &'a [u8],
    pub(super) subject: &'a [u8],
}

impl<'a> RawTbs<'a> {
    pub(super) fn split(der: &'a [u8]) -> Option<Self> {
        let mut input = SliceReader::new(der).ok()?;
        let mut cert = reader(element(&mut input, Tag::Sequence)?.content)?;
        let tbs = element(&mut cert, Tag::Sequence)?;
        let mut fields = reader(tbs.content)?;
        // `[0] EXPLICIT Version` is absent in v1 certificates.
        let mut serial = any_element(&mut fields)?;
        if matches!(serial.tag, Tag::ContextSpecific { .. }) {
            serial = any_element(&mut fields)?;
        }
        if serial.tag != Tag::Integer {
            return None;
        }
        let _signature = element(&mut fields, Tag::Sequence)?;
        let issuer = element(&mut fields, Tag::Sequence)?;
        let _validity = element(&mut fields, Tag::Sequence)?;
        let subject = element(&mut fields, Tag::Sequence)?;
        Some(RawTbs {
            tbs: tbs.whole,
            serial: serial.content,
            issuer: issuer.whole,
            subject: subject.whole,
        })
    }
}

/// Concatenated DER certificates (a `.der` bundle) split at element boundaries.
pub(super) fn split_der(input: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut input = SliceReader::new(input).ok()?;
    let mut out = Vec::new();
    while !input.is_finished() {
        out.push(element(&mut input, Tag::Sequence)?.whole.to_vec());
    }
    Some(out)
}

/// One DER element: its tag, its whole encoding (tag, length, content) and its content.
struct Element<'a> {
    tag: Tag,
    whole: &'a [u8],
    content: &'a [u8],
}

/// A reader over an element's content.
fn reader(content: &[u8]) -> Option<SliceReader<'_>> {
    SliceReader::new(content).ok()
}

/// Reads the next element of any tag; `None` on a truncated or non-DER encoding.
fn any_element<'a>(input: &mut SliceReader<'a>) -> Option<Element<'a>> {
    let whole = input.tlv_bytes().ok()?;
    let any = AnyRef::from_der(whole).ok()?;
    Some(Element {
        tag: any.tag(),
        whole,
        content: any.value(),
    })
}

/// Reads the next element, which must have tag `tag`.
fn element<'a>(input: &mut SliceReader<'a>, tag: Tag) -> Option<Element<'a>> {
    any_element(input).filter(|e| e.tag == tag)
}

/// The longest distinguished name shown in full in error text.
const MAX_SHOWN_DN_CHARS: usize = 200;

/// A certificate name as it may appear in error text. Names come from the input (a
/// rotation certificate may be anyone's), so control and bidi characters are shown
/// escaped and a long name is cut, marked with `…` and its full length.
pub(crate) fn shown_dn(dn: &str) -> String {
    match dn.char_indices().nth(MAX_SHOWN_DN_CHARS) {
        None => crate::redact::escape_controls(dn),
        Some((cut, _)) => format!(
            "{}… ({} characters)",
            crate::redact::escape_controls(&dn[..cut]),
            dn.chars().count()
        ),
    }
}

/// Renders a DER `Name` exactly as Java's `X500Principal.getName()` (RFC 2253 form of
/// `sun.security.x509.X500Name.getRFC2253Name()`), since the SN hashes that text.
pub(super) fn java_rfc2253(name_der: &[u8]) -> Option<String> {
    let mut name = SliceReader::new(name_der).ok()?;
    let mut rdns = reader(element(&mut name, Tag::Sequence)?.content)?;
    let mut shown = Vec::new();
    while !rdns.is_finished() {
        let mut avas = reader(element(&mut rdns, Tag::Set)?.content)?;
        let mut rdn = Vec::new();
        while !avas.is_finished() {
            rdn.push(java_ava(element(&mut avas, Tag::Sequence)?.content)?);
        }
        // Multi-valued RDNs keep their encoded order, as Java's non-canonical form does.
        shown.push(rdn.join("+"));
    }
    // RFC 2253 prints the most specific RDN (the last encoded) first.
    shown.reverse();
    Some(shown.join(","))
}

/// One `AttributeTypeAndValue`, as `sun.security.x509.AVA.toRFC2253String()`.
fn java_ava(ava: &[u8]) -> Option<String> {
    let mut ava = reader(ava)?;
    let oid = element(&mut ava, Tag::ObjectIdentifier)?;
    let value = any_element(&mut ava)?;
    let oid = ObjectIdentifier::from_bytes(oid.content).ok()?.to_string();
    // Java's RFC 2253 keyword table: only these types get a name; every other type
    // (emailAddress, serialNumber, ...) is printed as its dotted OID.
    let keyword = match oid.as_str() {
        "2.5.4.3" => Some("CN"),
        "2.5.4.6" => Some("C"),
        "2.5.4.7" => Some("L"),
        "2.5.4.8" => Some("ST"),
        "2.5.4.10" => Some("O"),
        "2.5.4.11" => Some("OU"),
        "2.5.4.9" => Some("STREET"),
        "0.9.2342.19200300.100.1.25" => Some("DC"),
        "0.9.2342.19200300.100.1.1" => Some("UID"),
        _ => None,
    };
    // Java prints the value as text only for these string types.
    let is_string = matches!(
        value.tag,
        Tag::PrintableString
            | Tag::TeletexString
            | Tag::Ia5String
            | Tag::GeneralString
            | Tag::BmpString
            | Tag::Utf8String
    );
    match keyword {
        Some(keyword) if is_string => {
            // Java decodes the content bytes as UTF-8 whatever the string type
            // (`new String(value.getDataBytes(), UTF_8)`), replacing invalid sequences.
            let text = String::from_utf8_lossy(value.content);
            Some(format!("{keyword}={}", java_escape(&text)))
        }
        _ => {
            let hex: String = value.whole.iter().map(|b| format!("{b:02x}")).collect();
            Some(format!("{}=#{hex}", keyword.unwrap_or(&oid)))
        }
    }
}

/// Java's RFC 2253 value escaping: a backslash before each of `,=+<>#;"\` anywhere
/// (Java also escapes `=` and a non-leading `#`, beyond the RFC's minimum), NUL as
/// `\00`, and a backslash before every leading or trailing space or CR.
pub(super) fn java_escape(value: &str) -> String {
    const ESCAPEES: &str = ",=+<>#;\"\\";
    let mut chars: Vec<char> = Vec::with_capacity(value.len());
    for c in value.chars() {
        if ESCAPEES.contains(c) {
            chars.push('\\');
            chars.push(c);
        } else if c == '\0' {
            chars.extend(['\\', '0', '0']);
        } else {
            chars.push(c);
        }
    }
    let is_space = |c: &char| *c == ' ' || *c == '\r';
    let lead = chars
        .iter()
        .position(|c| !is_space(c))
        .unwrap_or(chars.len());
    let trail = chars.iter().rposition(|c| !is_space(c));
    let mut out = String::with_capacity(chars.len() + 2);
    for (i, c) in chars.into_iter().enumerate() {
        if i < lead || trail.is_none_or(|t| i > t) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A DER INTEGER's content (big-endian two's complement) in decimal, as Java's
/// `BigInteger.toString()`. Repeated division by ten over the bytes: serials are at most
/// ~20 bytes, so no bignum dependency is needed.
pub(super) fn integer_to_decimal(content: &[u8]) -> Option<String> {
    let first = *content.first()?;
    let negative = first & 0x80 != 0;
    let mut magnitude = content.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    while magnitude.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in magnitude.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            // cur < 10 * 256, so the quotient fits a byte.
            *b = u8::try_from(cur / 10).unwrap_or(u8::MAX);
            rem = cur % 10;
        }
        digits.push(char::from(b'0' + u8::try_from(rem).unwrap_or(0)));
    }
    if digits.is_empty() {
        return Some("0".into());
    }
    if negative {
        digits.push('-');
    }
    Some(digits.into_iter().rev().collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_in_errors_are_escaped_and_capped() {
        let hostile = "CN=a\u{1b}[2J\r\nforged: ok\u{202e}x";
        let shown = shown_dn(hostile);
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown}"
        );
        assert!(
            shown.contains("\\u{1b}") && shown.contains("\\u{202e}"),
            "{shown}"
        );
        let long = format!("CN={}", "x".repeat(5000));
        let shown = shown_dn(&long);
        assert!(
            shown.chars().count() < MAX_SHOWN_DN_CHARS + 40,
            "{}",
            shown.len()
        );
        assert!(shown.ends_with("… (5003 characters)"), "{shown}");
        assert_eq!(
            shown_dn("CN=Ant Financial Certification Authority Class 2 R1"),
            "CN=Ant Financial Certification Authority Class 2 R1"
        );
    }

    use super::*;
    use crate::cert::Certificate;

    #[test]
    fn decimal_of_integers() {
        assert_eq!(integer_to_decimal(&[0x00]).unwrap(), "0");
        assert_eq!(integer_to_decimal(&[0x05]).unwrap(), "5");
        assert_eq!(integer_to_decimal(&[0x00, 0xff, 0x01]).unwrap(), "65281");
        assert_eq!(integer_to_decimal(&[0xff]).unwrap(), "-1");
        assert_eq!(integer_to_decimal(&[0x80]).unwrap(), "-128");
        assert_eq!(integer_to_decimal(&[0xff, 0x00]).unwrap(), "-256");
        assert_eq!(
            integer_to_decimal(&[0x78, 0x68, 0x04, 0x12]).unwrap(),
            "2020082706"
        );
        assert!(integer_to_decimal(&[]).is_none());
    }

    #[test]
    fn java_escaping() {
        assert_eq!(java_escape("Test, Inc."), "Test\\, Inc.");
        assert_eq!(
            java_escape("Exotic \"Quoted\" CA"),
            "Exotic \\\"Quoted\\\" CA"
        );
        assert_eq!(
            java_escape("a=b#c+d<e>f;g\\h"),
            "a\\=b\\#c\\+d\\<e\\>f\\;g\\\\h"
        );
        assert_eq!(java_escape(" lead"), "\\ lead");
        assert_eq!(java_escape("trail  "), "trail\\ \\ ");
        assert_eq!(java_escape("   "), "\\ \\ \\ ");
        assert_eq!(java_escape("nul\0"), "nul\\00");
        assert_eq!(java_escape("测试部门"), "测试部门");
    }

    #[test]
    fn truncated_der_is_rejected_without_panicking() {
        for input in [
            &[0x30][..],
            &[0x30, 0x82, 0x01],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x03, 0x02],
        ] {
            assert!(split_der(input).is_none());
            assert!(Certificate::from_der(input).is_err());
        }
    }
}
