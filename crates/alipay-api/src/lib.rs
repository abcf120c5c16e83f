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

// Generated code names runtime items as `::alipay_api::__private::...`, which must also
// resolve inside this crate.
extern crate self as alipay_api;

#[doc(hidden)]
pub mod __private;

pub use alipay_macros::alipay_api;
pub use alipay_protocol::{ApiMethod, CallStyle, LengthUnit, Mask, Masked, ValidationError};
/// The JSON library used for `json_object` fields (`serde_json::Map`).
pub use serde_json;

/// A synchronous client with the same surface (feature `blocking`).
#[cfg(feature = "blocking")]
pub use alipay_transport::blocking;
/// The protocol layer (keys, signing, verification, notifications), for what the client
/// does not cover: notification verification, custom signers, sign-content debugging.
pub use alipay_transport::protocol;
pub use alipay_transport::{
    AcceptCertificateError, AlipayClient, AlipayTrust, BuildError, CallOptions, ClientBuilder,
    Clock, Error, Gateway, GatewayError, KeySource, RawResponse, RetryPolicy, SystemClock,
    UnknownAlipayCertificate,
};

include!("generated_methods.rs");

/// A spec'd method, looked up by name at run time (e.g. by `alipay call`).
#[derive(Debug, Clone, Copy)]
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
    /// Parses `biz_content` JSON into the typed request, validates it against the spec
    /// and returns the `biz_content` the typed request would send.
    pub check_biz_content: fn(&str) -> Result<String, BizContentError>,
}

/// Why a `biz_content` given as JSON does not fit its method's spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BizContentError {
    /// Not JSON, a field of the wrong type, or a missing required field.
    #[error("biz_content does not match the spec: {0}")]
    Decode(String),
    /// A field breaks a rule (length, pattern, …).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

/// The spec'd method called `name`.
pub fn method(name: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.name == name)
}

/// The typed round trip behind [`MethodInfo::check_biz_content`].
#[doc(hidden)]
pub fn check_biz_content<R>(json: &str) -> Result<String, BizContentError>
where
    R: ApiMethod + serde::de::DeserializeOwned,
{
    let request: R =
        serde_json::from_str(json).map_err(|e| BizContentError::Decode(e.to_string()))?;
    Ok(request.to_biz_content()?)
}
