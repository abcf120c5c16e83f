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
use alipay_api::{AnswerError, ErrorChain, VerifyError};
use alipay_api::{
    AlipayTrust, BizContentError, BuildError, ClientBuilder, Error, Gateway, KeySource,
    RetryPolicy, ValidationError,
};
use alipay_e2e::{ID_NUMBER, NAME, certify_builder, certify_request};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

// ---------------------------------------------------------------------------------
// Inputs: personal data and key material that must never come back in a message.
// ---------------------------------------------------------------------------------

/// A second identity used in hostile answers (valid GB 11643 check digit).
const NAME_2: &str = "张三";
const ID_NUMBER_2: &str = "110101199003074477";

/// Names that must never appear in an error message.
const NAMES: &[&str] = &[NAME, NAME_2];
/// ID numbers used in the inputs; no run of 6 of their digits may appear either.
const ID_NUMBERS: &[&str] = &[ID_NUMBER, ID_NUMBER_2];

const METHOD: &str = "zhima.customer.certification.material.certify";
const NODE_KEY: &str = "zhima_customer_certification_material_certify_response";
const APP_ID: &str = "2021000000000001";

macro_rules! data {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/", $path))
    };
}

/// Throwaway test keys and certificates of the transport and protocol crates (the
/// certificates chain to `ROOT_CERT` and are valid 2020-01-01 to 2049-12-31 UTC).
const APP_PRIVATE: &str = data!("alipay-transport/tests/data/keys/app_private_pkcs1.pem");
const APP_PRIVATE_PKCS8_B64: &str = data!("alipay-transport/tests/data/keys/app_private_pkcs8.b64");
const APP_PUBLIC: &str = data!("alipay-transport/tests/data/keys/app_public.pem");
const ALIPAY_PRIVATE: &str = data!("alipay-transport/tests/data/keys/alipay_private_pkcs1.pem");
const ALIPAY_PUBLIC: &str = data!("alipay-transport/tests/data/keys/alipay_public.pem");
const SMALL_PRIVATE: &str = data!("alipay-transport/tests/data/keys/small_1024_private_pkcs1.pem");
const EC_PRIVATE: &str = data!("alipay-protocol/tests/data/extra-keys/ec_private.pem");
const ENCRYPTED_PRIVATE: &str =
    data!("alipay-protocol/tests/data/extra-keys/app_private_encrypted_pkcs8.pem");
const APP_CERT: &str =
    data!("alipay-transport/tests/data/certs/appCertPublicKey_2021000000000001.crt");
const ALIPAY_CERT: &str = data!("alipay-transport/tests/data/certs/alipayCertPublicKey_RSA2.crt");
const ROOT_CERT: &str = data!("alipay-transport/tests/data/certs/alipayRootCert.crt");
const FOREIGN_ALIPAY_CERT: &str =
    data!("alipay-transport/tests/data/certs/foreign_alipayCertPublicKey_RSA2.crt");
const SELF_SIGNED_CERT: &str = data!("alipay-transport/tests/data/certs/self_signed.crt");

/// Every key and certificate an input is made from.
const KEY_MATERIAL: &[&str] = &[
    APP_PRIVATE,
    APP_PRIVATE_PKCS8_B64,
    APP_PUBLIC,
    ALIPAY_PRIVATE,
    ALIPAY_PUBLIC,
    SMALL_PRIVATE,
    EC_PRIVATE,
    ENCRYPTED_PRIVATE,
    APP_CERT,
    ALIPAY_CERT,
    ROOT_CERT,
    FOREIGN_ALIPAY_CERT,
    SELF_SIGNED_CERT,
];

/// How long a key-material fragment may be before it counts as quoting the key.
const KEY_WINDOW: usize = 16;
/// The longest message a row may produce (unverified text must be capped).
const MAX_MESSAGE_CHARS: usize = 2048;

/// The base64 bodies of a PEM (or bare base64) text: header, footer and `Key: value`
/// lines dropped, whitespace removed.
fn base64_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect()
}

/// Every 16-character window of every key's and certificate's base64 body.
fn key_windows() -> &'static HashSet<String> {
    static WINDOWS: OnceLock<HashSet<String>> = OnceLock::new();
    WINDOWS.get_or_init(|| {
        let mut set = HashSet::new();
        for pem in KEY_MATERIAL {
            let body = base64_body(pem);
            let bytes = body.as_bytes();
            for w in bytes.windows(KEY_WINDOW) {
                set.insert(String::from_utf8(w.to_vec()).unwrap());
            }
        }
        set
    })
}

/// A 16-character fragment of a key or certificate found in `text`, if any.
fn key_material_in(text: &str) -> Option<String> {
    let windows = key_windows();
    text.as_bytes()
        .windows(KEY_WINDOW)
        .filter_map(|w| std::str::from_utf8(w).ok())
        .find(|w| windows.contains(*w))
        .map(str::to_owned)
}

/// A name, an ID number or six consecutive digits of one found in `text`, if any.
fn personal_data_in(text: &str) -> Option<String> {
    if let Some(name) = NAMES.iter().find(|n| text.contains(*n)) {
        return Some(format!("the name {name}"));
    }
    for id in ID_NUMBERS {
        for w in id.as_bytes().windows(6) {
            let w = std::str::from_utf8(w).unwrap();
            if w.bytes().all(|b| b.is_ascii_digit()) && text.contains(w) {
                return Some(format!("the digits {w} of an input ID number"));
            }
        }
    }
    None
}

/// A control character in `text` (a forged log line, a terminal escape), if any.
fn control_char_in(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// Problems with a text that may be shown to users or logged: personal data, key
/// material, and (for `Display`) control characters and excessive length.
fn leaks(what: &str, text: &str, display: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = personal_data_in(text) {
        out.push(format!("{what} holds personal data ({p})"));
    }
    if let Some(k) = key_material_in(text) {
        out.push(format!("{what} quotes key material (`{k}`)"));
    }
    if display {
        if let Some(c) = control_char_in(text) {
            out.push(format!("{what} holds the control character {c:?}"));
        }
        let chars = text.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            out.push(format!(
                "{what} is {chars} characters long (max {MAX_MESSAGE_CHARS})"
            ));
        }
    }
    out
}

/// Whether `text` names the problem: it contains every keyword, where a keyword may
/// list alternatives as `a|b` (case ignored).
fn names_problem(text: &str, keywords: &[&str]) -> bool {
    let lower = text.to_lowercase();
    keywords.iter().all(|k| {
        k.split('|')
            .any(|alternative| lower.contains(&alternative.to_lowercase()))
    })
}

// ---------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------

/// Any error a row can produce.
#[derive(Debug)]
enum Got {
    /// `ClientBuilder::build`.
    Build(BuildError),
    /// A typed request builder.
    Request(ValidationError),
    /// `MethodInfo::check_biz_content` (raw `biz_content` against a spec).
    BizContent(BizContentError),
    /// A call.
    Call(Error),
    /// `verify_notification`.
    Notify(NotifyError),
}

/// The message a user reads: the error's `Display` followed by its `source()` chain
/// (each error's `Display` says only its own part), as `ErrorChain` prints it.
impl std::fmt::Display for Got {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e: &(dyn std::error::Error + 'static) = match self {
            Got::Build(e) => e,
            Got::Request(e) => e,
            Got::BizContent(e) => e,
            Got::Call(e) => e,
            Got::Notify(e) => e,
        };
        ErrorChain(e).fmt(f)
    }
}

impl Got {
    /// `Debug` of the error itself (without this wrapper).
    fn debug(&self) -> String {
        match self {
            Got::Build(e) => format!("{e:?}"),
            Got::Request(e) => format!("{e:?}"),
            Got::BizContent(e) => format!("{e:?}"),
            Got::Call(e) => format!("{e:?}"),
            Got::Notify(e) => format!("{e:?}"),
        }
    }
}

/// What running an input gave: the result, and text the input's holders show in
/// `Debug` (builders, clients, responses), which must not leak either.
struct Attempt {
    result: Result<(), Got>,
    shown: String,
}

impl Attempt {
    fn from<T: std::fmt::Debug>(result: Result<T, Got>) -> Attempt {
        match result {
            Ok(v) => Attempt {
                shown: format!("{v:?}"),
                result: Ok(()),
            },
            Err(e) => Attempt {
                result: Err(e),
                shown: String::new(),
            },
        }
    }

    fn shown(mut self, text: String) -> Attempt {
        self.shown.push(' ');
        self.shown.push_str(&text);
        self
    }
}

#[derive(Debug, Clone, Copy)]
enum Area {
    Config,
    Request,
    Response,
    Notification,
}

enum Expect {
    /// The input is valid (a value at its limit, a key format that must be taken).
    Accepted,
    /// The input must be refused with this variant, and the message must name the
    /// problem with one of `keywords`.
    Refused {
        variant: &'static str,
        is: fn(&Got) -> bool,
        keywords: &'static [&'static str],
    },
}

macro_rules! refused {
    ($pat:pat, [$($kw:expr),+ $(,)?]) => {
        Expect::Refused {
            variant: stringify!($pat),
            is: |got: &Got| matches!(got, $pat),
            keywords: &[$($kw),+],
        }
    };
}

type Input = Box<dyn Fn(&Fixture) -> Attempt>;
type After = fn(&Fixture) -> Result<(), String>;

struct Row {
    area: Area,
    name: &'static str,
    input: Input,
    expect: Expect,
    /// Row-specific strings that must not appear in the message (e.g. a password).
    forbid: &'static [&'static str],
    /// A check after the attempt (e.g. on what the server saw).
    after: Option<After>,
}

fn row(
    area: Area,
    name: &'static str,
    input: impl Fn(&Fixture) -> Attempt + 'static,
    expect: Expect,
) -> Row {
    Row {
        area,
        name,
        input: Box::new(input),
        expect,
        forbid: &[],
        after: None,
    }
}

impl Row {
    fn forbid(mut self, forbid: &'static [&'static str]) -> Row {
        self.forbid = forbid;
        self
    }

    fn after(mut self, after: After) -> Row {
        self.after = Some(after);
        self
    }

    /// Runs the row; `Ok` holds the message (if refused), `Err` a one-line summary of
    /// what is wrong.
    fn check(&self, fx: &Fixture) -> Result<String, String> {
        let attempt = catch_unwind(AssertUnwindSafe(|| (self.input)(fx))).map_err(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            format!("panicked: {}", one_line(&msg))
        })?;
        let mut problems = leaks("Debug of the input's holder", &attempt.shown, false);
        let mut message = "accepted".to_owned();
        match (&self.expect, &attempt.result) {
            (Expect::Accepted, Ok(())) => {}
            (Expect::Accepted, Err(e)) => {
                problems.push(format!(
                    "refused, expected accepted: {}",
                    one_line(&e.to_string())
                ));
            }
            (Expect::Refused { variant, .. }, Ok(())) => {
                problems.push(format!("accepted, expected {}", squash(variant)));
            }
            (
                Expect::Refused {
                    variant,
                    is,
                    keywords,
                },
                Err(e),
            ) => {
                let display = e.to_string();
                let debug = e.debug();
                message = one_line(&display);
                if !is(e) {
                    problems.push(format!(
                        "expected {}, got {}",
                        squash(variant),
                        one_line(&debug)
                    ));
                }
                if !names_problem(&display, keywords) {
                    problems.push(format!("Display names none of {keywords:?}"));
                }
                // Derived `Debug` names the problem by its variant name.
                let names = variant_names(variant);
                if !names_problem(&debug, keywords) && !names.iter().any(|n| debug.contains(n)) {
                    problems.push(format!("Debug names none of {keywords:?} or {names:?}"));
                }
                for (what, text) in [("Display", &display), ("Debug", &debug)] {
                    for f in self.forbid {
                        if text.contains(f) {
                            problems.push(format!("{what} holds `{f}`"));
                        }
                    }
                }
                problems.extend(leaks("Display", &display, true));
                problems.extend(leaks("Debug", &debug, false));
                if !problems.is_empty() {
                    problems.push(format!("message: {}", one_line(&display)));
                }
            }
        }
        if let Some(after) = self.after
            && let Err(e) = after(fx)
        {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(message)
        } else {
            Err(problems.join("; "))
        }
    }
}

/// The innermost variant names of a pattern such as
/// `Got::Build(BuildError::Key(KeyError::Empty { .. }) | …)`: `["Empty", …]`.
fn variant_names(pattern: &str) -> Vec<String> {
    pattern
        .split('|')
        .filter_map(|alternative| {
            let last = alternative.rfind("::")?;
            let name: String = alternative[last + 2..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// `text` with every run of whitespace turned into one space.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message on one line, control characters escaped and length bounded, for the
/// failure summary.
fn one_line(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(400) {
        Some((i, _)) => format!("{}… ({} chars)", &escaped[..i], escaped.chars().count()),
        None => escaped,
    }
}

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

// ---------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------

struct Fixture {
    server: Arc<Server>,
    alipay_signer: AppPrivateKey,
}

/// A fixed time inside the certificates' validity (2030-01-01 UTC).
fn in_2030() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            server: Server::start(),
            alipay_signer: AppPrivateKey::parse(ALIPAY_PRIVATE).unwrap(),
        }
    }

    /// A complete public-key-mode builder; rows change the one setting they are
    /// about. Its gateway is this test's server (no call reaches anything else).
    fn base(&self) -> ClientBuilder<AlipayClient> {
        self.base_for("unused")
    }

    fn base_for(&self, case: &str) -> ClientBuilder<AlipayClient> {
        AlipayClient::builder()
            .app_id(APP_ID)
            .app_private_key(APP_PRIVATE)
            .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC))
            .gateway(Gateway::Custom(self.server.url(case)))
            .retry(RetryPolicy::none())
            .timeout(Duration::from_secs(5))
            .clock(in_2030)
    }

    /// A complete certificate-mode builder (no Alipay public key).
    fn cert_base(&self) -> ClientBuilder<AlipayClient> {
        AlipayClient::builder()
            .app_id(APP_ID)
            .app_private_key(APP_PRIVATE)
            .alipay_trust(AlipayTrust::certificates(APP_CERT, ALIPAY_CERT, ROOT_CERT))
            .gateway(Gateway::Custom(self.server.url("unused")))
            .retry(RetryPolicy::none())
            .clock(in_2030)
    }

    /// A body as the gateway sends it: `node` under the method's key, signed with the
    /// (test) Alipay private key.
    fn signed(&self, node: &str) -> String {
        format!(
            r#"{{"{NODE_KEY}":{node},"sign":"{}"}}"#,
            self.sign(node.as_bytes())
        )
    }

    fn sign(&self, bytes: &[u8]) -> String {
        STANDARD.encode(self.alipay_signer.sign(SignType::Rsa2, bytes).unwrap())
    }
}

/// A well-formed success node of the certify method.
const SUCCESS_NODE: &str = r#"{"code":"10000","msg":"Success","biz_no":"ZM201612013000000393900404029253","passed":"true","failed_reason":"认证完成"}"#;

/// Builds the client; `shown` gets the builder's and the client's `Debug`.
fn build(builder: ClientBuilder<AlipayClient>) -> Attempt {
    let shown = format!("{builder:?}");
    Attempt::from(builder.build().map_err(Got::Build)).shown(shown)
}

/// Builds the request; `shown` gets the builder's and the request's `Debug`.
fn request(builder: RequestBuilder) -> Attempt {
    let shown = format!("{builder:?}");
    Attempt::from(builder.build().map_err(Got::Request)).shown(shown)
}

/// Checks raw `biz_content` against the certify spec (what `alipay call` does).
fn biz_content(json: &str) -> Attempt {
    let info = alipay_api::method(METHOD).unwrap();
    Attempt::from((info.check_biz_content)(json).map_err(Got::BizContent))
}

/// Sends the documentation example to `case`, answered by `reply`.
fn call(fx: &Fixture, case: &'static str, reply: Reply) -> Attempt {
    call_with(fx, case, reply, |b| b)
}

fn call_with(
    fx: &Fixture,
    case: &'static str,
    reply: Reply,
    configure: impl FnOnce(ClientBuilder<AlipayClient>) -> ClientBuilder<AlipayClient>,
) -> Attempt {
    fx.server.set(case, reply);
    let client = configure(fx.base_for(case)).build().unwrap();
    Attempt::from(
        client
            .execute(&certify_request("CATALOGUE_0001"))
            .map_err(Got::Call),
    )
    .shown(format!("{client:?}"))
}

/// A raw call to `case`, answered with an unsigned gateway error if it gets there.
fn raw_call(fx: &Fixture, case: &'static str, method: &str, biz: &str) -> Attempt {
    fx.server.set(
        case,
        http(
            "200 OK",
            r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method","sub_msg":"不存在的方法名"}}"#,
        ),
    );
    let client = fx.base_for(case).build().unwrap();
    Attempt::from(client.execute_raw(method, biz).map_err(Got::Call))
}

// ---------------------------------------------------------------------------------
// Configuration.
// ---------------------------------------------------------------------------------

/// The PEM with its line breaks written as the two characters `\n`, as keys arrive
/// through environment variables and CI secrets.
fn with_literal_newlines(pem: &str) -> String {
    pem.trim_end().replace('\n', "\\n")
}

/// The public half of the 1024-bit key, as PEM.
fn small_public_pem() -> String {
    let key = AppPrivateKey::parse(SMALL_PRIVATE).unwrap();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        key.public_key().to_base64()
    )
}

fn config_rows() -> Vec<Row> {
    use Area::Config as C;
    vec![
        // --- the app private key ---
        row(
            C,
            "app key: garbage text",
            |fx| {
                build(
                    fx.base()
                        .app_private_key("this is not a key, it is a sentence"),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["base64|could not be read"]
            ),
        ),
        row(
            C,
            "app key: empty",
            |fx| build(fx.base().app_private_key("  \n")),
            refused!(
                Got::Build(BuildError::Key(KeyError::Empty { .. })),
                ["app private key", "empty"]
            ),
        ),
        row(
            C,
            "app key: truncated PEM (no END line)",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(&APP_PRIVATE[..APP_PRIVATE.len() / 2]),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["-----END"]
            ),
        ),
        row(
            C,
            "app key: PEM body cut short, END line kept",
            |fx| {
                let lines: Vec<&str> = APP_PRIVATE.lines().collect();
                let cut = [&lines[..6], &lines[lines.len() - 1..]].concat().join("\n");
                build(fx.base().app_private_key(cut))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["no readable key|invalid"]
            ),
        ),
        row(
            C,
            "app key: PEM header without its closing dashes",
            |fx| {
                let broken = APP_PRIVATE.replacen(
                    "-----BEGIN RSA PRIVATE KEY-----",
                    "-----BEGIN RSA PRIVATE KEY",
                    1,
                );
                build(fx.base().app_private_key(broken))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["PEM|header|label"]
            ),
        ),
        row(
            C,
            "app key: DER bytes that are not a key",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(vec![0x30u8, 0x82, 0xff, 0xff, 1, 2, 3]),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["DER|could not be read"]
            ),
        ),
        row(
            C,
            "app key: base64 of something else",
            |fx| build(fx.base().app_private_key(STANDARD.encode([7u8; 96]))),
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["not a DER-encoded"]
            ),
        ),
        row(
            C,
            "app key: the app public key given instead",
            |fx| build(fx.base().app_private_key(APP_PUBLIC)),
            refused!(
                Got::Build(BuildError::Key(KeyError::PublicGivenForPrivate { .. })),
                ["public key"]
            ),
        ),
        row(
            C,
            "app key: a certificate given instead",
            |fx| build(fx.base().app_private_key(APP_CERT)),
            refused!(
                Got::Build(BuildError::Key(KeyError::PublicGivenForPrivate { .. })),
                ["certificate"]
            ),
        ),
        row(
            C,
            "app key: EC key",
            |fx| build(fx.base().app_private_key(EC_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::NotRsa { .. })),
                ["not an RSA key"]
            ),
        ),
        row(
            C,
            "app key: password-protected PKCS#8",
            |fx| build(fx.base().app_private_key(ENCRYPTED_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::Encrypted)),
                ["encrypted"]
            ),
        ),
        row(
            C,
            "app key: RSA-1024 with RSA2",
            |fx| build(fx.base().app_private_key(SMALL_PRIVATE)),
            refused!(
                Got::Build(BuildError::Key(KeyError::TooSmall { bits: 1024, .. })),
                ["1024-bit", "2048"]
            ),
        ),
        row(
            C,
            "app key: RSA-1024 with legacy RSA (allowed)",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(SMALL_PRIVATE)
                        .sign_type(SignType::Rsa),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key: file that does not exist",
            |fx| {
                build(
                    fx.base()
                        .app_private_key_file("/nonexistent/app_private_key.pem"),
                )
            },
            refused!(Got::Build(BuildError::ReadKeyFile { .. }), ["cannot read"]),
        ),
        row(
            C,
            "app key setting: a missing path stays a path",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value("./keys/app_private_key.pem")),
                )
            },
            refused!(Got::Build(BuildError::ReadKeyFile { .. }), ["cannot read"]),
        ),
        row(
            C,
            "app key setting: quoted bare base64 is a key",
            |fx| {
                let value = format!("\"{}\"", APP_PRIVATE_PKCS8_B64.trim());
                build(fx.base().app_private_key(KeySource::path_or_value(value)))
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key setting: bare base64 with literal \\n is a key",
            |fx| {
                let b64 = base64_body(APP_PRIVATE_PKCS8_B64);
                let lines: Vec<&str> = b64
                    .as_bytes()
                    .chunks(64)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect();
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value(lines.join("\\n"))),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key setting: PEM with literal \\n is a key",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(KeySource::path_or_value(with_literal_newlines(
                            APP_PRIVATE,
                        ))),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key text: PEM with literal \\n",
            |fx| {
                build(
                    fx.base()
                        .app_private_key(with_literal_newlines(APP_PRIVATE)),
                )
            },
            Expect::Accepted,
        ),
        row(
            C,
            "app key text: quoted PEM",
            |fx| build(fx.base().app_private_key(format!("\"{APP_PRIVATE}\""))),
            Expect::Accepted,
        ),
        row(
            C,
            "app key: not set",
            |_| {
                build(
                    AlipayClient::builder()
                        .app_id(APP_ID)
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC)),
                )
            },
            refused!(
                Got::Build(BuildError::MissingField {
                    field: "app_private_key"
                }),
                ["app_private_key"]
            ),
        ),
        // --- the Alipay public key ---
        row(
            C,
            "Alipay key: a private key given instead",
            |fx| {
                build(
                    fx.base()
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PRIVATE)),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::PrivateGivenForPublic { .. })),
                ["private key"]
            ),
        ),
        row(
            C,
            "Alipay key: the app's own public key",
            |fx| build(fx.base().alipay_trust(AlipayTrust::public_key(APP_PUBLIC))),
            refused!(
                Got::Build(BuildError::AlipayKeyIsAppKey(_)),
                ["own public key"]
            ),
        ),
        row(
            C,
            "Alipay key: a certificate in public-key mode",
            |fx| build(fx.base().alipay_trust(AlipayTrust::public_key(ALIPAY_CERT))),
            refused!(
                Got::Build(BuildError::Key(KeyError::Certificate { .. })),
                ["certificate"]
            ),
        ),
        row(
            C,
            "Alipay key: PEM header without its closing dashes",
            |fx| {
                let broken = ALIPAY_PUBLIC.replacen(
                    "-----BEGIN PUBLIC KEY-----",
                    "-----BEGIN PUBLIC KEY",
                    1,
                );
                build(fx.base().alipay_trust(AlipayTrust::public_key(broken)))
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::Malformed { .. })),
                ["PEM|header|label"]
            ),
        ),
        row(
            C,
            "Alipay key: RSA-1024 with RSA2",
            |fx| {
                build(
                    fx.base()
                        .alipay_trust(AlipayTrust::public_key(small_public_pem())),
                )
            },
            refused!(
                Got::Build(BuildError::Key(KeyError::TooSmall { bits: 1024, .. })),
                ["1024-bit", "2048"]
            ),
        ),
        // --- certificates ---
        row(
            C,
            "certificates: the valid set (control)",
            |fx| build(fx.cert_base()),
            Expect::Accepted,
        ),
        row(
            C,
            "certificates: garbage app certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    "not a certificate",
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::Malformed { .. } | CertError::Empty { .. }
                )),
                ["app public-key certificate", "could not be read"]
            ),
        ),
        row(
            C,
            "certificates: empty root bundle",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    ALIPAY_CERT,
                    "",
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Empty { .. })),
                ["root certificate bundle", "empty"]
            ),
        ),
        row(
            C,
            "certificates: expired at the client's time",
            |fx| {
                build(fx.cert_base().clock(|| {
                    UNIX_EPOCH + Duration::from_secs(2_556_144_000) // 2051-01-01
                }))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Expired { .. })),
                ["expired"]
            ),
        ),
        row(
            C,
            "certificates: not yet valid at the client's time",
            |fx| {
                build(fx.cert_base().clock(|| {
                    UNIX_EPOCH + Duration::from_secs(1_546_300_800) // 2019-01-01
                }))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::NotYetValid { .. })),
                ["not valid before"]
            ),
        ),
        row(
            C,
            "certificates: Alipay certificate under another root",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    FOREIGN_ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            // Its CA has the same name as ours, so the chain is found by name and the
            // signature check is what fails.
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::UntrustedChain { .. } | CertError::BadSignature { .. }
                )),
                ["does not chain|does not verify"]
            ),
        ),
        row(
            C,
            "certificates: self-signed Alipay certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    SELF_SIGNED_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::UntrustedChain { .. } | CertError::BadSignature { .. }
                )),
                ["does not chain|does not verify"]
            ),
        ),
        row(
            C,
            "certificates: the Alipay certificate given as the app certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    ALIPAY_CERT,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::AlipayCertIsAppCert { .. }
                )),
                ["mixed up"]
            ),
        ),
        row(
            C,
            "certificates: app certificate of another key",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    FOREIGN_ALIPAY_CERT,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(
                    CertError::AppCertKeyMismatch { .. }
                )),
                ["app private key|app certificate"]
            ),
        ),
        row(
            C,
            "certificates: a private key given as a certificate",
            |fx| {
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    APP_CERT,
                    ALIPAY_CERT,
                    APP_PRIVATE,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::NotACertificate { .. })),
                ["not a certificate"]
            ),
        ),
        row(
            C,
            "certificates: PEM header without its closing dashes",
            |fx| {
                let broken =
                    APP_CERT.replacen("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE", 1);
                build(fx.cert_base().alipay_trust(AlipayTrust::certificates(
                    broken,
                    ALIPAY_CERT,
                    ROOT_CERT,
                )))
            },
            refused!(
                Got::Build(BuildError::Certificate(CertError::Malformed { .. })),
                ["PEM|header"]
            ),
        ),
        row(
            C,
            "trust set twice: the last setting (public-key mode) wins",
            |fx| {
                build(
                    fx.cert_base()
                        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC)),
                )
            },
            Expect::Accepted,
        ),
        // --- the gateway URL ---
        row(
            C,
            "gateway: ftp://",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "ftp://openapi.alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["https://"]
            ),
        ),
        row(
            C,
            "gateway: empty",
            |fx| build(fx.base().gateway(Gateway::Custom(String::new()))),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["not a URL"]
            ),
        ),
        row(
            C,
            "gateway: space inside the host",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://openapi .alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["whitespace"]
            ),
        ),
        row(
            C,
            "gateway: space inside the path",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://openapi.alipay.com/gate way.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["space|whitespace"]
            ),
        ),
        row(
            C,
            "gateway: scheme only, no host",
            |fx| build(fx.base().gateway(Gateway::Custom("https://".into()))),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["host|not a URL"]
            ),
        ),
        row(
            C,
            "gateway: credentials and a fragment",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://merchant:hunter2secret@openapi.alipay.com/gateway.do#top".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["fragment"]
            ),
        )
        .forbid(&["hunter2secret"]),
        row(
            C,
            "gateway: plain http to a non-loopback host",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "http://openapi.alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["https"]
            ),
        ),
        // --- timeouts and limits ---
        row(
            C,
            "timeout: zero",
            |fx| build(fx.base().timeout(Duration::ZERO)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "timeout",
                    ..
                }),
                ["`timeout`", "zero"]
            ),
        ),
        row(
            C,
            "connect timeout: zero",
            |fx| build(fx.base().connect_timeout(Duration::ZERO)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "connect_timeout",
                    ..
                }),
                ["`connect_timeout`", "zero"]
            ),
        ),
        row(
            C,
            "timeout: absurd (Duration::MAX)",
            |fx| build(fx.base().timeout(Duration::MAX)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "timeout",
                    ..
                }),
                ["`timeout`"]
            ),
        ),
        row(
            C,
            "connect timeout: absurd (100 years)",
            |fx| {
                build(
                    fx.base()
                        .connect_timeout(Duration::from_secs(100 * 365 * 86_400)),
                )
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "connect_timeout",
                    ..
                }),
                ["`connect_timeout`"]
            ),
        ),
        row(
            C,
            "max response size: zero",
            |fx| build(fx.base().max_response_size(0)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "max_response_size",
                    ..
                }),
                ["`max_response_size`", "at least 1 byte"]
            ),
        ),
        row(
            C,
            "retry: first backoff longer than the cap",
            |fx| {
                build(fx.base().retry(RetryPolicy {
                    max_retries: 2,
                    initial_backoff: Duration::from_secs(10),
                    max_backoff: Duration::from_secs(1),
                }))
            },
            refused!(
                Got::Build(BuildError::InvalidField { field: "retry", .. }),
                ["initial_backoff", "max_backoff"]
            ),
        ),
        // --- identity and other settings ---
        row(
            C,
            "app_id: empty",
            |fx| build(fx.base().app_id("")),
            refused!(
                Got::Build(BuildError::MissingField { field: "app_id" }),
                ["`app_id`", "required"]
            ),
        ),
        row(
            C,
            "app_id: dashes",
            |fx| build(fx.base().app_id("2021-0000-0000-0001")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "app_id",
                    ..
                }),
                ["`app_id`", "ASCII letters and digits"]
            ),
        ),
        row(
            C,
            "app_id: a person's name pasted into it",
            // Not `build`: the builder's `Debug` shows the app_id as given, which is fine.
            |fx| Attempt::from(fx.base().app_id(NAME).build().map_err(Got::Build)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "app_id",
                    ..
                }),
                ["`app_id`", "ASCII letters and digits"]
            ),
        ),
        row(
            C,
            "aes_key: garbage",
            |fx| build(fx.base().aes_key("not-an-aes-key")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "aes_key",
                    ..
                }),
                ["`aes_key`", "16 or 32 bytes"]
            ),
        ),
        row(
            C,
            "aes_key: the app private key pasted into it",
            |fx| build(fx.base().aes_key(APP_PRIVATE_PKCS8_B64)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "aes_key",
                    ..
                }),
                ["`aes_key`", "16 or 32 bytes"]
            ),
        ),
        row(
            C,
            "user agent: header injection",
            |fx| build(fx.base().user_agent("sdk\r\nX-Injected: 1")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "user_agent",
                    ..
                }),
                ["`user_agent`", "header value"]
            ),
        ),
        row(
            C,
            "proxy: not a URL, with a password",
            |fx| build(fx.base().proxy("http://user:hunter2secret@[::1")),
            refused!(
                Got::Build(BuildError::InvalidField { field: "proxy", .. }),
                ["`proxy`", "proxy URL"]
            ),
        )
        .forbid(&["hunter2secret"]),
    ]
}

// ---------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------

/// UTF-16 length of the identity JSON string for a given name, minus the name.
fn identity_overhead() -> usize {
    let json = serde_json::to_string(&IdentityParam::resident_id("A", ID_NUMBER)).unwrap();
    json.encode_utf16().count() - 1
}

/// An identity whose JSON string is exactly `units` UTF-16 units long, its name
/// ending in `tail` (counted in UTF-16 units).
fn identity_of_len(units: usize, tail: &str) -> IdentityParam {
    let fill = units - identity_overhead() - tail.encode_utf16().count();
    IdentityParam::resident_id(format!("{}{tail}", "A".repeat(fill)), ID_NUMBER)
}

/// Materials whose JSON string is exactly `units` long (`{"FACIAL_PICTURE_FRONT":"…"}`).
fn materials_of_len(units: usize) -> Materials {
    Materials::builder()
        .facial_picture_front("A".repeat(units - 27))
        .build()
        .unwrap()
}

/// A JSON object whose text is exactly `units` long (`{"k":"…"}`).
fn object_of_len(units: usize) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("k".into(), "x".repeat(units - 8).into());
    m
}

fn base_request() -> RequestBuilder {
    certify_builder("CATALOGUE_0001")
}

/// The documentation example as `biz_content` JSON, with `edit` applied.
fn biz_json(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = serde_json::json!({
        "transaction_id": "CATALOGUE_0001",
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": format!(
            r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":"{ID_NUMBER}"}}"#
        ),
        "materials": r#"{"FACIAL_PICTURE_FRONT":"/9j/4AAQSkZJR"}"#,
    });
    edit(&mut v);
    v.to_string()
}

fn request_rows() -> Vec<Row> {
    use Area::Request as Q;
    vec![
        // --- every length limit of the spec: at = accepted, one past = refused ---
        row(
            Q,
            "transaction_id: 32 (at the limit)",
            |_| request(base_request().transaction_id("A".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "transaction_id: 33",
            |_| request(base_request().transaction_id("A".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["transaction_id", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "product_code: 32 (at the limit)",
            |_| request(base_request().product_code("P".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "product_code: 33",
            |_| request(base_request().product_code("P".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["product_code", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "biz_code: 32 (at the limit, unknown value)",
            |_| request(base_request().biz_code("B".repeat(32))),
            Expect::Accepted,
        ),
        row(
            Q,
            "biz_code: 33 (unknown value)",
            |_| request(base_request().biz_code("B".repeat(33))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 32,
                    actual: 33,
                    ..
                }),
                ["biz_code", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "identity_param: 204800 (at the limit)",
            |_| request(base_request().identity_param(identity_of_len(204_800, ""))),
            Expect::Accepted,
        ),
        row(
            Q,
            "identity_param: 204801",
            |_| request(base_request().identity_param(identity_of_len(204_801, ""))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["identity_param", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "identity_param: 204800 units ending in an emoji (at the limit)",
            |_| request(base_request().identity_param(identity_of_len(204_800, "😀"))),
            Expect::Accepted,
        ),
        row(
            Q,
            "identity_param: one emoji past the limit (204800 characters, 204801 units)",
            |_| request(base_request().identity_param(identity_of_len(204_801, "😀"))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["identity_param", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "materials: 204800 (at the limit)",
            |_| request(base_request().materials(materials_of_len(204_800))),
            Expect::Accepted,
        ),
        row(
            Q,
            "materials: 204801",
            |_| request(base_request().materials(materials_of_len(204_801))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 204_800,
                    actual: 204_801,
                    ..
                }),
                ["materials", "maximum of 204800"]
            ),
        ),
        row(
            Q,
            "merchant_config: 1024 (at the limit)",
            |_| request(base_request().merchant_config(object_of_len(1024))),
            Expect::Accepted,
        ),
        row(
            Q,
            "merchant_config: 1025",
            |_| request(base_request().merchant_config(object_of_len(1025))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 1024,
                    actual: 1025,
                    ..
                }),
                ["merchant_config", "maximum of 1024"]
            ),
        ),
        row(
            Q,
            "ext_biz_param: 2048 (at the limit)",
            |_| request(base_request().ext_biz_param(object_of_len(2048))),
            Expect::Accepted,
        ),
        row(
            Q,
            "ext_biz_param: 2049",
            |_| request(base_request().ext_biz_param(object_of_len(2049))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 2048,
                    actual: 2049,
                    ..
                }),
                ["ext_biz_param", "maximum of 2048"]
            ),
        ),
        row(
            Q,
            "linked_merchant_id: 16 (at the limit)",
            |_| request(base_request().linked_merchant_id("2".repeat(16))),
            Expect::Accepted,
        ),
        row(
            Q,
            "linked_merchant_id: 17",
            |_| request(base_request().linked_merchant_id("2".repeat(17))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 16,
                    actual: 17,
                    ..
                }),
                ["linked_merchant_id", "maximum of 16"]
            ),
        ),
        row(
            Q,
            "linked_merchant_id: 14 + emoji = 16 units (at the limit)",
            |_| request(base_request().linked_merchant_id(format!("{}😀", "2".repeat(14)))),
            Expect::Accepted,
        ),
        row(
            Q,
            "linked_merchant_id: 15 + emoji = 16 characters, 17 units",
            |_| request(base_request().linked_merchant_id(format!("{}😀", "2".repeat(15)))),
            refused!(
                Got::Request(ValidationError::TooLong {
                    limit: 16,
                    actual: 17,
                    ..
                }),
                [
                    "`linked_merchant_id`",
                    "17 UTF-16 code units",
                    "maximum of 16"
                ]
            ),
        ),
        // --- the transaction_id pattern ---
        row(
            Q,
            "transaction_id: hyphen",
            |_| request(base_request().transaction_id("ZGYD-2016")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: an ID number with a dash",
            |_| request(base_request().transaction_id(format!("{ID_NUMBER}-1"))),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: full-width letters",
            |_| request(base_request().transaction_id("ＺＧＹＤ２０１６")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: an emoji",
            |_| request(base_request().transaction_id("ZGYD😀")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: newline and terminal escape",
            |_| request(base_request().transaction_id("ZGYD\n\u{1b}[31m2016")),
            refused!(
                Got::Request(ValidationError::Pattern { .. }),
                ["`transaction_id`", "pattern"]
            ),
        ),
        row(
            Q,
            "transaction_id: empty",
            |_| request(base_request().transaction_id("")),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`transaction_id`", "required"]
            ),
        ),
        // --- enums and required nested fields ---
        row(
            Q,
            "biz_code: empty value of the open enum",
            |_| request(base_request().biz_code(BizCode::from(""))),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`biz_code`", "required"]
            ),
        ),
        row(
            Q,
            "identity_param: empty ID number",
            |_| request(base_request().identity_param(IdentityParam::resident_id(NAME, ""))),
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`identity_param.cert_no`", "required"]
            ),
        ),
        row(
            Q,
            "materials: empty photo",
            |_| {
                Attempt::from(
                    Materials::builder()
                        .facial_picture_front("")
                        .build()
                        .map_err(Got::Request),
                )
            },
            refused!(
                Got::Request(ValidationError::Missing { .. }),
                ["`FACIAL_PICTURE_FRONT`", "required"]
            ),
        ),
        row(
            Q,
            "materials: photo that is not base64",
            |_| {
                Attempt::from(
                    Materials::builder()
                        .facial_picture_front("not base64 at all!")
                        .build()
                        .map_err(Got::Request),
                )
            },
            refused!(
                Got::Request(ValidationError::Pattern { .. } | ValidationError::Invalid { .. }),
                ["base64"]
            ),
        ),
        // --- raw biz_content against the spec (what `alipay call` checks) ---
        row(
            Q,
            "biz_content: identity_param holds invalid nested JSON",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = r#"{"cert_no":"2601"#.into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["identity_param"]
            ),
        ),
        row(
            Q,
            "biz_content: identity_param holds an array",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(r#"["{NAME}","{ID_NUMBER}"]"#).into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["identity_param"]
            ),
        ),
        row(
            Q,
            "biz_content: cert_no as a JSON number",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(
                        r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":{}}}"#,
                        &ID_NUMBER[..17]
                    )
                    .into()
                }))
            },
            refused!(Got::BizContent(BizContentError::Decode(_)), ["cert_no"]),
        ),
        row(
            Q,
            "biz_content: merchant_config holds invalid nested JSON",
            |_| biz_content(&biz_json(|v| v["merchant_config"] = r#"{"a":"#.into())),
            refused!(
                Got::BizContent(BizContentError::Decode(_)),
                ["merchant_config"]
            ),
        ),
        row(
            Q,
            "biz_content: biz_code (an enum) as an array",
            |_| {
                biz_content(&biz_json(|v| {
                    v["biz_code"] = serde_json::json!(["FACE_API"])
                }))
            },
            refused!(Got::BizContent(BizContentError::Decode(_)), ["biz_code"]),
        ),
        row(
            Q,
            "biz_content: a JSON string holding a name and ID number",
            |_| biz_content(&serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap()),
            refused!(Got::BizContent(BizContentError::Decode(_)), ["object|map"]),
        ),
        row(
            Q,
            "biz_content: transaction_id past its limit",
            |_| biz_content(&biz_json(|v| v["transaction_id"] = "A".repeat(33).into())),
            refused!(
                Got::BizContent(BizContentError::Invalid(ValidationError::TooLong { .. })),
                ["`transaction_id`", "maximum of 32"]
            ),
        ),
        row(
            Q,
            "biz_content: misspelt nested field",
            |_| {
                biz_content(&biz_json(|v| {
                    v["identity_param"] = format!(
                        r#"{{"identity_type":"CERT_INFO","cert_type":"IDENTITY_CARD","cert_name":"{NAME}","cert_no":"{ID_NUMBER}","cert_nmae":"x"}}"#
                    )
                    .into()
                }))
            },
            refused!(
                Got::BizContent(BizContentError::UnknownFields { .. }),
                ["cert_nmae"]
            ),
        ),
        // --- execute_raw ---
        row(
            Q,
            "execute_raw: biz_content that is not JSON",
            |fx| {
                raw_call(
                    fx,
                    "raw_bad_json",
                    METHOD,
                    &format!(r#"{{"cert_no":"{}"#, &ID_NUMBER[..10]),
                )
            },
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["not valid JSON"]
            ),
        ),
        row(
            Q,
            "execute_raw: biz_content with trailing data",
            |fx| raw_call(fx, "raw_trailing", METHOD, r#"{"a":1} {"b":2}"#),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["not valid JSON"]
            ),
        ),
        row(
            Q,
            "execute_raw: biz_content that is a JSON string, not an object",
            |fx| {
                let biz = serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap();
                raw_call(fx, "raw_string", METHOD, &biz)
            },
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["object"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with spaces",
            |fx| raw_call(fx, "raw_spaces", "alipay trade query", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: empty method",
            |fx| raw_call(fx, "raw_empty", "", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with a newline and terminal escape",
            |fx| raw_call(fx, "raw_ansi", "alipay.trade.query\n\u{1b}[2J", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method that is a person's name",
            |fx| raw_call(fx, "raw_name", NAME, "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        row(
            Q,
            "execute_raw: method with a leading dot",
            |fx| raw_call(fx, "raw_dot", ".alipay.trade.query", "{}"),
            refused!(
                Got::Call(Error::InvalidRequest(ValidationError::Invalid { .. })),
                ["`method`", "dotted method name"]
            ),
        ),
        // --- the request charset ---
        row(
            Q,
            "GBK client: a name GBK cannot encode",
            |fx| {
                fx.server.set(
                    "gbk_unencodable",
                    http("500 Internal Server Error", "unreachable"),
                );
                let client = fx
                    .base_for("gbk_unencodable")
                    .charset(Charset::Gbk)
                    .build()
                    .unwrap();
                let request = base_request()
                    .identity_param(IdentityParam::resident_id(format!("{NAME}😀"), ID_NUMBER))
                    .build()
                    .unwrap();
                Attempt::from(client.execute(&request).map_err(Got::Call))
            },
            refused!(Got::Call(Error::InvalidRequest(_)), ["gbk"]),
        ),
    ]
}

// ---------------------------------------------------------------------------------
// Responses.
// ---------------------------------------------------------------------------------

fn response_rows() -> Vec<Row> {
    use Area::Response as R;
    vec![
        row(
            R,
            "a correctly signed success (control)",
            |fx| call(fx, "control", http("200 OK", &fx.signed(SUCCESS_NODE))),
            Expect::Accepted,
        ),
        row(
            R,
            "truncated body",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                call(fx, "truncated", http("200 OK", &body[..body.len() / 2]))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["truncated"]
            ),
        ),
        row(
            R,
            "body shorter than its Content-Length",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let mut bytes = head.into_bytes();
                bytes.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
                call(fx, "short_body", Reply::Bytes(bytes))
            },
            refused!(Got::Call(Error::Transport(_)), ["response body"]),
        ),
        row(
            R,
            "HTML page with status 200",
            |fx| {
                call(
                    fx,
                    "html_200",
                    http_typed(
                        "200 OK",
                        "text/html",
                        "<html><head><title>Login</title></head><body>Please sign in</body></html>",
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON"]
            ),
        ),
        row(
            R,
            "HTML error page with status 502",
            |fx| {
                call(
                    fx,
                    "html_502",
                    http_typed(
                        "502 Bad Gateway",
                        "text/html",
                        "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["502"]
            ),
        ),
        row(
            R,
            "error page whose title holds an ID number and escapes",
            |fx| {
                let page = format!(
                    "<html><head><title>Denied for {ID_NUMBER_2}\u{1b}[31m</title></head></html>"
                );
                call(
                    fx,
                    "html_503_pii",
                    http_typed("503 Service Unavailable", "text/html", &page),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["503"]
            ),
        ),
        row(
            R,
            "redirect (not followed)",
            |fx| {
                let bytes = b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
                call(fx, "redirect", Reply::Bytes(bytes))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["302"]
            ),
        ),
        row(
            R,
            "empty body",
            |fx| call(fx, "empty", http("200 OK", "")),
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["empty|truncated"]
            ),
        ),
        row(
            R,
            "10 MiB + 1 body with its Content-Length",
            |fx| {
                let size = 10 * 1024 * 1024 + 1;
                let mut body = format!(r#"{{"{NODE_KEY}":{{"x":""#).into_bytes();
                body.resize(size - 3, b'A');
                body.extend_from_slice(br#""}}"#);
                call(
                    fx,
                    "ten_mib",
                    http_bytes("200 OK", "application/json", &body),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::TooLarge { limit: 10_485_760 })),
                ["larger than"]
            ),
        ),
        row(
            R,
            "endless body without Content-Length",
            |fx| call(fx, "endless", Reply::Endless),
            refused!(
                Got::Call(Error::Answer(AnswerError::TooLarge { .. })),
                ["larger than"]
            ),
        )
        .after(|fx| {
            // Reading stopped near the limit: the server could write at most the limit
            // plus what the loopback socket buffers hold.
            let sent = fx.server.wait_sent("endless")?;
            if sent > 32 * 1024 * 1024 {
                return Err(format!("the client read {sent} bytes of an endless body"));
            }
            Ok(())
        }),
        row(
            R,
            "duplicate response node",
            |fx| {
                let sign = fx.sign(SUCCESS_NODE.as_bytes());
                let forged = SUCCESS_NODE.replace(r#""passed":"true""#, r#""passed":"false""#);
                let body = format!(
                    r#"{{"{NODE_KEY}":{SUCCESS_NODE},"{NODE_KEY}":{forged},"sign":"{sign}"}}"#
                );
                call(fx, "dup_node", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["more than once"]
            ),
        ),
        row(
            R,
            "duplicate sign",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let body = body.replacen(r#","sign":"#, r#","sign":"AAAA","sign":"#, 1);
                call(fx, "dup_sign", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["more than once"]
            ),
        ),
        row(
            R,
            "GBK body to a UTF-8 client",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let gbk = Charset::Gbk.encode(&body).unwrap().into_owned();
                call(
                    fx,
                    "gbk_to_utf8",
                    http_bytes("200 OK", "application/json;charset=GBK", &gbk),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["utf-8"]
            ),
        ),
        row(
            R,
            "bytes invalid in GBK to a GBK client",
            |fx| {
                let mut body = format!(r#"{{"{NODE_KEY}":{{"code":"10000","msg":""#).into_bytes();
                body.extend_from_slice(&[0xff, 0xff, 0x80]);
                body.extend_from_slice(br#""},"sign":"AAAA"}"#);
                call_with(
                    fx,
                    "bad_gbk",
                    http_bytes("200 OK", "application/json;charset=GBK", &body),
                    |b| b.charset(Charset::Gbk),
                )
            },
            refused!(Got::Call(Error::Answer(AnswerError::Malformed(_))), ["gbk"]),
        ),
        row(
            R,
            "hostile nesting depth: the node is 100k nested arrays",
            |fx| {
                let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
                call(fx, "deep_node", http("200 OK", &fx.signed(&deep)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither an object"]
            ),
        ),
        row(
            R,
            "hostile nesting depth: 100k nested objects inside a signed node",
            |fx| {
                let deep = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
                let node = SUCCESS_NODE.replacen('{', &format!(r#"{{"deep":{deep},"#), 1);
                call(fx, "deep_inside", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["recursion|nest|depth"]
            ),
        ),
        row(
            R,
            "hostile nesting depth: 100k unclosed `[` as the body",
            |fx| call(fx, "deep_top", http("200 OK", &"[".repeat(100_000))),
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON object"]
            ),
        ),
        row(
            R,
            "UTF-8 BOM before a signed body",
            |fx| {
                let body = format!("\u{feff}{}", fx.signed(SUCCESS_NODE));
                call(fx, "bom", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["BOM|byte order mark"]
            ),
        ),
        row(
            R,
            "trailing data after a signed body",
            |fx| {
                let body = format!(
                    r#"{}{{"{NODE_KEY}":{{"passed":"false"}}}}"#,
                    fx.signed(SUCCESS_NODE)
                );
                call(fx, "trailing", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["trailing"]
            ),
        ),
        row(
            R,
            "top-level JSON string holding a name and ID number",
            |fx| {
                let body = serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap();
                call(fx, "top_string", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON object"]
            ),
        ),
        row(
            R,
            "unsigned error_response with a newline, ANSI escape and ID number in sub_msg",
            |fx| {
                let sub_msg = format!(
                    "参数无效\n2030-01-01T00:00:00Z INFO payment approved \u{1b}[32mcert_no={ID_NUMBER_2}\u{1b}[0m"
                );
                let body = serde_json::json!({"error_response": {
                    "code": "40004", "msg": "Business Failed",
                    "sub_code": "isv.invalid-param", "sub_msg": sub_msg,
                }})
                .to_string();
                call(fx, "hostile_sub_msg", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Gateway(_)),
                ["unsigned|not verified|unverified"]
            ),
        ),
        row(
            R,
            "unsigned error_response with a 100 KB sub_msg",
            |fx| {
                let body = serde_json::json!({"error_response": {
                    "code": "40004", "msg": "Business Failed",
                    "sub_code": "isv.invalid-param", "sub_msg": "错".repeat(100_000),
                }})
                .to_string();
                call(fx, "huge_sub_msg", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Gateway(_)),
                ["unsigned|not verified|unverified"]
            ),
        ),
        row(
            R,
            "unsigned error_response whose code is a number (ID digits)",
            |fx| {
                let body = format!(
                    r#"{{"error_response":{{"code":{ID_NUMBER_2:.17},"msg":"Business Failed"}}}}"#
                );
                call(fx, "numeric_code", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["code|result fields"]
            ),
        ),
        row(
            R,
            "signature over other content",
            |fx| {
                let body = fx.signed(SUCCESS_NODE).replacen(
                    r#""passed":"true""#,
                    r#""passed":"false""#,
                    1,
                );
                call(fx, "bad_signature", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Verify(VerifyError::SignatureMismatch(_))),
                ["does not verify"]
            ),
        ),
        row(
            R,
            "unsigned success",
            |fx| {
                let body = format!(r#"{{"{NODE_KEY}":{SUCCESS_NODE}}}"#);
                call(fx, "unsigned_success", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Verify(VerifyError::SignatureMismatch(_))),
                ["no signature"]
            ),
        ),
        row(
            R,
            "sign that is not base64",
            |fx| {
                let body =
                    format!(r#"{{"{NODE_KEY}":{SUCCESS_NODE},"sign":"%%% not base64 %%%"}}"#);
                call(fx, "sign_not_base64", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["base64"]
            ),
        ),
        row(
            R,
            "neither the method node nor error_response",
            |fx| {
                call(
                    fx,
                    "no_node",
                    http(
                        "200 OK",
                        r#"{"alipay_trade_query_response":{"code":"10000"},"sign":"AAAA"}"#,
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither"]
            ),
        ),
        row(
            R,
            "response node is a number",
            |fx| {
                let body = format!(r#"{{"{NODE_KEY}":{ID_NUMBER_2:.17},"sign":"AAAA"}}"#);
                call(fx, "node_number", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither an object"]
            ),
        ),
        row(
            R,
            "signed success whose `passed` holds a name and ID number",
            |fx| {
                let node = SUCCESS_NODE.replace(
                    r#""passed":"true""#,
                    &format!(r#""passed":"{NAME_2} {ID_NUMBER_2}""#),
                );
                call(fx, "typed_mismatch", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["passed"]
            ),
        ),
        row(
            R,
            "signed success without the required biz_no",
            |fx| {
                let node =
                    SUCCESS_NODE.replace(r#""biz_no":"ZM201612013000000393900404029253","#, "");
                call(fx, "missing_field", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["biz_no"]
            ),
        ),
        row(
            R,
            "signed AES-encrypted answer to a client without an AES key",
            |fx| {
                let node = r#""qq3oNf5TcLZl3dP2uVZyNw==""#;
                call(fx, "aes_unexpected", http("200 OK", &fx.signed(node)))
            },
            refused!(Got::Call(Error::Answer(AnswerError::Malformed(_))), ["AES"]),
        ),
        row(
            R,
            "answer slower than the timeout",
            |fx| {
                let reply = Reply::Slow(
                    Duration::from_secs(3),
                    http_raw(
                        "200 OK",
                        "application/json",
                        fx.signed(SUCCESS_NODE).as_bytes(),
                    ),
                );
                call_with(fx, "slow", reply, |b| b.timeout(Duration::from_millis(300)))
            },
            refused!(Got::Call(Error::Transport(_)), ["timed out"]),
        ),
    ]
}

// ---------------------------------------------------------------------------------
// Asynchronous notifications (verified by the app from the raw form body).
// ---------------------------------------------------------------------------------

/// Verifies a raw notification body for an RSA2 app.
fn notification(body: &str) -> Attempt {
    let key = AlipayPublicKey::parse(ALIPAY_PUBLIC).unwrap();
    Attempt::from(verify_notification(body.as_bytes(), SignType::Rsa2, &key).map_err(Got::Notify))
}

/// A plausible trade notification (its signature made up), with `extra` prepended.
fn notification_body(extra: &str) -> String {
    format!(
        "{extra}notify_time=2030-01-01+00%3A00%3A00&notify_type=trade_status_sync\
         &notify_id=ac05099524730693a8b330c5ecf72da9786&app_id={APP_ID}&charset=utf-8\
         &version=1.0&trade_no=2030010122001400000000000001&out_trade_no=CATALOGUE_0001\
         &trade_status=TRADE_SUCCESS&total_amount=88.88\
         &sign=c2lnbmF0dXJlIHRoYXQgZG9lcyBub3QgdmVyaWZ5"
    )
}

/// Percent-encodes every byte of `text` (enough for a form value).
fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn notification_rows() -> Vec<Row> {
    use Area::Notification as N;
    vec![
        row(
            N,
            "notification: empty body",
            |_| notification(""),
            refused!(Got::Notify(NotifyError::MissingSign), ["no `sign`"]),
        ),
        row(
            N,
            "notification: unsigned empty trade_status prepended",
            |_| notification(&notification_body("trade_status=&refund_fee=&")),
            refused!(
                Got::Notify(NotifyError::Duplicate(_)),
                ["`trade_status`", "more than once"]
            ),
        ),
        row(
            N,
            "notification: duplicate parameter named by an ID number",
            |_| {
                notification(&notification_body(&format!(
                    "{ID_NUMBER_2}=1&{ID_NUMBER_2}=2&"
                )))
            },
            refused!(Got::Notify(NotifyError::Duplicate(_)), ["more than once"]),
        ),
        row(
            N,
            "notification: duplicate parameter whose name holds a newline and escape",
            |_| notification(&notification_body("x%0A%1B%5B31m=1&x%0A%1B%5B31m=2&")),
            refused!(Got::Notify(NotifyError::Duplicate(_)), ["more than once"]),
        ),
        row(
            N,
            "notification: a value that re-splits into other parameters",
            |_| {
                let body = notification_body("")
                    .replace("&total_amount=88.88", "")
                    .replace(
                        "out_trade_no=CATALOGUE_0001",
                        "out_trade_no=CATALOGUE_0001%26total_amount%3D0.01",
                    );
                notification(&body)
            },
            refused!(
                Got::Notify(NotifyError::Ambiguous(_)),
                ["`out_trade_no`", "ambiguous"]
            ),
        ),
        row(
            N,
            "notification: sign_type RSA to an RSA2 app",
            |_| notification(&notification_body("sign_type=RSA&")),
            refused!(
                Got::Notify(NotifyError::SignTypeMismatch { .. }),
                ["sign_type=RSA"]
            ),
        ),
        row(
            N,
            "notification: unknown charset",
            |_| notification(&notification_body("").replace("charset=utf-8", "charset=big5")),
            refused!(
                Got::Notify(NotifyError::Unsupported { param: "charset" }),
                ["`charset`", "not supported"]
            ),
        ),
        row(
            N,
            "notification: bytes invalid in GBK",
            |_| {
                let body =
                    notification_body("subject=%FF%FF%80&").replace("charset=utf-8", "charset=gbk");
                notification(&body)
            },
            refused!(
                Got::Notify(NotifyError::Undecodable(_)),
                ["`subject`", "charset"]
            ),
        ),
        row(
            N,
            "notification: personal data under a signature that does not verify",
            |_| {
                let extra = format!("buyer_name={}&cert_no={ID_NUMBER}&", percent_encode(NAME));
                notification(&notification_body(&extra))
            },
            refused!(
                Got::Notify(NotifyError::SignatureInvalid),
                ["does not verify"]
            ),
        ),
        row(
            N,
            "notification: sign that is not base64",
            |_| notification(&notification_body("").replace("sign=c2lnbmF0dXJl", "sign=%25%25%25")),
            refused!(
                Got::Notify(NotifyError::SignatureInvalid),
                ["does not verify"]
            ),
        ),
    ]
}

// ---------------------------------------------------------------------------------
// A tiny HTTP/1.1 server on 127.0.0.1: one canned reply per case (the first path
// segment), one connection per request.
// ---------------------------------------------------------------------------------

#[derive(Clone)]
enum Reply {
    /// These bytes (status line, headers and body), then close.
    Bytes(Vec<u8>),
    /// Wait, then send the bytes.
    Slow(Duration, Vec<u8>),
    /// A 200 with no length that never ends (until the client hangs up).
    Endless,
}

fn http_raw(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn http_bytes(status: &str, content_type: &str, body: &[u8]) -> Reply {
    Reply::Bytes(http_raw(status, content_type, body))
}

fn http_typed(status: &str, content_type: &str, body: &str) -> Reply {
    http_bytes(status, content_type, body.as_bytes())
}

fn http(status: &str, body: &str) -> Reply {
    http_typed(status, "application/json;charset=utf-8", body)
}

struct Server {
    port: u16,
    replies: Mutex<HashMap<String, Reply>>,
    /// Body bytes written per case, recorded when the connection ends.
    sent: Mutex<HashMap<String, u64>>,
}

impl Server {
    fn start() -> Arc<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = Arc::new(Server {
            port: listener.local_addr().unwrap().port(),
            replies: Mutex::new(HashMap::new()),
            sent: Mutex::new(HashMap::new()),
        });
        let shared = Arc::clone(&server);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = Arc::clone(&shared);
                std::thread::spawn(move || server.serve(stream));
            }
        });
        server
    }

    fn url(&self, case: &str) -> String {
        format!("http://127.0.0.1:{}/{case}/gateway.do", self.port)
    }

    fn set(&self, case: &str, reply: Reply) {
        self.replies.lock().unwrap().insert(case.to_owned(), reply);
    }

    /// How many body bytes were written for `case`, once its connection has ended.
    fn wait_sent(&self, case: &str) -> Result<u64, String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(n) = self.sent.lock().unwrap().get(case) {
                return Ok(*n);
            }
            if Instant::now() > deadline {
                return Err(format!("the server never finished writing `{case}`"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn serve(&self, mut stream: TcpStream) {
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let Some(case) = read_request(&mut stream) else {
            return;
        };
        let reply = self.replies.lock().unwrap().get(&case).cloned();
        let sent = match reply {
            None => write_all(
                &mut stream,
                &http_raw("404 Not Found", "text/plain", b"no such case"),
            ),
            Some(Reply::Bytes(bytes)) => write_all(&mut stream, &bytes),
            Some(Reply::Slow(delay, bytes)) => {
                std::thread::sleep(delay);
                write_all(&mut stream, &bytes)
            }
            Some(Reply::Endless) => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
                let _ = stream.write_all(head.as_bytes());
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0u64;
                // 1 GiB at most, so a client that never stops cannot hang the test forever.
                while sent < 1 << 30 && stream.write_all(&chunk).is_ok() {
                    sent += chunk.len() as u64;
                }
                sent
            }
        };
        let _ = stream.shutdown(Shutdown::Both);
        self.sent.lock().unwrap().insert(case, sent);
    }
}

/// Writes `bytes`, returning how many were written before the peer went away.
fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> u64 {
    let mut sent = 0;
    for chunk in bytes.chunks(64 * 1024) {
        if stream.write_all(chunk).is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    sent
}

/// Reads one request (headers and `Content-Length` body, so that closing the socket
/// does not reset it) and returns its case: the first path segment.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut remaining = (header_end + length).saturating_sub(buf.len());
    while remaining > 0 {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        remaining = remaining.saturating_sub(n);
    }
    let path = head.split_whitespace().nth(1)?;
    Some(path.trim_start_matches('/').split('/').next()?.to_owned())
}
