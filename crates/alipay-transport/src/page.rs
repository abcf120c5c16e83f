//! Page and app calls: nothing is sent, the client signs the request and hands back
//! the signed `GET` URL, the self-submitting `POST` form or the app order string (see
//! `alipay_protocol::envelope` for the byte-level rules and where they differ from the
//! official SDKs).

use alipay_protocol::{ApiMethod, AppMethod, PageMethod, SignedRequest};

use crate::client::AlipayClient;
use crate::config::CallOptions;
use crate::error::Error;
use crate::{exchange, upload};

/// Per-call options of a page or app call.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PageOptions {
    /// `return_url`: where Alipay sends the user's browser afterwards (overrides the
    /// client's).
    pub return_url: Option<String>,
    /// `notify_url`: where Alipay posts the asynchronous notification (overrides the
    /// client's).
    pub notify_url: Option<String>,
    /// `app_auth_token` for this call (an ISV acting for a merchant).
    pub app_auth_token: Option<String>,
    /// `auth_token` (a user's access token) for this call.
    pub auth_token: Option<String>,
}

impl PageOptions {
    /// No overrides.
    pub fn new() -> Self {
        PageOptions::default()
    }

    /// Sets `return_url`.
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Sets `notify_url`.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Sets `app_auth_token`.
    pub fn app_auth_token(mut self, token: impl Into<String>) -> Self {
        self.app_auth_token = Some(token.into());
        self
    }

    /// Sets `auth_token`.
    pub fn auth_token(mut self, token: impl Into<String>) -> Self {
        self.auth_token = Some(token.into());
        self
    }
}

impl AlipayClient {
    /// The signed `GET` URL of a page-redirect method (`pageExecute(request, "GET")`):
    /// send the user's browser there. Every parameter, `biz_content` included, is in
    /// the URL; use [`page_form`](Self::page_form) to keep `biz_content` out of URLs.
    ///
    /// Signs synchronously with the client's clock: with a fixed clock the URL is
    /// deterministic. With an [`async_signer`](crate::ClientBuilder::async_signer) it
    /// fails with [`Error::Signing`].
    pub fn page_url<R: PageMethod>(&self, request: &R) -> Result<String, Error> {
        self.page_url_with(request, &PageOptions::default())
    }

    /// [`page_url`](Self::page_url) with `return_url`, `notify_url` and tokens.
    pub fn page_url_with<R: PageMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        Ok(self
            .sign_unsent(request, options)?
            .page_url(self.gateway_url()))
    }

    /// An HTML form that submits itself by `POST` to the gateway (`pageExecute`'s
    /// default): write it into the page the user's browser loads. Every value is
    /// HTML-escaped; deterministic under a fixed clock.
    pub fn page_form<R: PageMethod>(&self, request: &R) -> Result<String, Error> {
        self.page_form_with(request, &PageOptions::default())
    }

    /// [`page_form`](Self::page_form) with `return_url`, `notify_url` and tokens.
    pub fn page_form_with<R: PageMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        Ok(self
            .sign_unsent(request, options)?
            .page_form(self.gateway_url()))
    }

    /// The signed order string of an app method (`sdkExecute`), which the app passes to
    /// the Alipay app SDK.
    pub fn app_order_string<R: AppMethod>(&self, request: &R) -> Result<String, Error> {
        self.app_order_string_with(request, &PageOptions::default())
    }

    /// [`app_order_string`](Self::app_order_string) with `notify_url` (and the other
    /// options).
    pub fn app_order_string_with<R: AppMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        Ok(self.sign_unsent(request, options)?.order_string())
    }

    /// Signs a page or app call of a method without a typed spec: `biz_content` is
    /// JSON text (empty for none). Used by `alipay page`; typed calls go through
    /// [`page_url`](Self::page_url) and friends.
    pub fn sign_page_raw(
        &self,
        method: &str,
        biz_content: &str,
        options: &PageOptions,
    ) -> Result<SignedRequest, Error> {
        exchange::check_method_name(method)?;
        let biz = if biz_content.is_empty() {
            None
        } else {
            exchange::check_biz_content_json(biz_content)?;
            Some(biz_content)
        };
        let params = match biz {
            Some(b) => alipay_protocol::RequestParams::biz_content(b.to_owned()),
            None => alipay_protocol::RequestParams::form(),
        };
        self.sign_params_now(method, &params, options)
    }

    fn sign_unsent<R: ApiMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<SignedRequest, Error> {
        let params = request.request_params().map_err(Error::InvalidRequest)?;
        upload::check_encryption::<R>(self.aes_configured())?;
        if let Some((name, _)) = params.files().next() {
            return Err(Error::InvalidRequest(
                alipay_protocol::ValidationError::Invalid {
                    field: name.to_owned(),
                    reason: "a page or app call cannot carry a file".into(),
                },
            ));
        }
        self.sign_params_now(R::METHOD, &params, options)
    }

    fn sign_params_now(
        &self,
        method: &str,
        params: &alipay_protocol::RequestParams<'_>,
        options: &PageOptions,
    ) -> Result<SignedRequest, Error> {
        let inner = self.inner();
        let mut common = inner.common.clone();
        if let Some(url) = &options.return_url {
            common.return_url = Some(url.clone());
        }
        if let Some(url) = &options.notify_url {
            common.notify_url = Some(url.clone());
        }
        let call = CallOptions {
            app_auth_token: options.app_auth_token.clone(),
            auth_token: options.auth_token.clone(),
            ..CallOptions::default()
        };
        let unsigned = upload::prepare_params(
            &common,
            method,
            params,
            &call,
            inner.clock.now(),
            inner.aes.as_ref(),
        )?;
        inner
            .signer
            .sign_now(unsigned)
            .map_err(exchange::sign_error)
    }
}

#[cfg(any(feature = "blocking", test))]
impl crate::blocking::AlipayClient {
    /// The signed `GET` URL of a page method; see [`crate::AlipayClient::page_url`].
    pub fn page_url<R: PageMethod>(&self, request: &R) -> Result<String, Error> {
        self.as_async().page_url(request)
    }

    /// [`page_url`](Self::page_url) with options.
    pub fn page_url_with<R: PageMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        self.as_async().page_url_with(request, options)
    }

    /// The self-submitting form of a page method; see [`crate::AlipayClient::page_form`].
    pub fn page_form<R: PageMethod>(&self, request: &R) -> Result<String, Error> {
        self.as_async().page_form(request)
    }

    /// [`page_form`](Self::page_form) with options.
    pub fn page_form_with<R: PageMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        self.as_async().page_form_with(request, options)
    }

    /// The app order string; see [`crate::AlipayClient::app_order_string`].
    pub fn app_order_string<R: AppMethod>(&self, request: &R) -> Result<String, Error> {
        self.as_async().app_order_string(request)
    }

    /// [`app_order_string`](Self::app_order_string) with options.
    pub fn app_order_string_with<R: AppMethod>(
        &self,
        request: &R,
        options: &PageOptions,
    ) -> Result<String, Error> {
        self.as_async().app_order_string_with(request, options)
    }
}
