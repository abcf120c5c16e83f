//! The bad-input catalogue: one table of mistaken and hostile inputs across the
//! client's configuration, typed and raw requests, and gateway answers.
//!
//! Every row is data: a name, an input (a closure run against shared fixtures) and
//! what must come of it. A refused input must come back as the expected error variant,
//! with `Display` and `Debug` that name the problem (a keyword per row) and that hold no
//! personal data, no key material and no control characters. Inputs at a limit must be
//! accepted (the row next to them, one past the limit, refused). The checks on message
//! text are the same helper functions for every row.
//!
//! Answers are served by a small HTTP/1.1 server on 127.0.0.1 inside this test (one
//! canned reply per case, selected by the request path), so hostile bodies can be sent
//! byte for byte. Nothing here reaches another host.

use std::collections::{HashMap, HashSet};
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alipay_api::blocking::AlipayClient;
use alipay_api::protocol::notify::{NotifyError, verify_notification};
use alipay_api::protocol::{
    AlipayPublicKey, AppPrivateKey, CertError, Charset, KeyError, SignType, Signer as _,
};
use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, IdentityParam, Materials,
    ZhimaCustomerCertificationMaterialCertifyRequestBuilder as RequestBuilder,
};
use alipay_api::{
    AlipayTrust, BizContentError, BuildError, ClientBuilder, Error, Gateway, KeySource,
    RetryPolicy, ValidationError,
};
use alipay_api::{AnswerError, ErrorChain, VerifyError};
use alipay_e2e::{ID_NUMBER, NAME, certify_builder, certify_request};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

// The catalogue's modules live beside it, in `bad_inputs/`: the harness, the fixtures
// and the local server, then the rows grouped by area.
#[macro_use]
#[path = "bad_inputs/harness.rs"]
mod harness;
#[path = "bad_inputs/fixtures.rs"]
mod fixtures;
#[path = "bad_inputs/server.rs"]
mod server;

#[path = "bad_inputs/config/mod.rs"]
mod config;
#[path = "bad_inputs/notifications.rs"]
mod notifications;
#[path = "bad_inputs/requests.rs"]
mod requests;
#[path = "bad_inputs/responses.rs"]
mod responses;

use config::config_rows;
use fixtures::*;
use harness::*;
use notifications::notification_rows;
use requests::request_rows;
use responses::response_rows;
use server::*;

#[test]
fn bad_input_catalogue() {
    let fx = Fixture::new();
    let rows: Vec<Row> = [
        config_rows(),
        request_rows(),
        response_rows(),
        notification_rows(),
    ]
    .into_iter()
    .flatten()
    .collect();

    let mut names = HashSet::new();
    for r in &rows {
        assert!(names.insert(r.name), "duplicate row name `{}`", r.name);
    }
    let refused = rows
        .iter()
        .filter(|r| matches!(r.expect, Expect::Refused { .. }))
        .count();
    assert!(refused >= 40, "only {refused} bad inputs in the catalogue");

    // BAD_INPUTS_VERBOSE=1 prints every row's message.
    let verbose = std::env::var_os("BAD_INPUTS_VERBOSE").is_some();
    let started = Instant::now();
    let mut failures = Vec::new();
    for r in &rows {
        let t = Instant::now();
        let outcome = r.check(&fx);
        if verbose {
            eprintln!(
                "[{:?}] {}: {}",
                r.area,
                r.name,
                match &outcome {
                    Ok(shown) => shown.as_str(),
                    Err(problem) => problem.as_str(),
                }
            );
        }
        if let Err(problem) = outcome {
            failures.push(format!("[{:?}] {}: {problem}", r.area, r.name));
        }
        let took = t.elapsed();
        if took > Duration::from_secs(2) {
            failures.push(format!("[{:?}] {}: took {took:?}", r.area, r.name));
        }
    }
    eprintln!(
        "bad-input catalogue: {} rows ({refused} refused inputs), {} failing, {:?}",
        rows.len(),
        failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
