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
    AlipayClient, BuildError, CallOptions, ClientBuilder, Clock, Error, Gateway, GatewayError,
    KeySource, RawResponse, RetryPolicy, SystemClock,
};

include!("generated_methods.rs");
