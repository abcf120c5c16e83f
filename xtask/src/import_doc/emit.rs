//! Writing the spec TOML. Values go through the `toml` crate so any page text comes out
//! correctly escaped; keys are fixed names. Review notes become `# REVIEW: ` comments on
//! the line before the key they concern.

use std::fmt::Write as _;

use toml::Value;

use super::{CallStyle, Carried, Field, Page, Review};

/// Page text made safe for a one-line TOML comment or an error message: control
/// characters (newlines included) are shown escaped instead of ending the line.
pub(crate) fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

struct Out {
    text: String,
}

impl Out {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// `key = value`, preceded by the review notes about `key`.
    fn key(&mut self, reviews: &[Review], key: &str, value: impl Into<Value>) {
        for r in reviews.iter().filter(|r| r.key == key) {
            let _ = writeln!(self.text, "# REVIEW: {}", comment_safe(&r.note));
        }
        let _ = writeln!(self.text, "{key} = {}", value.into());
    }

    fn field(&mut self, header: &str, f: &Field) {
        self.line("");
        self.line(header);
        let r = &f.reviews;
        self.key(r, "name", f.name.as_str());
        self.key(r, "type", f.ty.as_str());
        if let Some(c) = f.carried {
            let c = match c {
                Carried::JsonString => "json_string",
                Carried::Object => "object",
            };
            self.key(r, "carried", c);
        }
        self.key(r, "required", f.required);
        if f.required_unstated {
            self.key(&[], "required_unstated", true);
        }
        if let Some(n) = f.max_length {
            self.key(r, "max_length", n);
        }
        self.key(r, "description", f.description.as_str());
        if let Some(e) = &f.example {
            self.key(r, "example", e.as_str());
        }
    }
}

pub(crate) fn to_spec_toml(page: &Page, source: &str) -> String {
    let mut out = Out {
        text: String::new(),
    };
    out.line(
        "# Imported by `cargo xtask import-doc`. Review before use: every `# REVIEW:` line, and",
    );
    out.line(
        "# what the doc tables do not say (English descriptions, known values, sensitive fields,",
    );
    out.line("# patterns). Format: api-specs/README.md.");
    let r = &page.reviews;
    out.key(r, "method", page.method.as_str());
    out.key(r, "title", page.title.as_str());
    out.key(r, "description", page.description.as_str());
    out.key(r, "source", source);
    let style = match page.call_style {
        CallStyle::Server => "server",
        CallStyle::PageRedirect => "page_redirect",
        CallStyle::AppOrder => "app_order",
    };
    out.key(r, "call_style", style);
    let parameters = if page.form_parameters {
        "form"
    } else {
        "biz_content"
    };
    out.key(r, "parameters", parameters);
    if page.encryption_required {
        out.key(r, "encryption", "required");
    }
    if let Some(k) = &page.idempotency_key {
        out.key(r, "idempotency_key", k.as_str());
    }
    for f in &page.request {
        out.field("[[request.field]]", f);
    }
    for f in &page.response {
        out.field("[[response.field]]", f);
    }
    for o in &page.objects {
        out.line("");
        out.line("[[object]]");
        out.key(&[], "name", o.name.as_str());
        out.key(&[], "description", o.description.as_str());
        for f in &o.fields {
            out.field("[[object.field]]", f);
        }
    }
    // Notes about the error table as a whole (e.g. text after it) have no key of their
    // own: they go before its first row.
    let table_notes: Vec<_> = r.iter().filter(|n| n.key == "error_code").collect();
    if !table_notes.is_empty() || !page.error_codes.is_empty() {
        out.line("");
    }
    for n in table_notes {
        let _ = writeln!(out.text, "# REVIEW: {}", comment_safe(&n.note));
    }
    for (i, e) in page.error_codes.iter().enumerate() {
        if i > 0 {
            out.line("");
        }
        out.line("[[error_code]]");
        out.key(&e.reviews, "code", e.code.as_str());
        out.key(&e.reviews, "description", e.description.as_str());
        if let Some(s) = &e.solution {
            out.key(&e.reviews, "solution", s.as_str());
        }
        out.key(&e.reviews, "retryable", e.retryable);
    }
    out.text
}
