//! Problems found in a spec, each with a position.

use std::fmt;

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line, 0 when the problem has no position (e.g. the file cannot be read).
    pub line: usize,
    /// 1-based column in characters, 0 when unknown.
    pub column: usize,
    /// What is wrong, naming the field and the rule.
    pub message: String,
}

/// Every problem found in one spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file as the user named it (or `<inline>`).
    pub file: String,
    /// The problems in source order of discovery.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Each problem as `file:line:column: message`, one per line.
    pub fn lines(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|d| {
                if d.line == 0 {
                    format!("{}: {}", self.file, d.message)
                } else {
                    format!("{}:{}:{}: {}", self.file, d.line, d.column, d.message)
                }
            })
            .collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

impl std::error::Error for Diagnostics {}

/// Accumulates problems so that one run reports all of them (serde's `Ctxt`).
pub(crate) struct Ctxt<'a> {
    source: &'a str,
    items: Vec<Diagnostic>,
}

impl<'a> Ctxt<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        Ctxt {
            source,
            items: Vec::new(),
        }
    }

    pub(crate) fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_column(self.source, offset);
        self.items.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
    }

    /// The problems in source order.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| (d.line, d.column));
        self.items
    }
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
