//! A blocking client with the same surface as the async one (feature `blocking`).
//!
//! # Why a private runtime
//!
//! The blocking client owns a small tokio runtime (one worker thread, shared by its
//! clones) and drives the async [`AlipayClient`](crate::AlipayClient) on it with
//! `block_on`. Signing, sending, retries, timeouts, the bounded read and verification
//! are therefore the exact same code for both clients; reqwest's own `blocking`
//! module would also run a tokio runtime on a background thread, but would need a
//! second copy of the send/retry/read loop. A multi-thread runtime with one worker
//! (rather than a current-thread one) keeps idle keep-alive connections serviced
//! between calls and lets several threads call one client at once.
//!
//! Calling it from inside an async runtime returns
//! [`crate::TransportErrorKind::BlockingInAsyncContext`]
//! instead of blocking (or panicking) the caller's runtime.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use alipay_protocol::ServerMethod;

use crate::builder::ClientBuilder;
use crate::client::RawResponse;
use crate::config::CallOptions;
use crate::error::{BuildError, Error, TransportError, TransportErrorKind};

/// A blocking client for the Alipay OpenAPI gateway. Cheap to clone; clones share the
/// configuration, the connection pool and the runtime thread.
#[derive(Clone)]
pub struct AlipayClient {
    client: crate::AlipayClient,
    runtime: Arc<Runtime>,
}

/// Shuts the runtime down without waiting when the last clone is dropped, so that
/// dropping the client inside an async context does not panic.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl fmt::Debug for AlipayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::AlipayClient")
            .field(&self.client)
            .finish()
    }
}

impl ClientBuilder<AlipayClient> {
    /// Builds the blocking client, checking every setting.
    pub fn build(self) -> Result<AlipayClient, BuildError> {
        let client = crate::AlipayClient::from_inner(self.build_inner()?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("alipay-blocking")
            .enable_all()
            .build()
            .map_err(|e| BuildError::HttpClient(Box::new(e)))?;
        Ok(AlipayClient {
            client,
            runtime: Arc::new(Runtime(Some(runtime))),
        })
    }
}

impl AlipayClient {
    /// A builder; the same settings as the async client's.
    pub fn builder() -> ClientBuilder<AlipayClient> {
        ClientBuilder::default()
    }

    /// The async client this one drives, sharing its configuration and pool.
    pub fn as_async(&self) -> &crate::AlipayClient {
        &self.client
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        self.client.app_id()
    }

    /// The gateway URL requests are posted to.
    pub fn gateway_url(&self) -> &str {
        self.client.gateway_url()
    }

    /// Certificate mode: the known Alipay certificate SNs; see
    /// [`crate::AlipayClient::alipay_cert_sns`].
    pub fn alipay_cert_sns(&self) -> Vec<String> {
        self.client.alipay_cert_sns()
    }

    /// Certificate mode: accepts a rotated Alipay certificate that chains to the
    /// configured root bundle; see [`crate::AlipayClient::accept_alipay_certificate`].
    pub fn accept_alipay_certificate(
        &self,
        certificate: impl AsRef<[u8]>,
    ) -> Result<String, crate::AcceptCertificateError> {
        self.client.accept_alipay_certificate(certificate)
    }

    /// Calls a typed method; see [`crate::AlipayClient::execute`].
    pub fn execute<R: ServerMethod>(&self, request: &R) -> Result<R::Response, Error> {
        self.execute_with(request, CallOptions::default())
    }

    /// Calls a typed method with per-call overrides.
    pub fn execute_with<R: ServerMethod>(
        &self,
        request: &R,
        options: CallOptions,
    ) -> Result<R::Response, Error> {
        self.ensure_not_async()?;
        self.block_on(self.client.execute_with(request, options))
    }

    /// The signed request a call would send now; see [`crate::AlipayClient::prepare`].
    pub fn prepare<R: ServerMethod>(
        &self,
        request: &R,
    ) -> Result<alipay_protocol::SignedRequest, Error> {
        self.client.prepare(request)
    }

    /// Calls a method without a typed spec; see [`crate::AlipayClient::execute_raw`].
    pub fn execute_raw(&self, method: &str, biz_content: &str) -> Result<RawResponse, Error> {
        self.execute_raw_with(method, biz_content, CallOptions::default())
    }

    /// [`execute_raw`](Self::execute_raw) with per-call overrides.
    pub fn execute_raw_with(
        &self,
        method: &str,
        biz_content: &str,
        options: CallOptions,
    ) -> Result<RawResponse, Error> {
        self.ensure_not_async()?;
        self.block_on(self.client.execute_raw_with(method, biz_content, options))
    }

    /// Calls an OpenAPI v3 path without a typed spec; see
    /// [`crate::AlipayClient::execute_raw_v3`].
    pub fn execute_raw_v3(
        &self,
        http_method: &str,
        path_and_query: &str,
        body: &str,
    ) -> Result<crate::RawV3Response, Error> {
        self.execute_raw_v3_with(http_method, path_and_query, body, CallOptions::default())
    }

    /// [`execute_raw_v3`](Self::execute_raw_v3) with per-call overrides.
    pub fn execute_raw_v3_with(
        &self,
        http_method: &str,
        path_and_query: &str,
        body: &str,
        options: CallOptions,
    ) -> Result<crate::RawV3Response, Error> {
        self.ensure_not_async()?;
        self.block_on(
            self.client
                .execute_raw_v3_with(http_method, path_and_query, body, options),
        )
    }

    fn ensure_not_async(&self) -> Result<(), Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::BlockingInAsyncContext,
                self.client.inner_host(),
                None,
            )));
        }
        Ok(())
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        // Only `Drop` takes the runtime out, and then no clone is left to call this.
        let Some(rt) = &self.runtime.0 else {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Other,
                self.client.inner_host(),
                None,
            )));
        };
        rt.block_on(future)
    }
}

#[cfg(test)]
mod tests;
