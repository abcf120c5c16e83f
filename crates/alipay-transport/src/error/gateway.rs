//! The gateway stage: a (verified or unsigned) answer with a code other than `10000`.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use alipay_protocol::redact::{UNVERIFIED_CODE_CAP, UNVERIFIED_TEXT_CAP, sanitize_unverified};
use alipay_protocol::{CodeClass, ErrorCodeDoc, GatewayStatus, SignContentDiff};

/// The gateway answered with a code other than `10000`.
///
/// `verified` tells whether the answer's signature was checked: an unsigned
/// `error_response` (typically a gateway-level rejection such as an invalid `app_id`)
/// cannot be, so treat its fields as a hint only. Anyone on the path can write such an
/// answer, so its text is treated as hostile: `Display` and `Debug` mark it
/// `(unverified)` and show it only as
/// [`sanitize_unverified`](alipay_protocol::redact::sanitize_unverified) leaves it (one
/// line without control or bidi characters, digit runs that look like ID numbers
/// masked, `code`/`sub_code` cut after 64 characters and `msg` plus `sub_msg` after
/// 200, with a final `…`), the client's logs record only its sanitised `code` and
/// `sub_code`, and it never makes the client send the call again. The public fields
/// keep the text exactly as it arrived: do not print or log them unchecked when
/// `verified` is false.
#[non_exhaustive]
pub struct GatewayError {
    status: GatewayStatus,
    verified: bool,
    trace_id: Option<String>,
    raw: String,
    signature_debug: Option<SignatureDebug>,
    documented: Option<&'static ErrorCodeDoc>,
    http_status: Option<u16>,
}

/// For `40002 isv.invalid-signature`: what we signed and what the gateway says it
/// checked. Both hold request data, so they are reachable only through accessors.
#[derive(Clone)]
pub(crate) struct SignatureDebug {
    pub(crate) ours: String,
    pub(crate) gateway: String,
    pub(crate) diff: SignContentDiff,
}

impl GatewayError {
    pub(crate) fn from_status(
        status: &GatewayStatus,
        verified: bool,
        raw: String,
        trace_id: Option<String>,
        our_sign_content: &str,
    ) -> Self {
        let signature_debug = status.gateway_sign_content().map(|gateway| SignatureDebug {
            diff: SignContentDiff::between(our_sign_content, &gateway),
            ours: our_sign_content.to_owned(),
            gateway,
        });
        GatewayError {
            status: status.clone(),
            verified,
            trace_id,
            raw,
            signature_debug,
            documented: None,
            http_status: None,
        }
    }

    /// An OpenAPI v3 error answer (HTTP 4xx/5xx with `{code, message, links}`), in the
    /// shape of a `gateway.do` one so that one error type serves both protocols: the
    /// v3 `code` (e.g. `invalid-parameter`) is the `sub_code` and `message` the
    /// `sub_msg`, and `code` is the `gateway.do` class of the HTTP status, `20000`
    /// (service unavailable, transient) for a 5xx and `40004` (business failed) for a
    /// 4xx, so that retries and [`class`](Self::class) mean the same on both.
    pub(crate) fn from_v3(
        http_status: u16,
        code: Option<String>,
        message: Option<String>,
        verified: bool,
        raw: String,
        trace_id: Option<String>,
    ) -> Self {
        let class = if http_status >= 500 { "20000" } else { "40004" };
        GatewayError {
            status: GatewayStatus {
                code: class.to_owned(),
                msg: format!("HTTP {http_status}"),
                sub_code: code,
                sub_msg: message,
            },
            verified,
            trace_id,
            raw,
            signature_debug: None,
            documented: None,
            http_status: Some(http_status),
        }
    }

    /// The HTTP status of an OpenAPI v3 error answer (`None` over `gateway.do`, whose
    /// errors come with HTTP 200). Unverified when [`verified`](Self::verified) is false.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// Looks the answer's `sub_code` up in the method's documented business error codes
    /// (its spec's `[[error_code]]`), for the hint in `Display` and for
    /// [`is_retryable`](Self::is_retryable). Only a verified code is looked up: the
    /// `sub_code` of an unsigned answer is unverified text and must not choose our
    /// advice.
    pub(crate) fn document(&mut self, codes: &'static [ErrorCodeDoc]) {
        self.documented = match (self.verified, self.status.sub_code.as_deref()) {
            (true, Some(sub)) => ErrorCodeDoc::find(codes, sub),
            _ => None,
        };
    }

    /// The doc page's entry for this verified answer's `sub_code` (its description,
    /// what to do, and whether it is transient), when the method's spec lists it.
    pub fn documented(&self) -> Option<&'static ErrorCodeDoc> {
        self.documented
    }

    /// `code`, `msg`, `sub_code` and `sub_msg` as they arrived. Unverified, hostile
    /// text when [`verified`](Self::verified) is false; for `isv.invalid-signature`
    /// `sub_msg` echoes the request ([`GatewayStatus::echoes_request`]), personal data
    /// included. Do not print or log them unchecked.
    pub fn status(&self) -> &GatewayStatus {
        &self.status
    }

    /// `code`, e.g. `40004` (see [`status`](Self::status) for when it is unverified).
    pub fn code(&self) -> &str {
        &self.status.code
    }

    /// `sub_code`, e.g. `isv.invalid-signature` (see [`status`](Self::status)).
    pub fn sub_code(&self) -> Option<&str> {
        self.status.sub_code.as_deref()
    }

    /// Whether the answer's signature verified (`false` for an unsigned `error_response`).
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// The gateway's trace id, when the answer carried one.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The class of `code` (service unavailable, missing arguments, business failed…).
    pub fn class(&self) -> CodeClass {
        self.status.class()
    }

    /// Whether the same request may succeed when sent again: a *verified* `20000`, a
    /// "system busy" sub-code, or a sub-code the method's doc page lists as transient
    /// (see [`documented`](Self::documented)). 4xxxx codes otherwise mean the request itself is wrong, and the
    /// code of an unsigned answer is unverified text, so it is never retryable. The
    /// request did reach the gateway: only idempotent methods are sent again (see
    /// [`Error::is_retryable_if_idempotent`](crate::Error::is_retryable_if_idempotent)).
    pub fn is_retryable(&self) -> bool {
        self.verified
            && (self.status.is_retryable() || self.documented.is_some_and(|d| d.retryable))
    }

    /// `code` as it may be shown or logged: as is when verified, otherwise sanitised
    /// and cut after 64 characters.
    pub(crate) fn shown_code(&self) -> Cow<'_, str> {
        self.shown(&self.status.code, UNVERIFIED_CODE_CAP)
    }

    /// `sub_code` as it may be shown or logged (see [`shown_code`](Self::shown_code)).
    pub(crate) fn shown_sub_code(&self) -> Option<Cow<'_, str>> {
        self.status
            .sub_code
            .as_deref()
            .map(|s| self.shown(s, UNVERIFIED_CODE_CAP))
    }

    fn shown<'a>(&self, text: &'a str, cap: usize) -> Cow<'a, str> {
        if self.verified {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(sanitize_unverified(text, cap))
        }
    }

    /// Whether `sub_msg` is the gateway's echo of our sign content (request data,
    /// personal data included): never show it then.
    pub fn echoes_request(&self) -> bool {
        self.status.echoes_request() || self.signature_debug.is_some()
    }

    /// The unverified `msg` and `sub_msg` as one sanitised, capped text.
    fn unverified_text(&self) -> String {
        let mut text = self.status.msg.clone();
        if let Some(m) = self
            .status
            .sub_msg
            .as_deref()
            .filter(|_| !self.echoes_request())
        {
            text.push_str(": ");
            text.push_str(m);
        }
        sanitize_unverified(&text, UNVERIFIED_TEXT_CAP)
    }

    /// A one-line summary for logs: for an unverified answer only its sanitised codes,
    /// never `msg`/`sub_msg`, which may hold anything.
    pub(crate) fn log_summary(&self) -> String {
        if self.verified {
            return self.to_string();
        }
        let mut out = format!(
            "the gateway answered (unverified) an unsigned error_response with code {}",
            self.shown_code()
        );
        if let Some(sub) = self.shown_sub_code() {
            out.push_str(&format!(", sub_code {sub}"));
        }
        out
    }

    /// The raw text of the response node (verified only if [`verified`](Self::verified)
    /// is true). For business failures (40004) it may carry method-specific fields.
    /// It may hold personal data: do not log it.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// For `40002 isv.invalid-signature`: the sign content we signed. Holds request
    /// data (including `biz_content`): do not log it.
    pub fn our_sign_content(&self) -> Option<&str> {
        self.signature_debug.as_ref().map(|d| d.ours.as_str())
    }

    /// For `40002 isv.invalid-signature`: the sign content the gateway echoed in
    /// `sub_msg` (HTML entities decoded). Holds request data: do not log it.
    pub fn gateway_sign_content(&self) -> Option<&str> {
        self.signature_debug.as_ref().map(|d| d.gateway.as_str())
    }

    /// For `40002 isv.invalid-signature`: which parameters differ between the two sign
    /// contents, by name only.
    pub fn sign_content_diff(&self) -> Option<&SignContentDiff> {
        self.signature_debug.as_ref().map(|d| &d.diff)
    }
}

impl fmt::Debug for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The invalid-signature answer echoes the request however it is worded.
        let echoes = self.echoes_request();
        let sub_msg: Option<String> = match &self.status.sub_msg {
            Some(m) if echoes => Some(format!("<sign content echo, {} chars>", m.chars().count())),
            Some(m) => Some(self.shown(m, UNVERIFIED_TEXT_CAP).into_owned()),
            None => None,
        };
        // Names parsed from an unverified echo are unverified text as well.
        let diff = self.signature_debug.as_ref().map(|d| {
            if self.verified {
                format!("{:?}", d.diff)
            } else {
                sanitize_unverified(&d.diff.to_string(), UNVERIFIED_TEXT_CAP)
            }
        });
        f.debug_struct("GatewayError")
            .field("code", &self.shown_code())
            .field("msg", &self.shown(&self.status.msg, UNVERIFIED_TEXT_CAP))
            .field("sub_code", &self.shown_sub_code())
            .field("sub_msg", &sub_msg)
            .field("verified", &self.verified)
            .field("trace_id", &self.trace_id)
            .field("sign_content_diff", &diff)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.verified {
            // GatewayStatus's Display leaves out the invalid-signature echo.
            write!(f, "the gateway answered {}", self.status)?;
        } else {
            // The marker comes first, before any text the answer chose.
            write!(
                f,
                "the gateway answered (unverified: an unsigned error_response, possibly \
                 forged) {}",
                self.shown_code()
            )?;
            if let Some(sub) = self.shown_sub_code() {
                write!(f, " ({sub})")?;
            }
            let text = self.unverified_text();
            if !text.is_empty() {
                write!(f, ": {text}")?;
            }
        }
        if let Some(debug) = &self.signature_debug {
            if self.verified {
                write!(
                    f,
                    "; our sign content against the gateway's: {}",
                    debug.diff
                )?;
            } else {
                write!(
                    f,
                    "; our sign content against the gateway's: {}",
                    sanitize_unverified(&debug.diff.to_string(), UNVERIFIED_TEXT_CAP)
                )?;
            }
        }
        if let Some(doc) = self.documented {
            write!(f, "; the doc page says {}: {}", doc.code, doc.description)?;
            if !doc.solution.is_empty() {
                write!(f, "; what to do: {}", doc.solution)?;
            }
        }
        if let Some(id) = &self.trace_id {
            write!(f, " (trace id {id})")?;
        }
        Ok(())
    }
}

impl StdError for GatewayError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AnswerError, Error, TransportError, TransportErrorKind};

    #[test]
    fn a_v3_invalid_signature_echo_is_never_shown() {
        let echo = "验签出错，验签字符串为：app_id=1,nonce=n,timestamp=1\nPOST\n/v3/x\n\
                    {\"cert_name\":\"张三\",\"cert_no\":\"11010519491231002X\"}\n";
        for (code, verified) in [("invalid-signature", true), ("other-code", false)] {
            let e = GatewayError::from_v3(
                401,
                Some(code.into()),
                Some(echo.into()),
                verified,
                String::new(),
                None,
            );
            assert!(e.echoes_request(), "{code}");
            for shown in [e.to_string(), format!("{e:?}")] {
                assert!(
                    !shown.contains("张三") && !shown.contains("11010519491231002X"),
                    "{shown}"
                );
            }
            assert_eq!(e.http_status(), Some(401));
        }
    }

    #[test]
    fn invalid_signature_display_names_params_not_values() {
        let status = GatewayStatus {
            code: "40002".into(),
            msg: "Invalid Arguments".into(),
            sub_code: Some("isv.invalid-signature".into()),
            sub_msg: Some(
                "验签出错，网关生成的验签字符串为：app_id=1&amp;biz_content={\"cert_no\":\"260104197909275964\"}&amp;version=2.0"
                    .into(),
            ),
        };
        let ours = "app_id=1&biz_content={\"cert_no\":\"260104197909275964\"}&version=1.0";
        let err = GatewayError::from_status(&status, true, "{}".into(), None, ours);
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("version"), "{shown}");
        assert!(!shown.contains("260104197909275964"), "{shown}");
        assert!(!shown.contains("2.0"), "{shown}");
        assert_eq!(err.sign_content_diff().unwrap().different, vec!["version"]);
        assert!(
            err.gateway_sign_content()
                .unwrap()
                .contains("&biz_content=")
        );
    }

    #[test]
    fn retryability_follows_the_request_life() {
        let t = |kind| Error::Transport(TransportError::new(kind, "h", None));
        // Never sent: safe for any method.
        assert!(t(TransportErrorKind::Connect).is_retryable());
        assert!(t(TransportErrorKind::Connect).is_retryable_if_idempotent());
        // Maybe received: only for idempotent methods.
        for kind in [TransportErrorKind::Timeout, TransportErrorKind::Send] {
            assert!(!t(kind).is_retryable(), "{kind:?}");
            assert!(t(kind).is_retryable_if_idempotent(), "{kind:?}");
        }
        // An answer began: never.
        for kind in [
            TransportErrorKind::BodyTimeout,
            TransportErrorKind::Body,
            TransportErrorKind::Other,
        ] {
            assert!(!t(kind).is_retryable(), "{kind:?}");
            assert!(!t(kind).is_retryable_if_idempotent(), "{kind:?}");
        }
        assert!(!Error::Answer(AnswerError::TooLarge { limit: 1 }).is_retryable_if_idempotent());

        let busy = GatewayStatus {
            code: "20000".into(),
            msg: "Service Currently Unavailable".into(),
            sub_code: Some("isp.unknow-error".into()),
            sub_msg: None,
        };
        let gateway = |verified| {
            Error::Gateway(Box::new(GatewayError::from_status(
                &busy,
                verified,
                "{}".into(),
                None,
                "",
            )))
        };
        assert!(!gateway(true).is_retryable(), "it reached the gateway");
        assert!(gateway(true).is_retryable_if_idempotent());
        assert!(!gateway(false).is_retryable_if_idempotent(), "unverified");
        assert!(!gateway(false).as_gateway().unwrap().is_retryable());
    }

    #[test]
    fn only_a_verified_code_is_looked_up_in_the_documented_codes() {
        static CODES: &[ErrorCodeDoc] = &[ErrorCodeDoc {
            code: "TRANSACTION_ERROR",
            description: "交易订单异常",
            solution: "请稍后重新发起",
            retryable: true,
        }];
        let status = GatewayStatus {
            code: "40004".into(),
            msg: "Business Failed".into(),
            sub_code: Some("TRANSACTION_ERROR".into()),
            sub_msg: None,
        };
        let documented = |verified| {
            let mut e = GatewayError::from_status(&status, verified, "{}".into(), None, "");
            e.document(CODES);
            e
        };
        let verified = documented(true);
        assert_eq!(verified.documented(), Some(&CODES[0]));
        assert!(verified.is_retryable(), "the page calls it transient");
        assert!(verified.to_string().contains("what to do: 请稍后重新发起"));
        // An unsigned answer could name any code to make us retry or advise: no lookup.
        let unverified = documented(false);
        assert_eq!(unverified.documented(), None);
        assert!(!unverified.is_retryable());
        assert!(!unverified.to_string().contains("what to do"));
        // A 40004 without a documented transient code stays final.
        let mut other = GatewayError::from_status(&status, true, "{}".into(), None, "");
        other.document(&[]);
        assert!(!other.is_retryable());
    }

    #[test]
    fn unverified_text_is_marked_sanitised_and_capped() {
        let id = "11010119900307851X";
        let status = GatewayStatus {
            code: "20000\n2025-01-01 ERROR forged".into(),
            msg: "Service\u{1b}[31m Unavailable\u{202e}".into(),
            sub_code: Some(format!("isp.unknow-error\r{id}")),
            sub_msg: Some(format!("系统繁忙\n{id}{}", "长".repeat(5_000))),
        };
        let err = GatewayError::from_status(&status, false, "{}".into(), None, "");
        for shown in [err.to_string(), format!("{err:?}"), err.log_summary()] {
            assert!(
                shown.contains("unverified") || shown.contains("verified: false"),
                "{shown}"
            );
            for bad in [
                "\n",
                "\r",
                "\u{1b}",
                "\u{202e}",
                id,
                "1101",
                &"长".repeat(201),
            ] {
                assert!(!shown.contains(bad), "{bad:?} in {shown}");
            }
            assert!(shown.chars().count() < 600, "{}", shown.chars().count());
        }
        let shown = err.to_string();
        assert!(shown.contains("isp.unknow-error"), "{shown}");
        assert!(shown.contains("系统繁忙"), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        // Logs get the codes only.
        assert!(!err.log_summary().contains("Unavailable"));
        assert!(!err.log_summary().contains("系统繁忙"));
        // The fields keep what arrived.
        assert!(err.status().sub_msg.as_deref().unwrap().contains(id));

        // A verified answer is shown as it is.
        let verified = GatewayError::from_status(&status, true, "{}".into(), None, "");
        assert!(!verified.to_string().contains("unverified"));
    }
}
