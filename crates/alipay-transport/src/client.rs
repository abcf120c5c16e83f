//! The async client.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipay_protocol::v3::ReplayGuard;
use alipay_protocol::{
    AesKey, CallStyle, CommonParams, GatewayStatus, RequestParams, ServerMethod, SignedRequest,
    Timestamp, ValidationError, VerifiedResponse,
};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::builder::ClientBuilder;
use crate::config::{CallOptions, Protocol, RetryPolicy, SharedClock};
use crate::error::{
    AcceptCertificateError, AnswerError, Error, HttpStatusError, TransportError, TransportErrorKind,
};
use crate::exchange::{self, Expect};
use crate::http::HttpSettings;
use crate::signing::AnySigner;
use crate::trust::Trust;
use crate::{upload, wire};

/// Extra connection pools kept for per-call connect timeouts that differ from the
/// client's; beyond this many distinct values a pool is built per call.
const MAX_EXTRA_POOLS: usize = 4;

/// An async client for the Alipay OpenAPI gateway.
///
/// Cheap to clone: clones share one configuration, one parsed key pair and one
/// connection pool. Every response signature is verified; there is no switch to skip
/// it. See the crate documentation for an example.
#[derive(Clone)]
pub struct AlipayClient {
    inner: Arc<Inner>,
}

/// The state shared by clones (and by the blocking client).
pub(crate) struct Inner {
    pub(crate) common: CommonParams,
    pub(crate) signer: AnySigner,
    pub(crate) trust: Trust,
    pub(crate) aes: Option<AesKey>,
    pub(crate) app_key_fingerprint: Option<String>,
    pub(crate) alipay_key_fingerprint: Option<String>,
    pub(crate) host: String,
    pub(crate) gateway: String,
    pub(crate) http: reqwest::Client,
    pub(crate) http_settings: HttpSettings,
    pub(crate) extra_pools: Mutex<Vec<(Duration, reqwest::Client)>>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_response_size: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: SharedClock,
    /// The protocol typed calls go over unless a call says otherwise.
    pub(crate) protocol: Protocol,
    /// Where OpenAPI v3 paths are sent (the gateway URL without `/gateway.do`).
    pub(crate) v3_base: String,
    /// Freshness and replay state of v3 answers, shared by clones.
    pub(crate) replay: ReplayGuard,
}

impl fmt::Debug for AlipayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt_fields(f.debug_struct("AlipayClient"))
    }
}

impl Inner {
    /// Everything except secrets: keys appear only as fingerprints.
    pub(crate) fn fmt_fields(&self, mut d: fmt::DebugStruct<'_, '_>) -> fmt::Result {
        d.field("app_id", &self.common.app_id)
            .field("gateway", &self.host)
            .field("sign_type", &self.common.sign_type)
            .field("charset", &self.common.charset)
            .field("app_key_fingerprint", &self.app_key_fingerprint)
            .field("alipay_key_fingerprint", &self.alipay_key_fingerprint)
            // Serial numbers identify certificates; they are not secret.
            .field(
                "certificates",
                &self.trust.read_certs().map(|m| format!("{m:?}")),
            )
            .field("aes", &self.aes.is_some())
            .field(
                "app_auth_token",
                &self.common.app_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_size", &self.max_response_size)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// The raw verified node of a successful call (`code == 10000`), for methods without
/// a typed spec. Its `Debug` shows only the status and size: the node may hold
/// personal data.
#[derive(Clone)]
pub struct RawResponse {
    raw: String,
    status: GatewayStatus,
    trace_id: Option<String>,
}

impl RawResponse {
    /// The exact node text whose signature verified.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// `code`, `msg` (and, unusually for a success, `sub_code`/`sub_msg`).
    pub fn status(&self) -> &GatewayStatus {
        &self.status
    }

    /// The gateway's trace id, when the answer carried one.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The node as a JSON value.
    pub fn to_value(&self) -> Result<serde_json::Value, Error> {
        exchange::parse_node(&self.raw)
    }

    /// The node as a typed value; a mismatch names the JSON path.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Error> {
        exchange::parse_node(&self.raw)
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("trace_id", &self.trace_id)
            .field("bytes", &self.raw.len())
            .finish()
    }
}

/// A verified success and where it came from.
pub(crate) struct Answer {
    pub(crate) response: VerifiedResponse,
    pub(crate) trace_id: Option<String>,
}

impl AlipayClient {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder<AlipayClient> {
        ClientBuilder::default()
    }

    /// The shared state (page calls and uploads live in their own modules).
    pub(crate) fn inner_arc(&self) -> &Arc<Inner> {
        &self.inner
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Whether the client has an AES content-encryption key.
    pub(crate) fn aes_configured(&self) -> bool {
        self.inner.aes.is_some()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        AlipayClient {
            inner: Arc::new(inner),
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.inner.common.app_id
    }

    #[cfg(any(feature = "blocking", test))]
    pub(crate) fn inner_host(&self) -> &str {
        &self.inner.host
    }

    /// The gateway URL requests are posted to.
    pub fn gateway_url(&self) -> &str {
        &self.inner.gateway
    }

    /// Certificate mode: the SNs of the Alipay certificates responses may be signed
    /// with, oldest first (the configured one and any accepted since). Empty in
    /// public-key mode.
    pub fn alipay_cert_sns(&self) -> Vec<String> {
        self.inner
            .trust
            .read_certs()
            .map(|m| m.alipay_cert_sns().into_iter().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Certificate mode: accepts a rotated Alipay public-key certificate (PEM, DER or
    /// base64, e.g. from `alipay.open.app.alipaycert.download` after an
    /// [`VerifyError::UnknownAlipayCertificate`](crate::VerifyError::UnknownAlipayCertificate)) and returns its SN. It is accepted only if
    /// it chains to the configured root bundle (`alipayRootCert.crt`) at the client
    /// clock's time; it then becomes the current certificate for this client and all
    /// its clones, and the earlier ones stay valid for responses that name them.
    pub fn accept_alipay_certificate(
        &self,
        certificate: impl AsRef<[u8]>,
    ) -> Result<String, AcceptCertificateError> {
        let Trust::Certificates(lock) = &self.inner.trust else {
            return Err(AcceptCertificateError::NotCertificateMode);
        };
        let now = Timestamp::from_system_time(self.inner.clock.now());
        // Check on a copy, outside the write lock (a chain check verifies signatures);
        // concurrent acceptances each start from the state they saw, and the last one
        // wins, which only matters if two different certificates arrive at once.
        let mut updated = self
            .inner
            .trust
            .read_certs()
            .map(|m| m.clone())
            .ok_or(AcceptCertificateError::NotCertificateMode)?;
        let sn = updated
            .accept_rotated(certificate, now)
            .map_err(AcceptCertificateError::Rejected)?;
        let mut guard = lock
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = updated;
        drop(guard);
        tracing::info!(
            app_id = %self.inner.common.app_id,
            alipay_cert_sn = %sn,
            "accepted a rotated Alipay certificate"
        );
        Ok(sn)
    }

    /// Calls a typed method with the client's settings.
    ///
    /// Returns the verified, typed response node when the gateway answered `code
    /// 10000`; a business "not passed" result is such a value. Any other code is
    /// [`Error::Gateway`].
    ///
    /// Failed attempts are retried within the [`RetryPolicy`]: always when the request
    /// cannot have reached the gateway, and after it may have (a timeout after
    /// sending, a verified `20000`) only if the method declares an idempotency key
    /// ([`ApiMethod::IDEMPOTENCY_KEY`]); every attempt carries the same key.
    pub fn execute<R: ServerMethod>(
        &self,
        request: &R,
    ) -> impl Future<Output = Result<R::Response, Error>> + Send + use<R> {
        self.execute_with(request, CallOptions::default())
    }

    /// Calls a typed method with per-call overrides.
    ///
    /// The request is validated and its `biz_content` serialized once, before
    /// anything is sent; the returned future does not borrow `self` or `request`
    /// (it can be spawned when `R` is `'static`).
    pub fn execute_with<R: ServerMethod>(
        &self,
        request: &R,
        options: CallOptions,
    ) -> impl Future<Output = Result<R::Response, Error>> + Send + use<R> {
        let inner = Arc::clone(&self.inner);
        let span = call_span(R::METHOD, &inner.common.app_id);
        let aes = inner.aes.is_some();
        let v3_endpoint = match options.protocol.unwrap_or(inner.protocol) {
            Protocol::V3 => R::V3_ENDPOINT,
            _ => None,
        };
        span.record(
            "protocol",
            if v3_endpoint.is_some() {
                "v3"
            } else {
                "gateway.do"
            },
        );
        let prepared = span.in_scope(|| {
            if R::CALL_STYLE != CallStyle::ServerCall {
                return Err(Error::InvalidRequest(ValidationError::Invalid {
                    field: "method".into(),
                    reason: format!(
                        "{} is a page-redirect method: build its URL and send the user's \
                         browser there instead of executing it",
                        R::METHOD
                    ),
                }));
            }
            upload::check_encryption::<R>(aes)?;
            let params = request.request_params().map_err(Error::InvalidRequest)?;
            let Some(endpoint) = v3_endpoint else {
                return Ok(Prepared::GatewayDo(params.into_owned()));
            };
            crate::v3::check_options(&options, &inner)?;
            let biz = params.into_only_biz_content().map_err(|_| {
                Error::InvalidRequest(ValidationError::Invalid {
                    field: "method".into(),
                    reason: format!(
                        "{} sends top-level form parameters, which its v3 endpoint does \
                         not describe; send it over gateway.do",
                        R::METHOD
                    ),
                })
            })?;
            crate::v3::typed_send(endpoint, &biz)
                .map(Prepared::V3)
                .map_err(Error::InvalidRequest)
        });
        async move {
            let prepared = match prepared {
                Ok(prepared) => prepared,
                Err(e) => return Err(record_failure(e)),
            };
            let idempotent = R::IDEMPOTENCY_KEY.is_some() || options.idempotent;
            match prepared {
                Prepared::GatewayDo(params) => {
                    let answer = inner
                        .run(&options, idempotent, R::ERROR_CODES, || {
                            inner.attempt(R::METHOD, &params, &options)
                        })
                        .await?;
                    exchange::decode_node::<R>(answer.response.raw()).map_err(record_failure)
                }
                Prepared::V3(send) => {
                    let (answer, _) = inner
                        .run_v3(&send, &options, idempotent, R::ERROR_CODES)
                        .await?;
                    exchange::decode_node::<R>(answer.body()).map_err(record_failure)
                }
            }
        }
        .instrument(span)
    }

    /// The signed request [`execute`](Self::execute) would send now, without sending
    /// it: the parameters, the sign content and the signature, using the client's keys
    /// and clock. With a fixed clock the result is deterministic (PKCS#1 v1.5
    /// signatures are), so integrations can snapshot-test their envelopes. For a
    /// page-redirect method, [`SignedRequest::url`](alipay_protocol::SignedRequest::url)
    /// plus [`SignedRequest::body`](alipay_protocol::SignedRequest::body) (or
    /// [`all_params_encoded`](alipay_protocol::SignedRequest::all_params_encoded)) is
    /// where to send the user's browser.
    ///
    /// The result holds `biz_content` (personal data): its `Debug` shows only sizes.
    /// With an [`async_signer`](crate::ClientBuilder::async_signer) it fails with
    /// [`Error::Signing`]: it signs synchronously.
    pub fn prepare<R: ServerMethod>(&self, request: &R) -> Result<SignedRequest, Error> {
        self.prepare_with(request, &CallOptions::default())
    }

    /// [`prepare`](Self::prepare) with per-call overrides (tokens).
    pub fn prepare_with<R: ServerMethod>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<SignedRequest, Error> {
        upload::check_encryption::<R>(self.aes_configured())?;
        let params = request.request_params().map_err(Error::InvalidRequest)?;
        let (common, now, aes) = (
            &self.inner.common,
            self.inner.clock.now(),
            self.inner.aes.as_ref(),
        );
        let unsigned = match params.into_only_biz_content() {
            // One attempt: the biz_content buffer itself becomes the sign content.
            Ok(biz) => exchange::prepare_single(common, R::METHOD, biz, options, now, aes)?,
            Err(params) => upload::prepare_params(common, R::METHOD, &params, options, now, aes)?,
        };
        self.inner
            .signer
            .sign_now(unsigned)
            .map_err(exchange::sign_error)
    }

    /// Calls a method that has no typed spec: `biz_content` is JSON text (empty for
    /// none). The response is verified exactly like a typed call.
    ///
    /// Without a spec nothing says the method is idempotent, so a raw call is sent
    /// again only when it cannot have reached the gateway (no connection could be
    /// made), never after a timeout or a gateway error; see
    /// [`CallOptions::idempotent`] for methods you know to be idempotent.
    pub fn execute_raw(
        &self,
        method: &str,
        biz_content: &str,
    ) -> impl Future<Output = Result<RawResponse, Error>> + Send + 'static + use<> {
        self.execute_raw_with(method, biz_content, CallOptions::default())
    }

    /// [`execute_raw`](Self::execute_raw) with per-call overrides.
    pub fn execute_raw_with(
        &self,
        method: &str,
        biz_content: &str,
        options: CallOptions,
    ) -> impl Future<Output = Result<RawResponse, Error>> + Send + 'static + use<> {
        let checked = if biz_content.is_empty() {
            Ok(RequestParams::form())
        } else {
            exchange::check_biz_content_json(biz_content)
                .map(|()| RequestParams::biz_content(biz_content.to_owned()))
        };
        self.raw(method, checked, options)
    }

    /// Calls a method that has no typed spec with any parameters: top-level text
    /// parameters (signed) and files (sent as unsigned `multipart/form-data` parts),
    /// and/or `biz_content` (sent as given, not checked). Verified like a typed call.
    pub fn execute_raw_params_with(
        &self,
        method: &str,
        params: RequestParams<'static>,
        options: CallOptions,
    ) -> impl Future<Output = Result<RawResponse, Error>> + Send + 'static + use<> {
        self.raw(method, Ok(params), options)
    }

    fn raw(
        &self,
        method: &str,
        params: Result<RequestParams<'static>, Error>,
        options: CallOptions,
    ) -> impl Future<Output = Result<RawResponse, Error>> + Send + 'static + use<> {
        let inner = Arc::clone(&self.inner);
        let checked = exchange::check_method_name(method).and(params);
        // An invalid name is not logged: it may be anything the caller passed.
        let span_method = if checked.is_ok() { method } else { "<invalid>" };
        let span = call_span(span_method, &inner.common.app_id);
        span.record("protocol", "gateway.do");
        let method = method.to_owned();
        async move {
            let params = match checked {
                Ok(params) => params,
                Err(e) => return Err(record_failure(e)),
            };
            // A raw call has no spec to declare an idempotency key: only the caller can.
            let answer = inner
                .run(&options, options.idempotent, &[], || {
                    inner.attempt(&method, &params, &options)
                })
                .await?;
            let status = answer.response.status().cloned().unwrap_or_default();
            Ok(RawResponse {
                raw: answer.response.raw().to_owned(),
                status,
                trace_id: answer.trace_id,
            })
        }
        .instrument(span)
    }
}

/// One span per call. Only non-personal fields: no `biz_content`, sign content, keys
/// or response data.
pub(crate) fn call_span(method: &str, app_id: &str) -> tracing::Span {
    tracing::info_span!(
        "alipay.call",
        method = method,
        app_id = app_id,
        protocol = Empty,
        attempt = Empty,
        latency_ms = Empty,
        code = Empty,
        sub_code = Empty,
        trace_id = Empty,
        outcome = Empty,
    )
}

/// Records a failure that happened outside the send loop on the current span.
pub(crate) fn record_failure(e: Error) -> Error {
    let span = tracing::Span::current();
    span.record("outcome", e.kind_name());
    tracing::debug!(error = %e.log_text(), "alipay call failed");
    e
}

impl Inner {
    /// Sends the call, retrying what is safe to retry, and records the outcome on the
    /// current span. `idempotent`: the gateway deduplicates the call (its spec
    /// declares an idempotency key, or the caller said so), so it may be sent again
    /// even after it may have reached the gateway.
    pub(crate) async fn run<A: Recorded, F, Fut>(
        &self,
        options: &CallOptions,
        idempotent: bool,
        error_codes: &'static [alipay_protocol::ErrorCodeDoc],
        mut attempt_once: F,
    ) -> Result<A, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<A, Error>>,
    {
        let span = tracing::Span::current();
        let started = Instant::now();
        let policy = options.retry.unwrap_or(self.retry);
        let mut attempt: u32 = 0;
        let mut result = loop {
            attempt += 1;
            span.record("attempt", attempt);
            let result = attempt_once()
                .await
                .map_err(|e| e.documented_by(error_codes));
            let Err(e) = &result else {
                break result;
            };
            let retryable = e.is_retryable() || (idempotent && e.is_retryable_if_idempotent());
            if !retryable || attempt > policy.max_retries {
                if !retryable && e.is_retryable_if_idempotent() && policy.max_retries > 0 {
                    tracing::debug!(
                        error = e.kind_name(),
                        "not retrying: the request may have reached the gateway and the call \
                         is not idempotent"
                    );
                }
                break result;
            }
            let delay = policy.delay(attempt, wire::jitter_random());
            tracing::warn!(
                attempt,
                error = e.kind_name(),
                code = e.as_gateway().map(|g| g.shown_code().into_owned()),
                delay_ms = delay.as_millis() as u64,
                "alipay call failed, retrying"
            );
            tokio::time::sleep(delay).await;
        };
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match &mut result {
            Ok(answer) => {
                answer.record(&span);
                span.record("outcome", "ok");
                tracing::debug!("alipay call succeeded");
            }
            Err(e) => {
                if let Error::Transport(t) = e {
                    t.attempts = attempt;
                }
                if let Some(g) = e.as_gateway() {
                    // An unsigned answer's codes are recorded sanitised; its messages never.
                    span.record("code", &*g.shown_code());
                    if let Some(sub) = g.shown_sub_code() {
                        span.record("sub_code", &*sub);
                    }
                }
                span.record("outcome", e.kind_name());
                tracing::debug!(error = %e.log_text(), "alipay call failed");
            }
        }
        result
    }

    /// One signed HTTP exchange.
    pub(crate) async fn attempt(
        &self,
        method: &str,
        params: &RequestParams<'_>,
        options: &CallOptions,
    ) -> Result<Answer, Error> {
        // One reading per attempt: the request's timestamp and the time certificates
        // must be valid at are the same instant.
        let now = self.clock.now();
        let unsigned = upload::prepare_params(
            &self.common,
            method,
            params,
            options,
            now,
            self.aes.as_ref(),
        )?;
        // A remote signer is awaited here, so the runtime keeps serving other tasks.
        let signed = self
            .signer
            .sign(unsigned)
            .await
            .map_err(exchange::sign_error)?;
        let http = self.http_for(options.connect_timeout)?;
        let request = http
            .post(signed.url(&self.gateway))
            .header(ACCEPT, "application/json")
            .timeout(options.timeout.unwrap_or(self.timeout));
        let request = if params.has_files() {
            let (content_type, len, body) = upload::multipart(&signed, params).await?;
            tracing::trace!(body_bytes = len, "sending multipart request");
            request
                .header(CONTENT_TYPE, content_type)
                .header(CONTENT_LENGTH, len)
                .body(body)
        } else {
            let body = signed.body();
            tracing::trace!(body_bytes = body.len(), "sending request");
            request
                .header(CONTENT_TYPE, signed.content_type())
                .body(body)
        };
        let (mut response, trace_id) = self.send(request).await?;
        let status = response.status();
        if !status.is_success() {
            let prefix = wire::read_prefix(&mut response, wire::ERROR_BODY_READ_LIMIT).await;
            return Err(Error::Answer(AnswerError::HttpStatus(HttpStatusError {
                status: status.as_u16(),
                reason: status.canonical_reason(),
                excerpt: wire::excerpt(&prefix),
                trace_id,
            })));
        }
        let body = wire::read_bounded(&mut response, self.max_response_size, &self.host).await?;
        tracing::trace!(
            body_bytes = body.len(),
            http_status = status.as_u16(),
            "answer received"
        );
        let expect = Expect {
            method,
            sign_type: self.common.sign_type,
            charset: self.common.charset,
            trust: &self.trust,
            aes: self.aes.as_ref(),
            now: Timestamp::from_system_time(now),
            our_sign_content: signed.sign_content(),
        };
        let success = exchange::interpret(&body, &expect, trace_id.as_deref())?;
        Ok(Answer {
            response: success.response,
            trace_id,
        })
    }

    /// Sends one request; the answer's trace id, when it has one, goes on the span.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::Response, Option<String>), Error> {
        let response = request
            .send()
            .await
            .map_err(|e| Error::Transport(wire::send_error(e, &self.host)))?;
        let trace_id = wire::trace_id(response.headers());
        if let Some(id) = &trace_id {
            tracing::Span::current().record("trace_id", id.as_str());
        }
        Ok((response, trace_id))
    }

    /// The HTTP client for a per-call connect timeout (reqwest fixes it per pool).
    pub(crate) fn http_for(
        &self,
        connect_timeout: Option<Duration>,
    ) -> Result<reqwest::Client, Error> {
        let wanted = match connect_timeout {
            Some(t) if t != self.connect_timeout => t,
            _ => return Ok(self.http.clone()),
        };
        let mut pools = self
            .extra_pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, client)) = pools.iter().find(|(t, _)| *t == wanted) {
            return Ok(client.clone());
        }
        let client = self.http_settings.client(wanted).map_err(|e| {
            Error::Transport(TransportError::new(
                TransportErrorKind::Other,
                &self.host,
                Some(Box::new(e)),
            ))
        })?;
        if pools.len() < MAX_EXTRA_POOLS {
            pools.push((wanted, client.clone()));
        }
        Ok(client)
    }
}

/// What a typed call sends: `gateway.do` parameters, or a v3 call.
enum Prepared {
    GatewayDo(RequestParams<'static>),
    V3(crate::v3::V3Send),
}

/// A successful answer records what it says on the call's span.
pub(crate) trait Recorded {
    fn record(&self, span: &tracing::Span);
}

impl Recorded for Answer {
    fn record(&self, span: &tracing::Span) {
        if let Some(status) = self.response.status() {
            span.record("code", status.code.as_str());
            if let Some(sub) = &status.sub_code {
                span.record("sub_code", sub.as_str());
            }
        }
    }
}

impl Recorded for (alipay_protocol::v3::V3VerifiedResponse, Option<String>) {
    fn record(&self, span: &tracing::Span) {
        // v3 answers carry no result code; the HTTP status is theirs.
        span.record("code", self.0.status());
    }
}
