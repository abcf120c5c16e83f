//! OpenAPI v3 over HTTP: a typed call whose spec declares a v3 endpoint (with
//! [`Protocol::V3`](crate::Protocol::V3)), and [`AlipayClient::execute_raw_v3`] for
//! paths without a spec. The sans-IO parts (auth string, sign string, answer checks)
//! are `alipay_protocol::v3`; this module sends, receives, and maps the outcomes onto
//! the one [`Error`] type the `gateway.do` calls use.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use alipay_protocol::v3::{
    self, NonceSource as _, RandomNonce, UnsignedV3Request, V3Body, V3Call, V3Checked, V3Identity,
    V3Payload, V3ResponseError, V3ResponseHeaders, V3Trust, V3VerifiedResponse, V3VerifyOptions,
};
use alipay_protocol::{SignError, SignType, ValidationError};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::client::{AlipayClient, Inner, call_span, record_failure};
use crate::config::CallOptions;
use crate::error::{
    AnswerError, Error, GatewayError, HttpStatusError, MalformedResponse, SignatureMismatch,
    UnknownAlipayCertificate, VerifyError,
};
use crate::trust::Trust;
use crate::{exchange, wire};

/// One v3 call as it is sent on every attempt: the method, the path with its query
/// (exactly what is signed) and the JSON body. Each attempt signs it afresh with a new
/// nonce and timestamp.
pub(crate) struct V3Send {
    pub(crate) http_method: String,
    pub(crate) path_and_query: String,
    pub(crate) body: Option<String>,
    /// `METHOD path` for spans and error text: the spec's path template for a typed
    /// call (a filled-in path parameter may be business data), the path without its
    /// query for a raw one.
    pub(crate) label: String,
}

/// The most characters of a raw call's path shown in spans and errors.
const LABEL_PATH_CAP: usize = 120;

/// A verified OpenAPI v3 answer of [`AlipayClient::execute_raw_v3`].
pub struct RawV3Response {
    verified: V3VerifiedResponse,
    trace_id: Option<String>,
}

impl RawV3Response {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.verified.status()
    }

    /// The verified body, exactly the bytes the signature covered (decrypted when the
    /// answer was AES ciphertext); may be empty.
    pub fn body(&self) -> &str {
        self.verified.body()
    }

    /// Whether the answer was AES ciphertext, verified and then decrypted.
    pub fn was_encrypted(&self) -> bool {
        self.verified.was_encrypted()
    }

    /// The gateway's trace id, when the answer carried one.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The verified body as a JSON value.
    pub fn to_value(&self) -> Result<serde_json::Value, Error> {
        self.parse()
    }

    /// Deserializes the verified body; a mismatch names the JSON path, never a value.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Error> {
        exchange::parse_node(self.body())
    }
}

impl fmt::Debug for RawV3Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body is business data (names, ID numbers): sizes only.
        f.debug_struct("RawV3Response")
            .field("status", &self.status())
            .field("body_bytes", &self.body().len())
            .field("encrypted", &self.was_encrypted())
            .field("trace_id", &self.trace_id)
            .finish()
    }
}

impl AlipayClient {
    /// Calls an OpenAPI v3 path that has no typed spec: `http_method` (`GET`, `POST`,
    /// …), `path_and_query` as it is to be signed and sent (starting with `/v3/`,
    /// percent-encoded), and `body` as JSON text (empty for none). The answer is
    /// verified exactly like a typed call's: the signature headers before anything is
    /// read, the timestamp within the window, the nonce not seen before.
    ///
    /// `path_and_query` must reach the gateway exactly as signed: a path that URL
    /// parsing would change (dot segments, `%2e`, `\\`, a `#fragment`, characters it
    /// re-encodes) is refused before anything is signed.
    ///
    /// As with [`execute_raw`](Self::execute_raw), nothing says the call is
    /// idempotent, so it is sent again only when it cannot have reached the gateway;
    /// except `GET`, which HTTP defines as safe to repeat. See
    /// [`CallOptions::idempotent`] for others you know to be idempotent.
    pub fn execute_raw_v3(
        &self,
        http_method: &str,
        path_and_query: &str,
        body: &str,
    ) -> impl Future<Output = Result<RawV3Response, Error>> + Send + 'static + use<> {
        self.execute_raw_v3_with(http_method, path_and_query, body, CallOptions::default())
    }

    /// [`execute_raw_v3`](Self::execute_raw_v3) with per-call overrides.
    pub fn execute_raw_v3_with(
        &self,
        http_method: &str,
        path_and_query: &str,
        body: &str,
        options: CallOptions,
    ) -> impl Future<Output = Result<RawV3Response, Error>> + Send + 'static + use<> {
        let inner = Arc::clone(self.inner_arc());
        let checked = check_raw(http_method, path_and_query, body)
            .and_then(|send| check_options(&options, &inner).map(|()| send));
        // What the caller passed is logged only once it is known to be a plain path.
        let span_method = match &checked {
            Ok(send) => send.label.clone(),
            Err(_) => "<invalid>".to_owned(),
        };
        let span = call_span(&span_method, &inner.common.app_id);
        span.record("protocol", "v3");
        async move {
            let send = match checked {
                Ok(send) => send,
                Err(e) => return Err(record_failure(e)),
            };
            let idempotent = options.idempotent || send.http_method == "GET";
            let (verified, trace_id) = inner.run_v3(&send, &options, idempotent, &[]).await?;
            Ok(RawV3Response { verified, trace_id })
        }
        .instrument(span)
    }
}

fn check_raw(http_method: &str, path_and_query: &str, body: &str) -> Result<V3Send, Error> {
    let invalid = |field: &str, reason: &str| {
        Err(Error::InvalidRequest(ValidationError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }))
    };
    if !path_and_query.starts_with("/v3/") {
        return invalid("path_and_query", "must start with `/v3/`");
    }
    // HEAD is left out: its answer has no body, so no signature over one can verify.
    if !matches!(http_method, "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return invalid(
            "http_method",
            "must be GET, POST, PUT, PATCH or DELETE (upper case)",
        );
    }
    if !reaches_as_signed(path_and_query) {
        return invalid(
            "path_and_query",
            "would not reach the gateway as signed: URL parsing changes it (dot segments, \
             `%2e`, `\\`, a `#fragment`, spaces or characters that must be percent-encoded)",
        );
    }
    if !body.is_empty() {
        exchange::check_biz_content_json(body).map_err(|_| {
            Error::InvalidRequest(ValidationError::Invalid {
                field: "body".into(),
                reason: "must be a JSON object (`{...}`)".into(),
            })
        })?;
    }
    let path = path_and_query
        .split(['?', '#'])
        .next()
        .unwrap_or(path_and_query);
    let shown: String = path.chars().take(LABEL_PATH_CAP).collect();
    Ok(V3Send {
        http_method: http_method.to_owned(),
        path_and_query: path_and_query.to_owned(),
        body: (!body.is_empty()).then(|| body.to_owned()),
        label: format!("{http_method} {shown}"),
    })
}

/// Whether the URL parser reqwest sends with keeps `path_and_query` byte for byte: it
/// resolves dot segments (also `%2e` ones and `\\` separators), drops a fragment and
/// percent-encodes some characters, and the gateway checks the signature over the path
/// it receives.
fn reaches_as_signed(path_and_query: &str) -> bool {
    if path_and_query.contains('#') || !path_and_query.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let Ok(url) = reqwest::Url::parse(&format!("http://gateway.invalid{path_and_query}")) else {
        return false;
    };
    let mut sent = url.path().to_owned();
    if let Some(query) = url.query() {
        sent.push('?');
        sent.push_str(query);
    }
    sent == path_and_query
}

/// What a v3 call cannot carry is refused rather than dropped.
pub(crate) fn check_options(options: &CallOptions, inner: &Inner) -> Result<(), Error> {
    let refuse = |field: &str, reason: &str| {
        Err(Error::InvalidRequest(ValidationError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }))
    };
    if options.auth_token.is_some() {
        return refuse(
            "auth_token",
            "OpenAPI v3 has no `auth_token` parameter; send this call over gateway.do \
             (Protocol::GatewayDo)",
        );
    }
    if inner.common.notify_url.is_some() {
        return refuse(
            "notify_url",
            "the client sets a notify_url, which OpenAPI v3 does not carry (a v3 method \
             that notifies takes it in its body); send this call over gateway.do \
             (Protocol::GatewayDo) or build the client without notify_url",
        );
    }
    Ok(())
}

/// A typed request's v3 call: its validated `biz_content` split over the endpoint's
/// path, query and body.
pub(crate) fn typed_send(
    endpoint: v3::V3Endpoint,
    biz_content: &str,
) -> Result<V3Send, ValidationError> {
    let target = endpoint.target(biz_content)?;
    Ok(V3Send {
        http_method: endpoint.http_method.to_owned(),
        path_and_query: target.path_and_query,
        body: target.body,
        label: format!("{} {}", endpoint.http_method, endpoint.path),
    })
}

/// A verified 2xx answer and the trace id.
type V3Answer = (V3VerifiedResponse, Option<String>);

impl Inner {
    /// Sends a v3 call with the same retry loop, span fields and error type as
    /// `gateway.do` calls.
    pub(crate) async fn run_v3(
        &self,
        send: &V3Send,
        options: &CallOptions,
        idempotent: bool,
        error_codes: &'static [alipay_protocol::ErrorCodeDoc],
    ) -> Result<V3Answer, Error> {
        self.run(options, idempotent, error_codes, || {
            self.attempt_v3(send, options)
        })
        .await
    }

    /// One signed v3 exchange.
    async fn attempt_v3(&self, send: &V3Send, options: &CallOptions) -> Result<V3Answer, Error> {
        let now = self.clock.now();
        let timestamp = v3::epoch_millis(now).ok_or_else(|| {
            Error::Signing(SignError::backend(
                "the client clock reads a time before 1970; no request is signed with it",
            ))
        })?;
        let extra = |name: &str| {
            self.common
                .extra
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let identity = V3Identity {
            app_id: &self.common.app_id,
            app_cert_sn: extra("app_cert_sn"),
            alipay_root_cert_sn: extra("alipay_root_cert_sn"),
        };
        let body = match (&send.body, &self.aes) {
            (None, _) => V3Body::Empty,
            // As over gateway.do: with the app's AES key the business data is encrypted.
            (Some(json), Some(key)) => V3Body::Encrypted { json, key },
            (Some(json), None) => V3Body::Json(json),
        };
        let call = V3Call {
            http_method: &send.http_method,
            path_and_query: &send.path_and_query,
            body,
            app_auth_token: options
                .app_auth_token
                .as_deref()
                .or(self.common.app_auth_token.as_deref()),
        };
        let unsigned = UnsignedV3Request::new(&identity, &call, &RandomNonce.nonce(), timestamp)
            .map_err(|e| match e {
                v3::V3RequestError::Sign(e) => exchange::sign_error(e),
                v3::V3RequestError::InvalidField { field, problem } => {
                    Error::InvalidRequest(ValidationError::Invalid {
                        field: field.into(),
                        reason: problem.into(),
                    })
                }
                other => Error::InvalidRequest(ValidationError::Invalid {
                    field: "body".into(),
                    reason: other.to_string(),
                }),
            })?;
        let signed = self
            .signer
            .sign_v3(unsigned)
            .await
            .map_err(exchange::sign_error)?;
        let method = reqwest::Method::from_bytes(send.http_method.as_bytes()).map_err(|_| {
            Error::InvalidRequest(ValidationError::Invalid {
                field: "http_method".into(),
                reason: "is not an HTTP method".into(),
            })
        })?;
        let http = self.http_for(options.connect_timeout)?;
        let mut request = http
            .request(method, signed.url(&self.v3_base))
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, signed.authorization())
            .timeout(options.timeout.unwrap_or(self.timeout));
        for (name, value) in signed.headers() {
            request = request.header(*name, value);
        }
        if let V3Payload::Text { content_type, body } = signed.payload() {
            tracing::trace!(body_bytes = body.len(), "sending v3 request");
            request = request
                .header(CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let (mut response, trace_id) = self.send(request).await?;
        let status = response.status().as_u16();
        // A value that is not visible ASCII is kept as empty rather than dropped, so a
        // second copy of a signature header still counts as a duplicate (and refuses
        // the answer) and a lone one reads as missing.
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or_default();
                (name.as_str().to_owned(), value.to_owned())
            })
            .collect();
        // The whole body, also of an error: a signed error is verified over all of it.
        let body = wire::read_bounded(&mut response, self.max_response_size, &self.host).await?;
        tracing::trace!(
            body_bytes = body.len(),
            http_status = status,
            "v3 answer received"
        );
        // Freshness is judged when the answer has arrived, not when the request left.
        let received = self.clock.now();
        let verified = self.check_v3(send, status, &headers, &body, received, trace_id.clone())?;
        Ok((verified, trace_id))
    }

    /// Verifies one answer and maps every refusal and error answer onto [`Error`].
    fn check_v3(
        &self,
        send: &V3Send,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now: std::time::SystemTime,
        trace_id: Option<String>,
    ) -> Result<V3VerifiedResponse, Error> {
        let certs = self.trust.read_certs();
        let trust = match (&certs, &self.trust) {
            (Some(material), _) => V3Trust::Certificates(material),
            (None, Trust::PublicKey(verifier)) => V3Trust::Key(&**verifier),
            // read_certs() is Some exactly for Trust::Certificates.
            (None, Trust::Certificates(_)) => {
                return Err(Error::Answer(AnswerError::Malformed(
                    MalformedResponse::new("the client's certificates could not be read"),
                )));
            }
        };
        let checked =
            V3ResponseHeaders::from_pairs(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
                .and_then(|parsed| {
                    v3::verify_v3_response(
                        &parsed,
                        body,
                        &V3VerifyOptions {
                            status,
                            trust,
                            now,
                            replay: Some(&self.replay),
                            aes_key: self.aes.as_ref(),
                        },
                    )
                });
        let node = || format!("v3 {}", send.label);
        match checked {
            Ok(V3Checked::Verified(response)) => Ok(response),
            Ok(V3Checked::VerifiedError(e)) => Err(Error::Gateway(Box::new(
                GatewayError::from_v3(e.status, e.code, e.message, true, e.body, trace_id),
            ))),
            Ok(V3Checked::UnsignedError(e)) => match e.unverified_code() {
                // The v3 error object, unsigned: an unverified gateway error.
                Some(_) => Err(Error::Gateway(Box::new(GatewayError::from_v3(
                    e.status(),
                    e.unverified_code().map(str::to_owned),
                    e.unverified_message().map(str::to_owned),
                    false,
                    String::from_utf8_lossy(body).into_owned(),
                    trace_id,
                )))),
                // Anything else (a proxy's HTML page): an HTTP status error.
                None => {
                    let reason = reqwest::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason());
                    Err(Error::Answer(AnswerError::HttpStatus(HttpStatusError {
                        status,
                        reason,
                        excerpt: wire::excerpt(
                            &body[..body.len().min(wire::ERROR_BODY_READ_LIMIT)],
                        ),
                        trace_id,
                    })))
                }
            },
            Err(rejection) => Err(match rejection {
                V3ResponseError::SignatureInvalid { key_hint, .. } => {
                    Error::Verify(VerifyError::SignatureMismatch(SignatureMismatch {
                        node: node(),
                        sign_type: SignType::Rsa2,
                        key_fingerprint: key_hint,
                        missing: false,
                    }))
                }
                V3ResponseError::UnsignedSuccess { .. } => {
                    Error::Verify(VerifyError::SignatureMismatch(SignatureMismatch {
                        node: node(),
                        sign_type: SignType::Rsa2,
                        key_fingerprint: self.alipay_key_fingerprint.clone().unwrap_or_default(),
                        missing: true,
                    }))
                }
                V3ResponseError::UnknownAlipayCertificate { sn } => Error::Verify(
                    VerifyError::UnknownAlipayCertificate(UnknownAlipayCertificate {
                        sn,
                        known: certs
                            .as_ref()
                            .map(|m| m.alipay_cert_sns().into_iter().map(str::to_owned).collect())
                            .unwrap_or_default(),
                    }),
                ),
                V3ResponseError::Certificate(e) => {
                    Error::Verify(VerifyError::CertificateInvalid(e))
                }
                V3ResponseError::Replay(e) => Error::Verify(VerifyError::StaleOrReplayed(e)),
                // Malformed, and anything a later protocol version adds: its reason is
                // our own text about the answer's shape, never the answer's.
                other => Error::Answer(AnswerError::Malformed(MalformedResponse::new(
                    other.to_string(),
                ))),
            }),
        }
    }
}
