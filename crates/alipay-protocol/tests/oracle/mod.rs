//! The oracles shared by the fuzz targets (`fuzz/`), the property tests
//! (`prop_verifiers.rs`) and the replay of fuzz findings (`fuzz_regressions.rs`).
//!
//! The verifier oracles are independent of RSA: a *stand-in* [`Verifier`] accepts
//! exactly the bytes that were originally signed. A genuine body is built around those
//! bytes, mutated as an attacker on the path could, and handed to the real verifier.
//! Whatever comes back as verified must then say exactly what was signed; anything else
//! is a finding, however the signature scheme behaves.
//!
//! A case is decoded from raw bytes with `arbitrary`, so libFuzzer's mutations and
//! proptest's shrinking both work on plain byte strings. A failing case is reported as
//! a [`ResponseScenario`] / [`NotifyScenario`] (JSON): the concrete body and what was
//! signed, which replays without depending on how cases are decoded.
#![allow(dead_code, unreachable_pub)]

use std::fmt::{self, Write as _};

use alipay_protocol::cert::{self, AlipayCertificate, AppCertificate, Certificate};
use alipay_protocol::notify::verify_notification;
use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, Charset, Checked, GatewayStatus, Outcome, SignType, Verifier,
    VerifyOptions, verify_response,
};
use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use serde::de::{Deserializer, MapAccess, Visitor};

mod json;
mod keys;
mod notify;
mod response;
mod text;

// Each fuzz target and test uses only some of the oracles.
#[allow(unused_imports)]
pub use json::*;
#[allow(unused_imports)]
pub use keys::*;
#[allow(unused_imports)]
pub use notify::*;
#[allow(unused_imports)]
pub use response::*;
#[allow(unused_imports)]
pub use text::*;

/// The method every response case answers.
pub const METHOD: &str = "alipay.fuzz.verify";
/// Its response node key.
pub const METHOD_KEY: &str = "alipay_fuzz_verify_response";
/// The signature bytes the stand-in accepts (base64 `c2lnbmVk`).
pub const SIGNATURE: &[u8] = b"signed";

/// Accepts `signature` == [`SIGNATURE`] over exactly `accepted`, nothing else.
pub struct StandIn {
    /// The originally signed bytes (in the body's charset).
    pub accepted: Vec<u8>,
}

impl Verifier for StandIn {
    fn verify(&self, _sign_type: SignType, message: &[u8], signature: &[u8]) -> bool {
        signature == SIGNATURE && message == self.accepted
    }
}

/// Accepts every signature: drives the code past the signature check on arbitrary bytes.
pub struct AcceptAll;

impl Verifier for AcceptAll {
    fn verify(&self, _: SignType, _: &[u8], _: &[u8]) -> bool {
        true
    }
}

fn signature_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(SIGNATURE)
}
