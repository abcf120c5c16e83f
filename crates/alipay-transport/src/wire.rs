//! HTTP-side helpers: bounded body reads, error classification, the trace id header,
//! safe excerpts of error pages, and jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use alipay_protocol::gateway::unescape_html;
use alipay_protocol::redact::sanitize_unverified;
use reqwest::header::HeaderMap;

use crate::error::{AnswerError, Error, TransportError, TransportErrorKind};

/// Headers that may carry the gateway's trace id, in order of preference. Alipay's
/// gateway answers with `trace_id` (the Node SDK reads it), OpenAPI v3 with
/// `alipay-trace-id`; the others are the
/// common spellings of proxies and Alibaba's EagleEye tracing.
pub(crate) const TRACE_ID_HEADERS: &[&str] = &[
    "trace_id",
    "alipay-trace-id",
    "trace-id",
    "x-trace-id",
    "traceid",
    "eagleeye-traceid",
    "x-request-id",
];

/// How much of a non-2xx body is read for its excerpt; the rest is discarded.
pub(crate) const ERROR_BODY_READ_LIMIT: usize = 16 * 1024;

/// How many characters of a non-2xx body are kept.
const EXCERPT_CHARS: usize = 200;

/// The trace id from the response headers, if it looks like one. The value is
/// checked to be a short token so that an odd header cannot smuggle text into logs.
pub(crate) fn trace_id(headers: &HeaderMap) -> Option<String> {
    TRACE_ID_HEADERS.iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?.trim();
        let plausible = !value.is_empty()
            && value.len() <= 128
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        plausible.then(|| value.to_owned())
    })
}

/// Classifies a failure of `send()` (before any response headers arrived).
pub(crate) fn send_error(err: reqwest::Error, host: &str) -> TransportError {
    let kind = if err.is_connect() {
        TransportErrorKind::Connect
    } else if err.is_timeout() {
        TransportErrorKind::Timeout
    } else if err.is_builder() {
        TransportErrorKind::Other
    } else {
        TransportErrorKind::Send
    };
    // The URL holds the signature and timestamp; keep it out of the error chain.
    TransportError::new(kind, host, Some(Box::new(err.without_url())))
}

/// Classifies a failure while reading the body (after the headers arrived).
pub(crate) fn body_error(err: reqwest::Error, host: &str) -> TransportError {
    let kind = if err.is_timeout() {
        TransportErrorKind::BodyTimeout
    } else {
        TransportErrorKind::Body
    };
    TransportError::new(kind, host, Some(Box::new(err.without_url())))
}

/// Reads the whole body, failing as soon as it exceeds `limit` bytes: a declared
/// `Content-Length` over the limit fails before reading, and a streamed body is cut
/// off at the limit, so memory stays bounded whatever the peer sends.
pub(crate) async fn read_bounded(
    response: &mut reqwest::Response,
    limit: u64,
    host: &str,
) -> Result<Vec<u8>, Error> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(Error::Answer(AnswerError::TooLarge { limit }));
    }
    let initial = response.content_length().unwrap_or(8 * 1024).min(limit) as usize;
    let mut body = Vec::with_capacity(initial);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::Transport(body_error(e, host)))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(Error::Answer(AnswerError::TooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads at most `cap` bytes of an error body; a read failure just ends the excerpt.
pub(crate) async fn read_prefix(response: &mut reqwest::Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    body
}

/// A short, readable excerpt of an error page: the `<title>` when there is one,
/// otherwise the text with tags, scripts and styles removed; then made safe as any
/// unverified text is ([`sanitize_unverified`]: one line, no control or bidi
/// characters, ID-like digit runs masked), at most 200 characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let source = match title(&text, &lower) {
        Some(title) if !title.trim().is_empty() => title.to_owned(),
        _ => strip_tags(&text, &lower),
    };
    // `&nbsp;` is layout, not one of the escaped characters: a plain space here.
    let decoded = unescape_html(&source.replace("&nbsp;", " "));
    // An error page is unverified text like any other.
    sanitize_unverified(&decoded, EXCERPT_CHARS)
}

fn title<'a>(text: &'a str, lower: &str) -> Option<&'a str> {
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    text.get(start..end)
}

fn strip_tags(text: &str, lower: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with('<') {
            // Script and style bodies are code, not a message.
            let skip_to = ["script", "style"].iter().find_map(|tag| {
                let l = &lower[i..];
                if l.starts_with(&format!("<{tag}")) {
                    let close = format!("</{tag}");
                    let end = l.find(&close)?;
                    Some(i + end + l[end..].find('>').map_or(close.len(), |g| g + 1))
                } else {
                    None
                }
            });
            if let Some(next) = skip_to {
                i = next;
                out.push(' ');
                continue;
            }
            match rest.find('>') {
                Some(end) => {
                    i += end + 1;
                    out.push(' ');
                }
                None => break,
            }
        } else {
            let next = rest.find('<').unwrap_or(rest.len());
            out.push_str(&rest[..next]);
            i += next;
        }
    }
    out
}

/// A random `u64` for jitter. A splitmix64 step over the time and a counter: retry
/// jitter only has to differ between clients and attempts, not be unpredictable.
pub(crate) fn jitter_random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = nanos
        ^ COUNTER
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_prefers_the_title() {
        let page =
            b"<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\
                     <body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
        assert_eq!(excerpt(page), "502 Bad Gateway");
    }

    #[test]
    fn excerpt_strips_tags_scripts_and_bounds_length() {
        let page = b"<html><body><script>var secret = 1;</script><p>Service <b>down</b>\n\n for &amp; maintenance</p></body></html>";
        assert_eq!(excerpt(page), "Service down for & maintenance");
        assert_eq!(
            excerpt(b"<p>&quot;a&quot;&nbsp;&lt;b&gt; &#39;c&#39; &amp;lt;&amp;nbsp;</p>"),
            "\"a\" <b> 'c' &lt;&nbsp;"
        );
        let long = "x ".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), 201);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b"plain \x01text"), "plain text");
        assert_eq!(
            excerpt("<p>id 110101199003078515\u{202e} \x1b[2J</p>".as_bytes()),
            "id ****************** [2J"
        );
        assert_eq!(excerpt(b"<unterminated"), "");
    }

    #[test]
    fn trace_id_is_read_from_known_headers_and_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(trace_id(&h), None);
        h.insert("eagleeye-traceid", "0b1a2c3d4e5f".parse().unwrap());
        assert_eq!(trace_id(&h).as_deref(), Some("0b1a2c3d4e5f"));
        h.insert("trace_id", "has spaces in it".parse().unwrap());
        assert_eq!(trace_id(&h).as_deref(), Some("0b1a2c3d4e5f"));
        h.insert("trace_id", "21a1b2c3d4".parse().unwrap());
        assert_eq!(trace_id(&h).as_deref(), Some("21a1b2c3d4"));
    }

    #[test]
    fn jitter_varies() {
        let a = jitter_random();
        let b = jitter_random();
        assert_ne!(a, b);
    }
}
