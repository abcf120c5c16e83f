//! Keys and certificates: errors must never quote the input.

use super::*;

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

pub const HASH_BASE: u64 = 0x100_0000_01b3;

pub fn rolling_hashes(bytes: &[u8], n: usize, out: &mut Vec<u64>) {
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

pub fn assert_not_quoting(what: &str, message: &str, input: &Quotable, allowed: &[String]) {
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
