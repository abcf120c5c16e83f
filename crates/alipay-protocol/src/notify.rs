//! Asynchronous notifications (异步通知) posted to `notify_url` (protocol.md §8).
//!
//! Verification runs over the form-*decoded* values: `sign` and `sign_type` removed,
//! empty values dropped, sorted by key, `k=v` joined with `&` (Java's `rsaCheckV1`).
//! The API takes the raw form body so percent-escapes and `+` are decoded exactly once
//! here; a web framework's already-decoded map would invite decoding twice.
//!
//! That sign content is not an unambiguous encoding of the parameters: empty values
//! are left out, and decoded values are joined with `&` and `=` unescaped. A verified
//! signature therefore proves less than "these parameters were sent", and the verifier
//! closes each gap instead of trusting it:
//! - a name that appears twice is refused (which one would be the signed one?);
//! - empty parameters (unsigned by construction) and `sign_type` (unsigned, checked
//!   against the app's algorithm) are not presented among the verified parameters;
//! - a body whose sign content would split back into other parameters than the ones
//!   sent (a name holding `=` or `&`, or a value holding `&…=`, as in
//!   `out_trade_no=1%26total_amount%3D88.88`) is refused, even though its signature
//!   may verify. A genuine value of that shape is refused too: fail closed.

use std::fmt;

use crate::crypto::{SignType, Verifier};
use crate::envelope::{sign_content, verify_base64};
use crate::form;

/// What to answer Alipay after processing a notification successfully (plain text).
pub const SUCCESS_REPLY: &str = "success";

/// Why a notification was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// No `sign` parameter.
    #[error("the notification has no `sign` parameter")]
    MissingSign,
    /// `sign_type` or `charset` has a value we do not know.
    #[error("the notification's `{param}` is not supported")]
    Unsupported {
        /// The parameter.
        param: &'static str,
    },
    /// The notification names another algorithm than the app uses.
    #[error(
        "the notification says sign_type={named} but the app signs with {expected}; refusing it \
         (an unsigned field cannot choose the algorithm)"
    )]
    SignTypeMismatch {
        /// The app's algorithm.
        expected: SignType,
        /// What the notification named.
        named: SignType,
    },
    /// A value is not valid in the notification's charset.
    #[error("parameter `{0}` is not valid text in the notification's charset")]
    Undecodable(String),
    /// A parameter name appears more than once.
    #[error("parameter `{0}` appears more than once; refusing an ambiguous notification")]
    Duplicate(String),
    /// The signed text would split back into other parameters than those sent, so the
    /// signature cannot tell which were signed.
    #[error(
        "parameter `{0}` holds `&`/`=` so that the signed text splits into other parameters; \
         refusing an ambiguous notification"
    )]
    Ambiguous(String),
    /// The signature does not verify: do not act on the notification.
    #[error(
        "the notification's signature does not verify; check the Alipay public key, and that the \
         body is passed exactly as received"
    )]
    SignatureInvalid,
}

/// A notification whose signature verified.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedNotification {
    params: Vec<(String, String)>,
    sign_content: String,
}

impl fmt::Debug for VerifiedNotification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("VerifiedNotification")
            .field("params", &names)
            .finish_non_exhaustive()
    }
}

impl VerifiedNotification {
    /// A signed parameter's decoded value; `None` for a parameter that was absent or
    /// empty (an empty value is not signed, so it is never presented as one).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every signed parameter, in body order: not `sign`, not `sign_type` and no empty
    /// parameter, since none of those is covered by the signature.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The exact text the signature was checked over.
    pub fn sign_content(&self) -> &str {
        &self.sign_content
    }
}

/// Verifies a raw `application/x-www-form-urlencoded` notification body.
///
/// The charset is the notification's own `charset` parameter (default utf-8). The
/// algorithm is the app's `sign_type`, given by the caller: the notification's own
/// `sign_type` is not signed, so trusting it would let a forger pick the weaker SHA-1;
/// a notification naming another algorithm is refused.
pub fn verify_notification(
    body: &[u8],
    sign_type: SignType,
    verifier: &dyn Verifier,
) -> Result<VerifiedNotification, NotifyError> {
    let raw = form::parse_bytes(body);
    let mut seen = std::collections::HashSet::with_capacity(raw.len());
    for (name, _) in &raw {
        if !seen.insert(name.as_slice()) {
            return Err(NotifyError::Duplicate(display_name(name)));
        }
    }
    let form::DecodedForm { charset, params } = form::decode(&raw).map_err(|e| match e {
        form::FormError::Undecodable { param, .. } => {
            NotifyError::Undecodable(display_name(param.as_bytes()))
        }
        _ => NotifyError::Unsupported { param: "charset" },
    })?;
    let named = params
        .iter()
        .find(|(k, v)| k == "sign_type" && !v.is_empty())
        .map(|(_, v)| v.parse::<SignType>());
    if let Some(named) = named {
        let named = named.map_err(|_| NotifyError::Unsupported { param: "sign_type" })?;
        if named != sign_type {
            return Err(NotifyError::SignTypeMismatch {
                expected: sign_type,
                named,
            });
        }
    }
    for (name, value) in &params {
        if value.is_empty() || name == "sign" {
            continue;
        }
        if resplits(name, value) {
            return Err(NotifyError::Ambiguous(display_name(name.as_bytes())));
        }
    }
    let sign = params
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
        .ok_or(NotifyError::MissingSign)?;
    let content = sign_content(
        params
            .iter()
            .filter(|(k, _)| k != "sign" && k != "sign_type")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    // A signature that is not base64, or content the charset cannot carry, cannot have
    // been signed by Alipay either: all are the one "do not act on it" answer.
    if verify_base64(verifier, sign_type, charset, &content, &sign) != Ok(true) {
        return Err(NotifyError::SignatureInvalid);
    }
    Ok(VerifiedNotification {
        params: params
            .into_iter()
            .filter(|(k, v)| !v.is_empty() && k != "sign" && k != "sign_type")
            .collect(),
        sign_content: content,
    })
}

/// Whether `name=value`, joined into the sign content, would be read back as other
/// parameters: a name holding `=` or `&` (or empty), or a value in which an `&` is
/// followed by a segment holding `=` (`1&total_amount=88.88`). A value's lone `&`, as in
/// `测试商品 & more`, cannot start another parameter and is fine.
fn resplits(name: &str, value: &str) -> bool {
    name.is_empty()
        || name.contains(['=', '&'])
        || value
            .split('&')
            .skip(1)
            .any(|segment| segment.contains('='))
}

/// A parameter name as it may appear in error text: it comes from an unverified body,
/// so only a short run of name characters is shown.
fn display_name(name: &[u8]) -> String {
    const MAX: usize = 40;
    let ok = !name.is_empty()
        && name.len() <= MAX
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    // A run of digits may be an ID or phone number someone used as a name.
    let digits = name.iter().filter(|b| b.is_ascii_digit()).count();
    if ok && digits < 6 {
        String::from_utf8_lossy(name).into_owned()
    } else {
        format!("<{} bytes, not shown>", name.len())
    }
}
