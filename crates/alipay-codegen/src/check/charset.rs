//! Character-class patterns (`charset = "A-Za-z0-9_"`): parsing the spec's text into
//! ranges and single characters, and saying the rule in words for error messages.

use crate::ir::CharItem;

/// Parses a character class body: single characters and `a-z` ranges; `\` escapes the
/// next character (so `\-` is a literal hyphen).
pub(crate) fn parse_charset(text: &str) -> Result<Vec<CharItem>, String> {
    let mut chars = Vec::new();
    let mut it = text.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(escaped) => chars.push((escaped, true)),
                None => return Err("a trailing `\\` escapes nothing".into()),
            }
        } else {
            chars.push((c, false));
        }
    }
    if chars.is_empty() {
        return Err("the class is empty".into());
    }
    let mut items = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, _) = chars[i];
        if i + 2 < chars.len() && chars[i + 1] == ('-', false) {
            let (end, _) = chars[i + 2];
            if end < c {
                return Err(format!("the range `{c}-{end}` is reversed"));
            }
            items.push(CharItem::Range(c, end));
            i += 3;
        } else {
            items.push(CharItem::Single(c));
            i += 1;
        }
    }
    Ok(items)
}

/// The rule in words, for error messages: `only A-Z, a-z, 0-9 and '_'`.
pub(crate) fn describe_charset(items: &[CharItem]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            CharItem::Single(c) => format!("'{c}'"),
            CharItem::Range(a, b) => format!("{a}-{b}"),
        })
        .collect();
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    format!("only the characters {list} are allowed")
}
