//! Form encoding and decoding at the byte level: a GBK request percent-encodes GBK
//! bytes, so values must be percent-decoded to bytes first and only then decoded in the
//! request charset. (`form_urlencoded::parse` decodes as UTF-8 and would mangle GBK.)
//! Each value is decoded exactly once: `+` is a space and `%XX` a byte.

use crate::Charset;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Whether `application/x-www-form-urlencoded` leaves `b` as it is: ASCII letters,
/// digits and `*-._` (the WHATWG set `form_urlencoded::byte_serialize` uses).
/// Branch-free, so a chunk's check vectorises; `b | 0x20` folds both letter ranges
/// into one test.
#[inline(always)]
fn keep(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'*')
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
}

/// The bytes a chunk of [`encoded_len`] counts at once: a per-chunk count fits a `u8`,
/// so the compiler sums 16 bytes per vector instruction (a `usize` sum per byte ran at
/// a tenth of the speed).
const COUNT_CHUNK: usize = 128;

/// The length of `input` form-encoded: every byte not kept grows from 1 to 3 (a space
/// stays 1, as `+`).
pub fn encoded_len(input: &[u8]) -> usize {
    let grown = |c: &[u8]| {
        c.iter()
            .fold(0u8, |n, &b| n + u8::from(!keep(b) & (b != b' ')))
    };
    let mut chunks = input.chunks_exact(COUNT_CHUNK);
    let n: usize = chunks.by_ref().map(|c| usize::from(grown(c))).sum();
    input.len() + 2 * (n + usize::from(grown(chunks.remainder())))
}

/// Bit `i` set when `chunk[i]` must be escaped. The per-byte flags vectorise; each
/// group of eight 0/1 bytes is packed into 8 bits by one multiplication (the flags
/// land, in order, in the top byte), which safe code gets without a movemask.
#[inline(always)]
fn escape_mask(chunk: &[u8; 32]) -> u32 {
    let mut flags = [0u8; 32];
    for (f, &b) in flags.iter_mut().zip(chunk) {
        *f = u8::from(!keep(b));
    }
    let mut mask = 0u32;
    for (j, group) in flags.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(group);
        let bits = u64::from_le_bytes(word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= (bits as u32) << (8 * j);
    }
    mask
}

/// Writes the escape of `b` (`+` or `%XX`) at `out[pos..]`, returning the new position.
#[inline(always)]
fn put_escape(out: &mut [u8], pos: usize, b: u8) -> usize {
    if b == b' ' {
        out[pos] = b'+';
        pos + 1
    } else {
        out[pos..pos + 3].copy_from_slice(&[
            b'%',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 15)],
        ]);
        pos + 3
    }
}

/// Appends `input` form-encoded to `out`, which then holds ASCII after what it held:
/// the bytes `form_urlencoded::byte_serialize` writes (a property test holds them
/// identical). A certify body carries a 200 KB photo through here, so bytes are
/// classified 32 at a time into a bit mask, and every copy is a fixed 32 bytes: the run
/// before an escape is copied with the bytes after it, which the escape and the next
/// copy overwrite (the buffer is sized exactly, plus 32 bytes of room for the overshoot,
/// cut off at the end).
pub fn encode_bytes_into(out: &mut Vec<u8>, input: &[u8]) {
    encode_counted(out, input, encoded_len(input));
}

/// The room [`encode_counted`] needs in `out` beyond the encoded length, for a buffer
/// sized in advance not to grow (and copy) on its last value.
pub(crate) const ROOM: usize = 32;

/// [`encode_bytes_into`] of an `input` whose [`encoded_len`] is known.
pub(crate) fn encode_counted(out: &mut Vec<u8>, input: &[u8], encoded_len: usize) {
    let mut pos = out.len();
    out.resize(pos + encoded_len + ROOM, 0);
    let mut base = 0;
    // A fixed-size copy from `base + start` needs 32 readable bytes; `start < 32`.
    while base + 2 * ROOM <= input.len() {
        let mut chunk = [0u8; ROOM];
        chunk.copy_from_slice(&input[base..base + ROOM]);
        let mut mask = escape_mask(&chunk);
        let mut start = 0;
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            out[pos..pos + ROOM].copy_from_slice(&input[base + start..base + start + ROOM]);
            pos = put_escape(out, pos + (i - start), chunk[i]);
            start = i + 1;
            mask &= mask - 1;
        }
        out[pos..pos + ROOM].copy_from_slice(&input[base + start..base + start + ROOM]);
        pos += ROOM - start;
        base += ROOM;
    }
    for &b in &input[base..] {
        if keep(b) {
            out[pos] = b;
            pos += 1;
        } else {
            pos = put_escape(out, pos, b);
        }
    }
    out.truncate(pos);
}

/// [`encode_bytes_into`] appending to a `String`.
pub fn encode_into(out: &mut String, input: &[u8]) {
    let mut buf = std::mem::take(out).into_bytes();
    encode_bytes_into(&mut buf, input);
    // Only ASCII was appended to what was already a String.
    *out = String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// Raw `(name, value)` byte pairs of a query string or form body, in order.
pub fn parse_bytes(input: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &[][..]),
            };
            (decode_component(name), decode_component(value))
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> Vec<u8> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space).collect()
}

/// A form decoded in the charset named by its own `charset` parameter.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedForm {
    /// The form's `charset` (UTF-8 when absent or empty).
    pub charset: Charset,
    /// Every `(name, value)` in order, duplicates kept: what a duplicate means is the
    /// caller's rule (notifications refuse it, the sandbox gateway takes the first).
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for DecodedForm {
    /// Names only: values can be personal data or tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("DecodedForm")
            .field("charset", &self.charset)
            .field("params", &names)
            .finish()
    }
}

/// Why a form could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// The `charset` parameter names a charset other than `utf-8` or `gbk`.
    #[error("the form's `charset` is not supported: expected `utf-8` or `gbk`")]
    UnknownCharset,
    /// A name or value is not valid text in the form's charset.
    #[error("a parameter is not valid text in {charset}")]
    Undecodable {
        /// The form's charset.
        charset: Charset,
        /// The parameter's name (decoded, or lossily as UTF-8 when the name itself is
        /// not valid). Unverified input: not part of `Display`; check it before showing.
        param: String,
    },
}

/// Decodes the pairs of [`parse_bytes`] in the charset their first non-empty `charset`
/// parameter names (UTF-8 without one), as notifications and the gateway do.
pub fn decode(pairs: &[(Vec<u8>, Vec<u8>)]) -> Result<DecodedForm, FormError> {
    let charset = match pairs
        .iter()
        .find(|(k, _)| k == b"charset")
        .map(|(_, v)| String::from_utf8_lossy(v))
        .filter(|v| !v.is_empty())
    {
        None => Charset::Utf8,
        Some(c) => c.parse().map_err(|_| FormError::UnknownCharset)?,
    };
    let params = pairs
        .iter()
        .map(|(k, v)| {
            let undecodable = |param: String| FormError::Undecodable { charset, param };
            let key = charset
                .decode(k)
                .map_err(|_| undecodable(String::from_utf8_lossy(k).into_owned()))?;
            let value = charset
                .decode(v)
                .map_err(|_| undecodable(key.to_string()))?;
            Ok((key.into_owned(), value.into_owned()))
        })
        .collect::<Result<_, _>>()?;
    Ok(DecodedForm { charset, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_values_decode_from_bytes() {
        let form = decode(&parse_bytes(
            b"subject=%D6%D0%CE%C4&a=b+c&empty=&flag&charset=GBK&charset=utf-8",
        ))
        .unwrap();
        assert_eq!(form.charset, Charset::Gbk);
        let params: Vec<(&str, &str)> = form
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            params,
            [
                ("subject", "中文"),
                ("a", "b c"),
                ("empty", ""),
                ("flag", ""),
                ("charset", "GBK"),
                ("charset", "utf-8"),
            ]
        );
        assert!(!format!("{form:?}").contains("中文"));
    }

    #[test]
    fn charset_and_decoding_failures_are_told_apart() {
        assert_eq!(decode(&parse_bytes(b"x=1")).unwrap().charset, Charset::Utf8);
        assert_eq!(
            decode(&parse_bytes(b"charset=&x=%FF")),
            Err(FormError::Undecodable {
                charset: Charset::Utf8,
                param: "x".into()
            })
        );
        assert_eq!(
            decode(&parse_bytes(b"charset=latin1&x=1")),
            Err(FormError::UnknownCharset)
        );
        let err = decode(&parse_bytes(b"%D6%D0=%FF%FF&charset=gbk")).unwrap_err();
        assert_eq!(
            err,
            FormError::Undecodable {
                charset: Charset::Gbk,
                param: "中".into()
            }
        );
        assert!(!err.to_string().contains('中'));
    }
}
