//! The sans-IO steps of one call, shared by every client: sign one attempt, and turn
//! the bytes of an answer into a verified result or an [`Error`]. No network, no clock.

use std::time::SystemTime;

use alipay_protocol::cert::CertError;
use alipay_protocol::decode::{DecodeError, deserialize_node};
use alipay_protocol::redact::sanitize_unverified;
use alipay_protocol::{
    AesKey, Call, CertMaterial, Charset, Checked, CommonParams, ResponseError, SignError, SignType,
    SignedNode, Timestamp, UnsignedRequest, ValidationError, VerifiedResponse, Verifier,
    verify_response_with,
};
use serde::de::DeserializeOwned;

use crate::config::CallOptions;
use crate::error::{
    AnswerError, Error, GatewayError, MalformedResponse, SignatureMismatch,
    UnknownAlipayCertificate, VerifyError,
};
use crate::trust::Trust;

/// Builds one attempt of a call, ready to be signed. Called again for every retry so
/// that each attempt carries a fresh timestamp and signature over the same
/// `biz_content`.
pub(crate) fn prepare_attempt(
    common: &CommonParams,
    method: &str,
    biz_content: Option<&str>,
    options: &CallOptions,
    now: SystemTime,
    aes: Option<&AesKey>,
) -> Result<UnsignedRequest, Error> {
    build_attempt(common, method, biz_content, None, options, now, aes)
}

/// [`prepare_attempt`] of a single attempt whose `biz_content` is owned: without
/// encryption its buffer becomes the sign content, so a large value is held once.
pub(crate) fn prepare_single(
    common: &CommonParams,
    method: &str,
    biz_content: String,
    options: &CallOptions,
    now: SystemTime,
    aes: Option<&AesKey>,
) -> Result<UnsignedRequest, Error> {
    match aes {
        Some(_) => build_attempt(common, method, Some(&biz_content), None, options, now, aes),
        None => build_attempt(common, method, None, Some(biz_content), options, now, aes),
    }
}

fn build_attempt(
    common: &CommonParams,
    method: &str,
    biz_content: Option<&str>,
    owned_biz: Option<String>,
    options: &CallOptions,
    now: SystemTime,
    aes: Option<&AesKey>,
) -> Result<UnsignedRequest, Error> {
    let with_auth_token;
    let common = match &options.auth_token {
        Some(token) => {
            let mut c = common.clone();
            c.extra.push(("auth_token".into(), token.clone()));
            with_auth_token = c;
            &with_auth_token
        }
        None => common,
    };
    let call = Call {
        method,
        biz_content,
        timestamp: Timestamp::from_system_time(now),
        app_auth_token: options.app_auth_token.as_deref(),
    };
    let unsigned = match (aes, owned_biz) {
        (_, Some(biz)) => UnsignedRequest::with_biz_content(common, &call, biz),
        (Some(key), None) => UnsignedRequest::new_encrypted(common, &call, key),
        (None, None) => UnsignedRequest::new(common, &call),
    };
    unsigned.map_err(sign_error)
}

/// The call error for a failure to build or sign a request.
pub(crate) fn sign_error(e: SignError) -> Error {
    match e {
        // A character the charset cannot carry is a property of the request value.
        SignError::Unencodable { param, charset } => {
            Error::InvalidRequest(ValidationError::Invalid {
                field: param,
                reason: format!("contains a character that {charset} cannot encode; use utf-8"),
            })
        }
        other => Error::Signing(other),
    }
}

/// A verified success (`code == 10000`).
#[derive(Debug)]
pub(crate) struct Success {
    pub(crate) response: VerifiedResponse,
}

/// What the response is checked against.
pub(crate) struct Expect<'a> {
    pub(crate) method: &'a str,
    pub(crate) sign_type: SignType,
    pub(crate) charset: Charset,
    pub(crate) trust: &'a Trust,
    pub(crate) aes: Option<&'a AesKey>,
    /// The client clock's time of this attempt: certificates must be valid then.
    pub(crate) now: Timestamp,
    /// What this attempt signed, for diagnosing `isv.invalid-signature`.
    pub(crate) our_sign_content: &'a str,
}

/// Verifies the body of a 2xx answer and classifies it. A business "not passed"
/// result has `code == 10000` and is a success here.
pub(crate) fn interpret(
    body: &[u8],
    expect: &Expect<'_>,
    trace_id: Option<&str>,
) -> Result<Success, Error> {
    let certs = expect.trust.read_certs();
    let checked = match (expect.trust, &certs) {
        (_, Some(material)) => verify_response_with(
            body,
            expect.method,
            expect.sign_type,
            expect.charset,
            |node: &SignedNode<'_>| select_certificate(material, node, expect.now),
        ),
        (Trust::PublicKey(verifier), None) => verify_response_with(
            body,
            expect.method,
            expect.sign_type,
            expect.charset,
            |_: &SignedNode<'_>| Ok::<_, Rejection>(&**verifier as &dyn Verifier),
        ),
        // read_certs() is Some exactly for Trust::Certificates.
        (Trust::Certificates(_), None) => Err(Rejection::NoCertSn),
    };
    let key_hint = || match (&certs, expect.trust) {
        (Some(material), _) => material.alipay_public_key().fingerprint(),
        (None, Trust::PublicKey(verifier)) => verifier
            .key_fingerprint()
            .unwrap_or_else(|| "of a custom verifier".into()),
        (None, Trust::Certificates(_)) => "unknown".into(),
    };
    let checked = checked.map_err(|rejection| match rejection {
        Rejection::Response(ResponseError::Malformed { reason }) => Error::Answer(
            AnswerError::Malformed(MalformedResponse::new(unverified_reason(&reason))),
        ),
        Rejection::Response(ResponseError::SignatureInvalid {
            node,
            sign_type,
            key_hint,
            ..
        }) => Error::Verify(VerifyError::SignatureMismatch(SignatureMismatch {
            node: node.key().to_owned(),
            sign_type,
            key_fingerprint: key_hint,
            missing: false,
        })),
        Rejection::Response(ResponseError::UnsignedSuccess { node }) => {
            Error::Verify(VerifyError::SignatureMismatch(SignatureMismatch {
                node: node.key().to_owned(),
                sign_type: expect.sign_type,
                key_fingerprint: key_hint(),
                missing: true,
            }))
        }
        // ResponseError is non-exhaustive; a future rejection is still a rejection.
        Rejection::Response(other) => Error::Answer(AnswerError::Malformed(
            MalformedResponse::new(unverified_reason(&other.to_string())),
        )),
        Rejection::UnknownSn(sn) => Error::Verify(VerifyError::UnknownAlipayCertificate(
            UnknownAlipayCertificate {
                sn,
                known: certs
                    .as_ref()
                    .map(|m| m.alipay_cert_sns().into_iter().map(str::to_owned).collect())
                    .unwrap_or_default(),
            },
        )),
        Rejection::Certificate(e) => Error::Verify(VerifyError::CertificateInvalid(e)),
        Rejection::NoCertSn => Error::Answer(AnswerError::Malformed(MalformedResponse::new(
            "the client is in certificate mode but this signed, non-error answer \
                     carries no `alipay_cert_sn`, so it cannot be tied to an Alipay \
                     certificate; refusing it (as the official Java SDK does). Check that \
                     the app is set to public-key certificate mode (公钥证书模式) in the \
                     Alipay console and that the gateway URL is Alipay's",
        ))),
    })?;
    drop(certs);
    let trace_id = trace_id.map(str::to_owned);
    match checked {
        Checked::UnsignedError(unsigned) => {
            Err(Error::Gateway(Box::new(GatewayError::from_status(
                &unsigned.status,
                false,
                unsigned.raw,
                trace_id,
                expect.our_sign_content,
            ))))
        }
        Checked::Verified(response) => {
            // Verified over the ciphertext token first, then decrypted (protocol.md §7).
            let response = match (response.is_encrypted(), expect.aes) {
                (false, _) => response,
                (true, Some(key)) => response.decrypt(key, expect.charset).map_err(|e| {
                    Error::Answer(AnswerError::Malformed(MalformedResponse::new(
                        unverified_reason(&match e {
                            ResponseError::Malformed { reason } => reason,
                            other => other.to_string(),
                        }),
                    )))
                })?,
                (true, None) => {
                    return Err(Error::Answer(AnswerError::Malformed(
                        MalformedResponse::new(
                            "the response is AES-encrypted (a JSON string) and no AES key \
                                 is configured; set ClientBuilder::aes_key to the app's \
                                 接口内容加密密钥, or turn content encryption off for this app",
                        ),
                    )));
                }
            };
            let Some(status) = response.status() else {
                return Err(Error::Answer(AnswerError::Malformed(
                    MalformedResponse::new("the decrypted response has no result fields"),
                )));
            };
            if !status.is_success() {
                return Err(Error::Gateway(Box::new(GatewayError::from_status(
                    status,
                    true,
                    response.raw().to_owned(),
                    trace_id,
                    expect.our_sign_content,
                ))));
            }
            Ok(Success { response })
        }
    }
}

/// Why a body was refused before or during verification.
enum Rejection {
    Response(ResponseError),
    /// Certificate mode: `alipay_cert_sn` names a certificate the client lacks.
    UnknownSn(String),
    /// Certificate mode: a signed non-error answer without `alipay_cert_sn`.
    NoCertSn,
    /// Certificate mode: the named certificate is not valid now.
    Certificate(CertError),
}

impl From<ResponseError> for Rejection {
    fn from(e: ResponseError) -> Self {
        Rejection::Response(e)
    }
}

/// Certificate mode: the key of the certificate the answer names. A signed error
/// without `alipay_cert_sn` is checked with the current certificate (it carries no
/// data to trust); a success without it is refused, as the Java SDK refuses it.
fn select_certificate<'m>(
    material: &'m CertMaterial,
    node: &SignedNode<'_>,
    now: Timestamp,
) -> Result<&'m dyn Verifier, Rejection> {
    let sn = match node.alipay_cert_sn {
        // The serial arrives unverified and ends up in error text: only a hex serial
        // (32 characters from Alipay) is looked up and shown.
        Some(sn) if sn.len() > 64 || !sn.bytes().all(|b| b.is_ascii_hexdigit()) => {
            return Err(Rejection::Response(ResponseError::Malformed {
                reason: "`alipay_cert_sn` is not a certificate serial (hex digits)".into(),
            }));
        }
        Some(sn) => Some(sn),
        None if node.is_error() => None,
        None => return Err(Rejection::NoCertSn),
    };
    material
        .verifier_for_at(sn, now)
        .map(|key| key as &dyn Verifier)
        .map_err(|e| match e {
            CertError::UnknownAlipayCertSn { sn } => Rejection::UnknownSn(sn),
            other => Rejection::Certificate(other),
        })
}

/// The most characters of a protocol-layer rejection reason that are kept.
const REASON_CAP: usize = 300;

/// A reason the protocol layer gave for refusing a body. Most of it is our own text,
/// but it can name parts of the body (a duplicated top-level key), which is
/// unverified: it is shown only as unverified text is.
fn unverified_reason(reason: &str) -> String {
    sanitize_unverified(reason, REASON_CAP)
}

/// Decodes a verified node into a method's response type. A node that does not fit
/// keeps its verified text in the error, so nothing verified is lost.
pub(crate) fn decode_node<R: alipay_protocol::ApiMethod>(raw: &str) -> Result<R::Response, Error> {
    R::decode_response(raw).map_err(|e| malformed_node(e, raw))
}

/// Deserializes a verified node into any serde type, naming the JSON path of a
/// mismatch. The message never quotes the offending value (it may be personal data).
pub(crate) fn parse_node<T: DeserializeOwned>(raw: &str) -> Result<T, Error> {
    deserialize_node(raw).map_err(|e| malformed_node(e, raw))
}

fn malformed_node(e: DecodeError, raw: &str) -> Error {
    Error::Answer(AnswerError::Malformed(MalformedResponse::decode(e, raw)))
}

/// Checks that raw `biz_content` is JSON before anything is signed; reports only the
/// position of a syntax error, never the text.
pub(crate) fn check_biz_content_json(biz_content: &str) -> Result<(), Error> {
    // The gateway reads biz_content as a JSON object; a string, array or number would
    // be sent, signed, and refused by the gateway with a less helpful error.
    if !biz_content.trim_start().starts_with('{') {
        return Err(Error::InvalidRequest(ValidationError::Invalid {
            field: "biz_content".into(),
            reason: "must be a JSON object (`{...}`)".into(),
        }));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(biz_content)
        .map(|_| ())
        .map_err(|e| {
            Error::InvalidRequest(ValidationError::Invalid {
                field: "biz_content".into(),
                reason: format!(
                    "is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            })
        })
}

/// Checks a method name given as a string (`execute_raw`): dotted lowercase words.
pub(crate) fn check_method_name(method: &str) -> Result<(), Error> {
    let ok = !method.is_empty()
        && method.len() <= 128
        && !method.starts_with('.')
        && !method.ends_with('.')
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRequest(ValidationError::Invalid {
            field: "method".into(),
            reason: "must be a dotted method name such as `alipay.trade.query`".into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_parse_never_quotes_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Node {
            count: u32,
        }
        for (raw, problem) in [
            (
                r#"{"count":"收委 260104197909275964"}"#,
                "invalid type: found a string, expected u32",
            ),
            (
                r#""收委 260104197909275964""#,
                "invalid type: found a string, expected struct Node",
            ),
            (
                r#"{"count":1,"count":"260104197909275964"}"#,
                "duplicate field `count`",
            ),
        ] {
            let err = parse_node::<Node>(raw).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("收委"), "{shown}");
            assert!(!shown.contains("2601"), "{shown}");
            assert!(shown.contains(problem), "{shown}");
        }
    }

    #[test]
    fn protocol_reasons_are_shown_as_unverified_text() {
        let reason = unverified_reason(
            "top-level key `收委\n260104197909275964\u{1b}[0m` appears more than once; refusing",
        );
        assert_eq!(
            reason,
            "top-level key `收委 ****************** [0m` appears more than once; refusing"
        );
    }

    #[test]
    fn typed_parse_names_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            count: u32,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            items: Vec<Inner>,
        }
        let err = parse_node::<Outer>(r#"{"items":[{"count":1},{"count":"收委"}]}"#).unwrap_err();
        let Some(m) = err.as_malformed() else {
            panic!("{err:?}")
        };
        assert_eq!(m.path(), Some("items[1].count"));
        assert!(!err.to_string().contains("收委"), "{err}");
    }

    #[test]
    fn raw_inputs_are_checked() {
        assert!(check_method_name("alipay.trade.query").is_ok());
        assert!(check_method_name("alipay trade").is_err());
        assert!(check_method_name("").is_err());
        assert!(check_biz_content_json("{\"a\":1}").is_ok());
        let err = check_biz_content_json("{\"cert_no\":\"2601").unwrap_err();
        assert!(!err.to_string().contains("2601"), "{err}");
    }
}
