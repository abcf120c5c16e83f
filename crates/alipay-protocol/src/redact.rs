//! Making text safe to show: text from unverified answers, and decode errors.
//!
//! An unsigned `error_response`, an HTTP error page or any other answer whose signature
//! did not verify may come from anyone on the path, so its text is hostile: it can carry
//! terminal escapes, line breaks that forge log lines, bidi overrides that reorder what
//! a reader sees, personal data, or megabytes of filler. [`sanitize_unverified`] turns
//! it into one short line that is safe to print. serde_json's messages quote the
//! offending value (`invalid type: string "…"`), which may be personal data;
//! [`describe_json_error`] says what was wrong without any value.

use serde_json::error::Category;

/// The most characters of one piece of unverified text that error messages show
/// (after [`sanitize_unverified`]); longer text is cut and ends in `…`.
pub const UNVERIFIED_TEXT_CAP: usize = 200;

/// The most characters of an unverified `code` or `sub_code` that messages and logs
/// show; real ones are far shorter (`isv.invalid-signature`).
pub const UNVERIFIED_CODE_CAP: usize = 64;

/// How many digits make a run look like an identity, phone or card number.
const MASKED_DIGIT_RUN: usize = 6;

/// Unverified text as one printable line of at most `cap` characters (plus a final `…`
/// when it was cut):
///
/// - control characters (C0 including CR/LF and ESC, DEL, C1), invisible format
///   characters (zero-width characters, the bidi controls U+202A–U+202E and
///   U+2066–U+2069, U+061C, U+200E/U+200F, soft hyphen, tag characters) and every kind
///   of whitespace become one space each run, so the text cannot start a new log line,
///   drive a terminal or reorder what is shown;
/// - every run of digits (ASCII or full-width) and `X`/`x` that holds 6 or more digits
///   is replaced by `*`s of the same length, because such runs are what identity card,
///   phone and bank card numbers look like;
/// - the result is cut after `cap` characters.
///
/// Reading stops soon after `cap` characters are kept, so long text costs little more
/// than short text.
pub fn sanitize_unverified(text: &str, cap: usize) -> String {
    // Reading stops a little past `cap` shown characters: enough to decide whether a
    // number that the cut falls into is long enough to be masked.
    let limit = cap.saturating_mul(2).saturating_add(MASKED_DIGIT_RUN * 4);
    let mut chars: Vec<char> = Vec::with_capacity(limit.min(text.len()));
    let mut input_cut = false;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || is_hidden(c) {
            pending_space = true;
            continue;
        }
        if chars.len() >= limit {
            input_cut = true;
            break;
        }
        if pending_space && !chars.is_empty() {
            chars.push(' ');
        }
        pending_space = false;
        chars.push(c);
    }
    let mut i = 0;
    while i < chars.len() {
        if !is_number_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        while i < chars.len() && is_number_char(chars[i]) {
            if chars[i] != 'X' && chars[i] != 'x' {
                digits += 1;
            }
            i += 1;
        }
        // A number that reaches the end of what was read may go on: mask it as well.
        let open_ended = input_cut && i == chars.len() && digits > 0;
        if digits >= MASKED_DIGIT_RUN || open_ended {
            chars[start..i].fill('*');
        }
    }
    let mut out: String = chars.iter().take(cap).collect();
    if chars.len() > cap || input_cut {
        out.push('…');
    }
    out
}

/// Characters that are invisible or change how the text around them is displayed.
/// Text shown whole but made inert: every control or invisible format character (the
/// set [`sanitize_unverified`] removes) is written as its `\u{…}` escape, so the text
/// cannot drive a terminal, start a new line or reorder what is shown, while a reader
/// still sees that the character was there. For verified or the user's own text.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// A character of a number as identity and card numbers are written.
fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || c == 'X' || c == 'x'
}

/// What is wrong with JSON text or a JSON value, without quoting any of it: the error
/// category, serde's description of what was expected (which comes from the types,
/// not the data) and the position. For example `invalid type: found a string,
/// expected a map at line 1 column 24`, where serde_json itself would say `invalid
/// type: string "张三 110101…", expected a map at line 1 column 24`.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) if e.line() != 0 => &full[..i],
        _ => full.as_str(),
    };
    let what = match e.classify() {
        // serde_json's syntax and end-of-input messages are fixed texts; refuse one
        // that quotes anything all the same.
        Category::Syntax | Category::Eof if !message.contains(['"', '`', '\'']) => {
            message.to_owned()
        }
        Category::Syntax => "invalid JSON syntax".to_owned(),
        Category::Eof => "unexpected end of input".to_owned(),
        Category::Io => "I/O error".to_owned(),
        Category::Data => describe_data_error(message),
    };
    if e.line() == 0 {
        what
    } else {
        format!("{what} at line {} column {}", e.line(), e.column())
    }
}

/// serde's data errors, with the offending value replaced by its kind.
fn describe_data_error(message: &str) -> String {
    // The expectation comes last and is written by the type being decoded; a hostile
    // value quoted earlier cannot move it.
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, e)| format!(", expected {e}"))
        .unwrap_or_default();
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("invalid type: found {}{expected}", value_kind(rest));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        return format!("invalid value: found {}{expected}", value_kind(rest));
    }
    if message.starts_with("invalid length ") {
        // `invalid length 3, expected …`: the length is a count, not data.
        return message.to_owned();
    }
    for (prefix, name) in [
        ("unknown variant ", "unknown variant"),
        ("unknown field ", "unknown field"),
    ] {
        // With nothing expected, the last `, expected ` could be inside the quoted
        // (hostile) name itself.
        if message.starts_with(prefix) && message.ends_with(", there are no fields") {
            return format!("{name}: the type takes no fields");
        }
        if message.starts_with(prefix) && message.ends_with(", there are no variants") {
            return format!("{name}: the type has no variants");
        }
        if message.starts_with(prefix) {
            return format!("{name}{expected}");
        }
    }
    // Field names come from the type being decoded.
    for keep in ["missing field `", "duplicate field `"] {
        if message.starts_with(keep) && message.matches('`').count() == 2 {
            return message.to_owned();
        }
    }
    // The generated types' own messages (`field `a.b`: expected a string, found a
    // number`) name a path and kinds only; anything quoted is not one of them.
    if let Some((path, rest)) = message
        .strip_prefix("field `")
        .and_then(|m| m.split_once("`: "))
    {
        let plain_path = !path.is_empty()
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'));
        let unquoted = !rest
            .replace("\"true\" or \"false\"", "")
            .contains(['"', '`', '\'']);
        if plain_path && unquoted {
            return sanitize_unverified(message, UNVERIFIED_TEXT_CAP);
        }
    }
    "the value does not have the expected shape".to_owned()
}

/// The kind of value serde's `Unexpected` describes, e.g. `a string` for `string "…"`.
fn value_kind(unexpected: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("string", "a string"),
        ("integer", "an integer"),
        ("floating point", "a number"),
        ("boolean", "a boolean"),
        ("char", "a character"),
        ("byte array", "bytes"),
        ("unit variant", "an enum variant"),
        ("newtype variant", "an enum variant"),
        ("tuple variant", "an enum variant"),
        ("struct variant", "an enum variant"),
        ("unit", "null"),
        ("null", "null"),
        ("Option value", "an optional value"),
        ("newtype struct", "a value"),
        ("sequence", "an array"),
        ("map", "an object"),
        ("enum", "an enum"),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| unexpected.starts_with(prefix))
        .map_or("a value", |(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "11010119900307851X";

    #[test]
    fn controls_bidi_and_line_breaks_become_spaces() {
        let shown = sanitize_unverified(
            "系统繁忙\r\n2025-01-01 INFO forged\x1b[31m red\u{202E}txt\u{2066}\u{0085}end\t",
            UNVERIFIED_TEXT_CAP,
        );
        assert_eq!(shown, "系统繁忙 2025-01-01 INFO forged [31m red txt end");
    }

    #[test]
    fn digit_runs_that_look_like_numbers_are_masked() {
        let shown = sanitize_unverified(&format!("证件号{ID}不合法, 40004, 2025-01-01"), 200);
        assert_eq!(shown, "证件号******************不合法, 40004, 2025-01-01");
        assert_eq!(
            sanitize_unverified("tel 13800138000", 200),
            "tel ***********"
        );
        assert_eq!(
            sanitize_unverified("１１０１０１１９９０", 200),
            "**********"
        );
        // Short numbers and words with an x stay.
        assert_eq!(sanitize_unverified("xx 12345 box", 200), "xx 12345 box");
    }

    #[test]
    fn long_text_is_cut_with_a_marker_and_bounded_work() {
        let long = "长".repeat(10_000);
        let shown = sanitize_unverified(&long, 200);
        assert_eq!(shown.chars().count(), 201);
        assert!(shown.ends_with('…'));
        assert_eq!(sanitize_unverified("short", 200), "short");
        assert_eq!(sanitize_unverified("abcdef", 3), "abc…");
        // A number cut by the cap is masked as a whole, not shown in part.
        assert_eq!(sanitize_unverified(&format!("ab{ID}"), 5), "ab***…");
        // An endless number is masked even where the read stops.
        let digits = "1".repeat(1_000_000);
        assert_eq!(sanitize_unverified(&digits, 4), "****…");
        assert_eq!(sanitize_unverified(" \n\t ", 10), "");
        // A run of letters x is not a number, cut or not.
        assert_eq!(sanitize_unverified(&"x".repeat(1000), 3), "xxx…");
    }

    #[test]
    fn json_errors_never_quote_values() {
        let cases: [(&str, &str); 3] = [
            (
                "\"张三 110101199003078515\"",
                "invalid type: found a string, expected a map at line 1 column 27",
            ),
            ("{\"a\":1", "EOF while parsing an object at line 1 column 6"),
            ("{\"a\":1,}", "trailing comma at line 1 column 8"),
        ];
        for (text, expected) in cases {
            let e = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
                .unwrap_err();
            assert_eq!(describe_json_error(&e), expected, "{text}");
        }

        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            n: u32,
            kind: Kind,
        }
        #[derive(serde::Deserialize, Debug)]
        enum Kind {
            A,
        }
        let describe =
            |text: &str| describe_json_error(&serde_json::from_str::<T>(text).unwrap_err());
        assert_eq!(
            describe(r#"{"n":"张三","kind":"A"}"#),
            "invalid type: found a string, expected u32 at line 1 column 13"
        );
        assert_eq!(
            describe(r#"{"n":1,"kind":"110101199003078515"}"#),
            "unknown variant, expected `A` at line 1 column 34"
        );
        assert_eq!(
            describe(r#"{"n":1,"kind":"A","张三":1}"#),
            "unknown field, expected `n` or `kind` at line 1 column 26"
        );
        assert_eq!(
            describe(r#"{"n":1}"#),
            "missing field `kind` at line 1 column 7"
        );
        assert_eq!(
            describe(r#"{"n":-5,"kind":"A"}"#),
            "invalid value: found an integer, expected u32 at line 1 column 7"
        );
        // Messages of the generated types are kept; custom ones that quote are not.
        let custom =
            |msg: &str| describe_json_error(&<serde_json::Error as serde::de::Error>::custom(msg));
        assert_eq!(
            custom("field `identity_param.cert_no`: expected a string, found a number"),
            "field `identity_param.cert_no`: expected a string, found a number"
        );
        assert_eq!(
            custom("field `passed`: expected \"true\" or \"false\", found a string"),
            "field `passed`: expected \"true\" or \"false\", found a string"
        );
        assert_eq!(
            custom("field `name`: `张三` is not allowed"),
            "the value does not have the expected shape"
        );
        assert_eq!(
            custom("bad value \"110101199003078515\""),
            "the value does not have the expected shape"
        );
        // A value that imitates serde's wording cannot move the expectation.
        let tricky = describe(r#"{"n":"x\", expected 110101199003078515","kind":"A"}"#);
        assert!(!tricky.contains("110101"), "{tricky}");
    }

    #[test]
    fn a_name_cannot_pose_as_the_expectation() {
        // serde writes `unknown field `K`, there are no fields`: the last `, expected `
        // would be inside the hostile name.
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Empty {}
        let e =
            serde_json::from_str::<Empty>(r#"{"x, expected 110101199003078515":1}"#).unwrap_err();
        let shown = describe_json_error(&e);
        assert!(!shown.contains("110101199003078515"), "{shown}");
        assert!(shown.contains("takes no fields"), "{shown}");
    }
}
