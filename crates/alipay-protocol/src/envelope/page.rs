//! What a page or app call hands back instead of sending: the signed `GET` URL, the
//! self-submitting `POST` form (`pageExecute`) and the app order string (`sdkExecute`).
//!
//! # Our choices, and where the official SDKs differ
//!
//! * **Order.** The URL and the order string list every parameter sorted by name,
//!   `sign` in its sorted place: what Java's `getRedirectUrl` / `getSdkParams` do
//!   (a `TreeMap`) and what the doc pages show. Python and Node keep insertion order;
//!   the gateway does not care.
//! * **Encoding.** Form encoding of the charset bytes (space as `+`, `*-._` kept,
//!   `~` encoded), like Java's `URLEncoder` and Python's `quote_plus`. Node's
//!   `sdkExecute` (and its `biz_content` in `pageExecute`) writes a space as `%20`; both
//!   decode to the same value, which is what is signed.
//! * **Parameters.** The same set a server call signs (`format=JSON` included, no
//!   `alipay_sdk`); Python sends `format=json`, Node no `format` and, in `pageExecute`
//!   only, `alipay_sdk=alipay-sdk-nodejs-4.0.0`. With the same parameter set the
//!   signature and every encoded `name=value` pair are byte-identical (the vector tests
//!   prove it).
//! * **Form.** Java's markup (`punchout_form`, hidden fields, the hidden submit button,
//!   `document.forms[0].submit()`), but every attribute value HTML-escaped (Java only
//!   replaces `"`), the action URL included (`&` becomes `&amp;`), and an
//!   `accept-charset` naming the request charset, so that a browser showing the form
//!   in another charset still submits the bytes that were signed. Node's form name
//!   carries `Date.now()`; ours has no clock in it, so the form is byte-deterministic
//!   under a fixed request timestamp. As in Java, the action carries the routing
//!   parameters and `sign` (our query split), the hidden fields carry the rest
//!   (`biz_content`, tokens), so personal data is posted rather than put in a URL.

use std::fmt::Write as _;

use super::{QUERY_PARAMS, SignedRequest};

impl SignedRequest {
    /// The signed `GET` URL for a page-redirect method (`pageExecute(request, "GET")`):
    /// `gateway?` followed by every parameter sorted by name, form-encoded in the
    /// charset. Everything, `biz_content` included, is in the URL: prefer
    /// [`page_form`](Self::page_form) when `biz_content` holds personal data.
    pub fn page_url(&self, gateway: &str) -> String {
        let sep = if gateway.contains('?') { '&' } else { '?' };
        format!("{gateway}{sep}{}", self.order_string())
    }

    /// The app order string (`sdkExecute`) that an app hands to the Alipay app SDK:
    /// every parameter sorted by name, `sign` in its place, form-encoded in the charset.
    pub fn order_string(&self) -> String {
        let mut sorted: Vec<&(String, String)> = self.params().iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        self.encode_pairs(sorted.into_iter())
    }

    /// An HTML form that submits itself by `POST` to the gateway (`pageExecute`'s
    /// default): the action is [`url`](Self::url) (routing parameters and `sign`), the
    /// hidden fields the remaining parameters; every value is HTML-escaped.
    pub fn page_form(&self, gateway: &str) -> String {
        let mut out = String::with_capacity(
            256 + self
                .params()
                .iter()
                .map(|(k, v)| k.len() + v.len() + 48)
                .sum::<usize>(),
        );
        out.push_str("<form name=\"punchout_form\" method=\"post\" action=\"");
        escape_into(&mut out, &self.url(gateway));
        out.push_str("\" accept-charset=\"");
        escape_into(&mut out, self.charset().as_str());
        out.push_str("\">\n");
        for (k, v) in self
            .params()
            .iter()
            .filter(|(k, _)| !QUERY_PARAMS.contains(&k.as_str()))
        {
            out.push_str("<input type=\"hidden\" name=\"");
            escape_into(&mut out, k);
            out.push_str("\" value=\"");
            escape_into(&mut out, v);
            out.push_str("\">\n");
        }
        out.push_str("<input type=\"submit\" value=\"立即支付\" style=\"display:none\" >\n");
        out.push_str("</form>\n");
        out.push_str("<script>document.forms[0].submit();</script>");
        out
    }

    fn encode_pairs<'a>(&self, pairs: impl Iterator<Item = &'a (String, String)>) -> String {
        let mut out = String::new();
        for (k, v) in pairs {
            if !out.is_empty() {
                out.push('&');
            }
            crate::form::encode_into(&mut out, k.as_bytes());
            out.push('=');
            // Every value was checked encodable before it could be signed.
            match self.charset().encode(v) {
                Ok(bytes) => crate::form::encode_into(&mut out, &bytes),
                Err(_) => unreachable!("values are checked encodable before signing"),
            }
        }
        out
    }
}

/// Appends `s` escaped for a double-quoted HTML attribute value (and for text).
fn escape_into(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..i]);
        let entity = match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        };
        let _ = write!(out, "{entity}");
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_every_special_character() {
        let mut out = String::new();
        escape_into(&mut out, r#"a&b<c>d"e'f收"#);
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f收");
    }
}
