#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod client;
mod config;
mod error;
mod exchange;
mod http;
mod page;
mod signing;
mod trust;
mod upload;
mod v3;
mod wire;

// Compiled for this crate's own unit tests too, so that a plain `cargo test` (which
// enables no feature) exercises the blocking client.
#[cfg(any(feature = "blocking", test))]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;

pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT, MAX_TIMEOUT,
};
pub use client::{AlipayClient, RawResponse};
pub use config::{CallOptions, Gateway, KeySource, Protocol, RetryPolicy};
pub use error::{
    AcceptCertificateError, AnswerError, BuildError, Error, ErrorChain, GatewayError,
    HttpStatusError, MalformedResponse, SignatureMismatch, TransportError, TransportErrorKind,
    UnknownAlipayCertificate, VerifyError,
};
pub use page::PageOptions;
pub use signing::{AsyncSigner, SignFuture};
pub use trust::AlipayTrust;
pub use v3::RawV3Response;

/// The protocol layer this client is built on (keys, signing, verification, models).
pub use alipay_protocol as protocol;
pub use alipay_protocol::{
    ApiMethod, AppMethod, CallStyle, Charset, CodeClass, GatewayStatus, PageMethod, Placement,
    RequestParams, ServerMethod, SignContentDiff, SignType, Signer, UploadFile, ValidationError,
    Verifier,
};
/// The clock is the protocol crate's, shared with the sandbox.
pub use alipay_protocol::{Clock, SystemClock};

/// The local test gateway, shared with the integration tests.
#[cfg(test)]
#[path = "../tests/support/mod.rs"]
mod test_support;
