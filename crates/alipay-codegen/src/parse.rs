//! TOML text -> [`SpecFile`], with TOML errors turned into positioned diagnostics.

use crate::diag::{Diagnostic, line_column};
use crate::spec::SpecFile;

/// Parses spec TOML. A syntax or shape error is reported at its line and column.
pub fn parse(source: &str) -> Result<SpecFile, Diagnostic> {
    toml::from_str::<SpecFile>(source).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((0, 0), |span| line_column(source, span.start));
        Diagnostic {
            line,
            column,
            message: format!("invalid spec TOML: {}", e.message().trim_end()),
        }
    })
}
