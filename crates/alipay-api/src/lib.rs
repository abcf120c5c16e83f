//! Typed, validated Alipay OpenAPI methods, generated from the spec files in
//! `api-specs/` (one module per method).
//!
//! Each method module holds a request type with a checking builder, a lenient response
//! type, nested object types and open enums for documented values. The request type
//! implements [`ApiMethod`], which is all the transport and the sandbox need.
//!
//! ```
//! use alipay_api::zhima_customer_certification_material_certify::{
//!     BizCode, IdentityParam, Materials, ZhimaCustomerCertificationMaterialCertifyRequest,
//! };
//! use alipay_api::ApiMethod;
//!
//! let jpeg: &[u8] = &[0xff, 0xd8, 0xff, 0xe0];
//! let request = ZhimaCustomerCertificationMaterialCertifyRequest::builder()
//!     .transaction_id("ZGYD201610252323000001234")
//!     .product_code("w1010100000000002978")
//!     .biz_code(BizCode::FaceApi)
//!     .identity_param(IdentityParam::resident_id("收委", "260104197909275964"))
//!     .materials(Materials::facial_picture_front_jpeg(jpeg))
//!     .build()?;
//! assert!(request.to_biz_content()?.contains(r#""biz_code":"FACE_API""#));
//! # Ok::<(), alipay_api::ValidationError>(())
//! ```
//!
//! # Call styles are types
//!
//! A server method is sent with `execute`, a page method becomes a URL or form with
//! `page_url`/`page_form`, an app method an order string with `app_order_string`. The
//! wrong pairing does not compile:
//!
//! ```
//! use alipay_api::{AlipayClient, AlipayUserCertifyOpenCertifyRequest, AlipayUserCertifyOpenQueryRequest};
//! async fn flow(
//!     client: &AlipayClient,
//!     page: &AlipayUserCertifyOpenCertifyRequest,
//!     query: &AlipayUserCertifyOpenQueryRequest,
//! ) -> Result<(), alipay_api::Error> {
//!     let _url: String = client.page_url(page)?;
//!     let _answer = client.execute(query).await?;
//!     Ok(())
//! }
//! ```
//!
//! ```compile_fail,E0277
//! # use alipay_api::{AlipayClient, AlipayUserCertifyOpenCertifyRequest};
//! async fn wrong(client: &AlipayClient, page: &AlipayUserCertifyOpenCertifyRequest) {
//!     // A page method has no JSON answer to execute for.
//!     let _ = client.execute(page).await;
//! }
//! ```
//!
//! ```compile_fail,E0277
//! # use alipay_api::{AlipayClient, AlipayUserCertifyOpenQueryRequest};
//! fn wrong(client: &AlipayClient, query: &AlipayUserCertifyOpenQueryRequest) {
//!     // A server method is not a page a browser can be sent to.
//!     let _ = client.page_url(query);
//! }
//! ```

// Generated code names runtime items as `::alipay_api::__private::...`, which must also
// resolve inside this crate.
extern crate self as alipay_api;

#[doc(hidden)]
pub mod __private;

pub use alipay_macros::alipay_api;
pub use alipay_protocol::{
    ApiMethod, AppMethod, CallStyle, DecodeError, DecodeErrorKind, ErrorCodeDoc, FromJson,
    LengthUnit, Mask, Masked, PageMethod, Placement, RequestParams, ServerMethod, UploadFile,
    ValidationError,
};
/// The JSON library used for `json_object` fields (`serde_json::Map`).
pub use serde_json;

/// A synchronous client with the same surface (feature `blocking`).
#[cfg(feature = "blocking")]
pub use alipay_transport::blocking;
/// The protocol layer (keys, signing, verification, notifications), for what the client
/// does not cover: notification verification, custom signers, sign-content debugging.
pub use alipay_transport::protocol;
pub use alipay_transport::{
    AcceptCertificateError, AlipayClient, AlipayTrust, AnswerError, BuildError, CallOptions,
    ClientBuilder, Clock, Error, ErrorChain, Gateway, GatewayError, KeySource, PageOptions,
    Protocol, RawResponse, RawV3Response, RetryPolicy, SystemClock, UnknownAlipayCertificate,
    VerifyError,
};

include!("generated_methods.rs");

/// A spec'd method, looked up by name at run time (e.g. by `alipay call`).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The gateway method name.
    pub name: &'static str,
    /// The title from the doc page.
    pub title: &'static str,
    /// Whether Alipay is retiring the method.
    pub legacy: bool,
    /// The methods (or method families) that replace a legacy method.
    pub replaced_by: &'static [&'static str],
    /// Server call or page redirect.
    pub call_style: CallStyle,
    /// The request field that is the method's idempotency key
    /// ([`ApiMethod::IDEMPOTENCY_KEY`]): only methods with one are sent again after the
    /// request may have reached the gateway. For a raw call of such a method (with the
    /// biz_content checked by [`check_biz_content`](Self::check_biz_content)), pass
    /// [`CallOptions::idempotent`] to get the same retries.
    pub idempotency_key: Option<&'static str>,
    /// Where the business parameters travel: `biz_content` or top-level form
    /// parameters ([`ApiMethod::PARAMETERS`]).
    pub parameters: Placement,
    /// The request fields that are files, sent as unsigned multipart parts
    /// ([`ApiMethod::FILE_FIELDS`]).
    pub file_fields: &'static [&'static str],
    /// Parses `biz_content` JSON into the typed request, validates it against the spec
    /// and returns the `biz_content` the typed request would send.
    pub check_biz_content: fn(&str) -> Result<String, BizContentError>,
}

/// Why a `biz_content` given as JSON does not fit its method's spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BizContentError {
    /// Not JSON, a field of the wrong type, or a missing required field: the error
    /// names the field path and what was expected, never a value.
    #[error("biz_content does not match the spec")]
    Decode(#[source] alipay_protocol::DecodeError),
    /// A field breaks a rule (length, pattern, …).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Keys the method's spec does not define; the typed request would not send them.
    #[error(
        "biz_content has {} that the spec of {method} does not define: {}; fix the name (or send \
         it unchecked with a raw call)",
        if fields.len() == 1 { "a field" } else { "fields" },
        fields.iter().map(|f| format!("`{}`", alipay_protocol::redact::escape_controls(f))).collect::<Vec<_>>().join(", ")
    )]
    UnknownFields {
        /// The method.
        method: &'static str,
        /// Dotted paths of the unknown keys.
        fields: Vec<String>,
    },
}

/// The spec'd method called `name`.
pub fn method(name: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.name == name)
}
