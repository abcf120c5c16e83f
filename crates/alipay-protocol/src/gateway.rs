//! Gateway result codes (`code`, `msg`, `sub_code`, `sub_msg`).

use std::fmt;

use serde::Deserialize;

/// The result fields every response node carries.
#[derive(Clone, PartialEq, Eq, Deserialize, Default)]
pub struct GatewayStatus {
    /// `code`, e.g. `10000`.
    #[serde(default)]
    pub code: String,
    /// `msg`, e.g. `Success`.
    #[serde(default)]
    pub msg: String,
    /// `sub_code`, e.g. `isv.invalid-signature`; absent on success.
    #[serde(default)]
    pub sub_code: Option<String>,
    /// `sub_msg`, a human-readable explanation (Chinese).
    #[serde(default)]
    pub sub_msg: Option<String>,
}

impl fmt::Debug for GatewayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // sub_msg can echo the gateway's sign content, which may hold request data.
        f.debug_struct("GatewayStatus")
            .field("code", &self.code)
            .field("msg", &self.msg)
            .field("sub_code", &self.sub_code)
            .field("sub_msg", &self.sub_msg.as_ref().map(|m| m.chars().count()))
            .finish()
    }
}

impl fmt::Display for GatewayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whether or not it verified, this text is shown to people and logs: one line,
        // capped, digit runs that look like ID numbers masked.
        use crate::redact::{UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, sanitize_unverified};
        let code = sanitize_unverified(&self.code, UNVERIFIED_CODE_CAP);
        let msg = sanitize_unverified(&self.msg, UNVERIFIED_TEXT_CAP);
        write!(f, "{code} {msg}")?;
        if let Some(sub) = &self.sub_code {
            write!(f, " ({}", sanitize_unverified(sub, UNVERIFIED_CODE_CAP))?;
            if let Some(m) = &self.sub_msg {
                // The invalid-signature answer echoes the request, personal data
                // included, however it is worded; it stays available through
                // `gateway_sign_content`, never in messages.
                if !self.echoes_request() {
                    write!(f, ": {}", sanitize_unverified(m, UNVERIFIED_TEXT_CAP))?;
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The public code classes of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeClass {
    /// 10000: the call succeeded (the business result may still say "not passed").
    Success,
    /// 20000: service currently unavailable.
    ServiceUnavailable,
    /// 20001: insufficient token permissions.
    InsufficientTokenPermissions,
    /// 40001: missing required arguments.
    MissingArguments,
    /// 40002: invalid arguments (including a bad request signature).
    InvalidArguments,
    /// 40003: insufficient conditions.
    InsufficientConditions,
    /// 40004: business failed; see `sub_code`.
    BusinessFailed,
    /// 40005: call limited.
    CallLimited,
    /// 40006: insufficient permissions.
    InsufficientPermissions,
    /// Any other code.
    Unknown,
}

impl GatewayStatus {
    /// The class of `code`.
    pub fn class(&self) -> CodeClass {
        match self.code.as_str() {
            "10000" => CodeClass::Success,
            "20000" => CodeClass::ServiceUnavailable,
            "20001" => CodeClass::InsufficientTokenPermissions,
            "40001" => CodeClass::MissingArguments,
            "40002" => CodeClass::InvalidArguments,
            "40003" => CodeClass::InsufficientConditions,
            "40004" => CodeClass::BusinessFailed,
            "40005" => CodeClass::CallLimited,
            "40006" => CodeClass::InsufficientPermissions,
            _ => CodeClass::Unknown,
        }
    }

    /// `code == 10000`.
    pub fn is_success(&self) -> bool {
        self.class() == CodeClass::Success
    }

    /// Whether retrying the same request may succeed: only for 20000 and the
    /// "system busy" sub-codes. A 4xxxx code means the request itself is wrong.
    pub fn is_retryable(&self) -> bool {
        self.code == "20000"
            || matches!(
                self.sub_code.as_deref(),
                Some("isp.unknow-error" | "aop.unknow-error" | "SYSTEM_ERROR")
            )
    }

    /// Whether `sub_msg` may echo the request (and so personal data): the gateway
    /// quotes its sign content on `isv.invalid-signature` (OpenAPI v3:
    /// `invalid-signature`), introduced by `验签字符串`; any message that quotes one is
    /// treated so, whatever its code.
    pub fn echoes_request(&self) -> bool {
        matches!(
            self.sub_code.as_deref(),
            Some("isv.invalid-signature" | "invalid-signature")
        ) || self
            .sub_msg
            .as_deref()
            .is_some_and(|m| m.contains("验签字符串"))
    }

    /// For 40002 `isv.invalid-signature`: the sign content the gateway computed, which
    /// it echoes in `sub_msg` (HTML-escaped). Diff it against ours to find the mistake.
    pub fn gateway_sign_content(&self) -> Option<String> {
        if !self.echoes_request() {
            return None;
        }
        let msg = self.sub_msg.as_deref()?;
        let (_, echoed) = msg
            .split_once("验签字符串为：")
            .or_else(|| msg.split_once("验签字符串为:"))?;
        Some(unescape_html(echoed))
    }
}

/// Undoes HTML escaping of the five characters HTML escapers touch (`&quot;`, `&#39;`,
/// `&lt;`, `&gt;`, `&amp;`): the gateway's echo of the sign content, and the text of an
/// HTTP error page (the transport's excerpt). `&amp;` goes last so that an escaped
/// entity (`&amp;lt;`) is decoded once, to `&lt;`, not twice.
///
/// Deliberately not a full HTML decoder (such as the `html-escape` crate): the echo is
/// compared with our own sign content, so the decoder must be the exact inverse of the
/// gateway's escaping; decoding entities it never writes (`&times;`, `&#8238;`) would
/// turn text that was sent literally into other characters.
pub fn unescape_html(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// How our sign content differs from the gateway's, by parameter name only (values
/// can hold personal data; compare them from the two strings when needed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignContentDiff {
    /// Parameters we signed that the gateway did not.
    pub only_ours: Vec<String>,
    /// Parameters the gateway signed that we did not.
    pub only_gateway: Vec<String>,
    /// Parameters both signed with different values.
    pub different: Vec<String>,
}

impl SignContentDiff {
    /// Compares two sign contents. Splitting on `&` is ambiguous when values contain
    /// `&`; a key is recognised only at a position that starts a `key=` pair.
    pub fn between(ours: &str, gateway: &str) -> SignContentDiff {
        let a = split_pairs(ours);
        let b = split_pairs(gateway);
        let mut diff = SignContentDiff::default();
        for (k, v) in &a {
            match b.iter().find(|(k2, _)| k2 == k) {
                None => diff.only_ours.push(k.clone()),
                Some((_, v2)) if v2 != v => diff.different.push(k.clone()),
                Some(_) => {}
            }
        }
        for (k, _) in &b {
            if !a.iter().any(|(k2, _)| k2 == k) {
                diff.only_gateway.push(k.clone());
            }
        }
        diff
    }

    /// True when the two contents are the same.
    pub fn is_empty(&self) -> bool {
        self.only_ours.is_empty() && self.only_gateway.is_empty() && self.different.is_empty()
    }
}

impl fmt::Display for SignContentDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str(
                "the sign contents are identical: the signature itself is wrong (the app private \
                 key does not match the app public key uploaded to Alipay, or the sign type differs)",
            );
        }
        let mut parts = Vec::new();
        if !self.only_ours.is_empty() {
            parts.push(format!("signed only by us: {}", self.only_ours.join(", ")));
        }
        if !self.only_gateway.is_empty() {
            parts.push(format!(
                "signed only by the gateway: {}",
                self.only_gateway.join(", ")
            ));
        }
        if !self.different.is_empty() {
            parts.push(format!("different values: {}", self.different.join(", ")));
        }
        f.write_str(&parts.join("; "))
    }
}

fn split_pairs(content: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in content.split('&') {
        let starts_pair = piece.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        });
        match (starts_pair, pairs.last_mut()) {
            (false, Some(last)) => {
                last.1.push('&');
                last.1.push_str(piece);
            }
            _ => {
                let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
                pairs.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: &str, sub: Option<&str>) -> GatewayStatus {
        GatewayStatus {
            code: code.into(),
            msg: String::new(),
            sub_code: sub.map(Into::into),
            sub_msg: None,
        }
    }

    #[test]
    fn retryable_only_for_transient_codes() {
        assert!(status("20000", Some("isp.unknow-error")).is_retryable());
        assert!(status("20000", None).is_retryable());
        assert!(status("40004", Some("SYSTEM_ERROR")).is_retryable());
        assert!(status("40004", Some("aop.unknow-error")).is_retryable());
        assert!(!status("40004", Some("INVALID_PARAMETER")).is_retryable());
        assert!(!status("40002", Some("isv.invalid-signature")).is_retryable());
        assert!(!status("10000", None).is_retryable());
        assert!(!status("20001", Some("aop.invalid-auth-token")).is_retryable());
    }

    #[test]
    fn classes() {
        assert_eq!(status("10000", None).class(), CodeClass::Success);
        assert_eq!(
            status("20001", None).class(),
            CodeClass::InsufficientTokenPermissions
        );
        assert_eq!(status("40001", None).class(), CodeClass::MissingArguments);
        assert_eq!(
            status("40006", None).class(),
            CodeClass::InsufficientPermissions
        );
        assert_eq!(status("99999", None).class(), CodeClass::Unknown);
    }

    #[test]
    fn echo_is_unescaped_once_and_never_displayed() {
        let status = GatewayStatus {
            code: "40002".into(),
            msg: "Invalid Arguments".into(),
            sub_code: Some("isv.invalid-signature".into()),
            sub_msg: Some(
                "验签出错，网关生成的验签字符串为：a=1&amp;b=&amp;lt;x&amp;gt;&amp;c=收委".into(),
            ),
        };
        assert_eq!(
            status.gateway_sign_content().as_deref(),
            Some("a=1&b=&lt;x&gt;&c=收委")
        );
        assert!(!status.to_string().contains("收委"));
        // Worded differently, the echo is still kept out of Display.
        let reworded = GatewayStatus {
            sub_msg: Some("signature error, content: a=1&amp;name=收委".into()),
            ..status
        };
        assert_eq!(reworded.gateway_sign_content(), None);
        assert!(!reworded.to_string().contains("收委"), "{reworded}");
    }

    #[test]
    fn diff_by_key() {
        let d = SignContentDiff::between("a=1&b=x&y&c=3", "a=1&b=x&d=4&c=2");
        assert_eq!(d.only_ours, Vec::<String>::new());
        assert_eq!(d.only_gateway, vec!["d"]);
        assert_eq!(d.different, vec!["b", "c"]);
    }
}
