//! Sans-IO implementation of the Alipay OpenAPI `gateway.do` protocol: keys, request
//! signing, the request envelope and response verification.
//!
//! Nothing here touches the network or reads a clock: the caller hands in the time and
//! gets back what to send. See the crate README for an overview.
#![doc = include_str!("../README.md")]

pub mod aes;
pub mod armor;
pub mod cert;
pub mod charset;
pub mod crypto;
pub mod decode;
pub mod envelope;
pub mod form;
pub mod gateway;
pub mod keys;
pub mod model;
pub mod notify;
pub mod redact;
pub mod response;
pub mod time;
pub mod upload;
pub mod v3;

pub use aes::{AesError, AesKey};
pub use cert::{
    AlipayCertificate, AppCertificate, CertError, CertMaterial, Certificate, cert_sn, root_cert_sn,
    verify_chain,
};
pub use charset::Charset;
pub use crypto::{RustCryptoSigner, RustCryptoVerifier, SignError, SignType, Signer, Verifier};
pub use decode::{DecodeError, DecodeErrorKind, FromJson};
pub use envelope::{
    Call, CommonParams, SignedRequest, UnsignedRequest, VerifyBase64Error, sign_content,
    verify_base64,
};
pub use gateway::{CodeClass, GatewayStatus, SignContentDiff};
pub use keys::{AlipayKeyIsAppKey, AlipayPublicKey, AppPrivateKey, KeyError, check_not_own_key};
pub use model::{
    ApiMethod, AppMethod, CallStyle, ErrorCodeDoc, LengthUnit, Mask, Masked, PageMethod, Placement,
    ServerMethod, ValidationError,
};
pub use response::{
    Checked, Node, Outcome, ResponseError, SignedNode, UnsignedError, VerifiedResponse,
    VerifyOptions, verify_response, verify_response_with,
};
pub use time::{Clock, SystemClock, Timestamp};
pub use upload::{MultipartBody, MultipartChunk, RequestParams, UploadFile, UploadSource};
