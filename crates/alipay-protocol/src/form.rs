//! Form decoding at the byte level: a GBK request percent-encodes GBK bytes, so values
//! must be percent-decoded to bytes first and only then decoded in the request charset.
//! (`form_urlencoded::parse` decodes as UTF-8 and would mangle GBK.) Each value is
//! decoded exactly once: `+` is a space and `%XX` a byte.

use crate::Charset;

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

/// Decodes the pairs in `charset`; `Err` holds the name of the first parameter that is
/// not valid in it.
pub fn decode_pairs(
    pairs: &[(Vec<u8>, Vec<u8>)],
    charset: Charset,
) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|(k, v)| {
            let key = charset
                .decode(k)
                .map_err(|_| String::from_utf8_lossy(k).into_owned())?;
            let value = charset.decode(v).map_err(|_| key.to_string())?;
            Ok((key.into_owned(), value.into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_values_decode_from_bytes() {
        let pairs = parse_bytes(b"subject=%D6%D0%CE%C4&a=b+c&empty=&flag");
        let decoded = decode_pairs(&pairs, Charset::Gbk).unwrap();
        assert_eq!(
            decoded,
            vec![
                ("subject".to_owned(), "中文".to_owned()),
                ("a".to_owned(), "b c".to_owned()),
                ("empty".to_owned(), String::new()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert!(decode_pairs(&parse_bytes(b"x=%FF"), Charset::Utf8).is_err());
    }
}
