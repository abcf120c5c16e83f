//! The harness of the catalogue: the personal data and key material no message may
//! hold, the checks on message text, and the table itself (`Row`, what a row expects,
//! and how a row is run and judged). The rows live in the modules beside this one.

use super::*;

// ---------------------------------------------------------------------------------
// Inputs: personal data and key material that must never come back in a message.
// ---------------------------------------------------------------------------------

/// A second identity used in hostile answers (valid GB 11643 check digit).
pub(crate) const NAME_2: &str = "张三";
pub(crate) const ID_NUMBER_2: &str = "110101199003074477";

/// Names that must never appear in an error message.
pub(crate) const NAMES: &[&str] = &[NAME, NAME_2];
/// ID numbers used in the inputs; no run of 6 of their digits may appear either.
pub(crate) const ID_NUMBERS: &[&str] = &[ID_NUMBER, ID_NUMBER_2];

pub(crate) const METHOD: &str = "zhima.customer.certification.material.certify";
pub(crate) const NODE_KEY: &str = "zhima_customer_certification_material_certify_response";
pub(crate) const APP_ID: &str = "2021000000000001";

macro_rules! data {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/", $path))
    };
}

/// Throwaway test keys and certificates of the transport and protocol crates (the
/// certificates chain to `ROOT_CERT` and are valid 2020-01-01 to 2049-12-31 UTC).
pub(crate) const APP_PRIVATE: &str =
    data!("alipay-transport/tests/data/keys/app_private_pkcs1.pem");
pub(crate) const APP_PRIVATE_PKCS8_B64: &str =
    data!("alipay-transport/tests/data/keys/app_private_pkcs8.b64");
pub(crate) const APP_PUBLIC: &str = data!("alipay-transport/tests/data/keys/app_public.pem");
pub(crate) const ALIPAY_PRIVATE: &str =
    data!("alipay-transport/tests/data/keys/alipay_private_pkcs1.pem");
pub(crate) const ALIPAY_PUBLIC: &str = data!("alipay-transport/tests/data/keys/alipay_public.pem");
pub(crate) const SMALL_PRIVATE: &str =
    data!("alipay-transport/tests/data/keys/small_1024_private_pkcs1.pem");
pub(crate) const EC_PRIVATE: &str = data!("alipay-protocol/tests/data/extra-keys/ec_private.pem");
pub(crate) const ENCRYPTED_PRIVATE: &str =
    data!("alipay-protocol/tests/data/extra-keys/app_private_encrypted_pkcs8.pem");
pub(crate) const APP_CERT: &str =
    data!("alipay-transport/tests/data/certs/appCertPublicKey_2021000000000001.crt");
pub(crate) const ALIPAY_CERT: &str =
    data!("alipay-transport/tests/data/certs/alipayCertPublicKey_RSA2.crt");
pub(crate) const ROOT_CERT: &str = data!("alipay-transport/tests/data/certs/alipayRootCert.crt");
pub(crate) const FOREIGN_ALIPAY_CERT: &str =
    data!("alipay-transport/tests/data/certs/foreign_alipayCertPublicKey_RSA2.crt");
pub(crate) const SELF_SIGNED_CERT: &str =
    data!("alipay-transport/tests/data/certs/self_signed.crt");

/// Every key and certificate an input is made from.
pub(crate) const KEY_MATERIAL: &[&str] = &[
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
pub(crate) const KEY_WINDOW: usize = 16;
/// The longest message a row may produce (unverified text must be capped).
pub(crate) const MAX_MESSAGE_CHARS: usize = 2048;

/// The base64 bodies of a PEM (or bare base64) text: header, footer and `Key: value`
/// lines dropped, whitespace removed.
pub(crate) fn base64_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect()
}

/// Every 16-character window of every key's and certificate's base64 body.
pub(crate) fn key_windows() -> &'static HashSet<String> {
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
pub(crate) fn key_material_in(text: &str) -> Option<String> {
    let windows = key_windows();
    text.as_bytes()
        .windows(KEY_WINDOW)
        .filter_map(|w| std::str::from_utf8(w).ok())
        .find(|w| windows.contains(*w))
        .map(str::to_owned)
}

/// A name, an ID number or six consecutive digits of one found in `text`, if any.
pub(crate) fn personal_data_in(text: &str) -> Option<String> {
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
pub(crate) fn control_char_in(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// Problems with a text that may be shown to users or logged: personal data, key
/// material, and (for `Display`) control characters and excessive length.
pub(crate) fn leaks(what: &str, text: &str, display: bool) -> Vec<String> {
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
pub(crate) fn names_problem(text: &str, keywords: &[&str]) -> bool {
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
pub(crate) enum Got {
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
    pub(crate) fn debug(&self) -> String {
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
pub(crate) struct Attempt {
    pub(crate) result: Result<(), Got>,
    pub(crate) shown: String,
}

impl Attempt {
    pub(crate) fn from<T: std::fmt::Debug>(result: Result<T, Got>) -> Attempt {
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

    pub(crate) fn shown(mut self, text: String) -> Attempt {
        self.shown.push(' ');
        self.shown.push_str(&text);
        self
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Area {
    Config,
    Request,
    Response,
    Notification,
}

pub(crate) enum Expect {
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

pub(crate) type Input = Box<dyn Fn(&Fixture) -> Attempt>;
pub(crate) type After = fn(&Fixture) -> Result<(), String>;

pub(crate) struct Row {
    pub(crate) area: Area,
    pub(crate) name: &'static str,
    pub(crate) input: Input,
    pub(crate) expect: Expect,
    /// Row-specific strings that must not appear in the message (e.g. a password).
    pub(crate) forbid: &'static [&'static str],
    /// A check after the attempt (e.g. on what the server saw).
    pub(crate) after: Option<After>,
}

pub(crate) fn row(
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
    pub(crate) fn forbid(mut self, forbid: &'static [&'static str]) -> Row {
        self.forbid = forbid;
        self
    }

    pub(crate) fn after(mut self, after: After) -> Row {
        self.after = Some(after);
        self
    }

    /// Runs the row; `Ok` holds the message (if refused), `Err` a one-line summary of
    /// what is wrong.
    pub(crate) fn check(&self, fx: &Fixture) -> Result<String, String> {
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
pub(crate) fn variant_names(pattern: &str) -> Vec<String> {
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
pub(crate) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message on one line, control characters escaped and length bounded, for the
/// failure summary.
pub(crate) fn one_line(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(400) {
        Some((i, _)) => format!("{}… ({} chars)", &escaped[..i], escaped.chars().count()),
        None => escaped,
    }
}
