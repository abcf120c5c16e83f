//! Notification verification: cases, scenarios and the oracle.

use super::*;

/// A change to the parameter list as sent.
#[derive(Arbitrary, Debug, Clone)]
pub enum PairMutation {
    /// Swap two parameters.
    Swap(u8, u8),
    /// Remove one.
    Drop(u8),
    /// Repeat one with another value, right after it.
    Duplicate {
        /// Which.
        at: u8,
        /// The second value.
        value: Text,
    },
    /// `name=` for an existing name, at the front.
    PrependEmpty(u8),
    /// Add a parameter.
    Insert {
        /// Where.
        at: u8,
        /// Name.
        name: Name,
        /// Value.
        value: Text,
    },
    /// Change a value.
    SetValue {
        /// Which.
        at: u8,
        /// The new value.
        value: Text,
    },
    /// Move parameter `from` into the value of `into` as `&name=value` (percent-encoded).
    MoveInto {
        /// The moved parameter.
        from: u8,
        /// The one whose value receives it.
        into: u8,
    },
    /// Rename a parameter.
    Rename {
        /// Which.
        at: u8,
        /// The new name.
        name: Name,
    },
    /// Send a parameter as `name` without `=`.
    NameOnly(u8),
    /// Make a value empty.
    Empty(u8),
}

/// A generated notification case.
#[derive(Arbitrary, Debug, Clone)]
pub struct NotifyCase {
    /// `charset=gbk`.
    pub gbk: bool,
    /// The genuine parameters (names made unique; `sign`, `sign_type`, `charset` skipped).
    pub params: Vec<(Name, Text)>,
    /// Send `sign_type=RSA2` (unsigned, as Alipay does).
    pub sign_type: bool,
    /// Send `charset` (always for GBK).
    pub charset: bool,
    /// Where `sign` goes.
    pub sign_at: u8,
    /// Space as `+` (else `%20`).
    pub space_as_plus: bool,
    /// Percent-encode every byte, even unreserved ones.
    pub encode_all: bool,
    /// Changes to the parameter list.
    pub pair_mutations: Vec<PairMutation>,
    /// Changes to the body bytes.
    pub body_mutations: Vec<ByteMutation>,
}

/// A concrete notification check: a body and the genuine parameters that were signed.
#[derive(Debug, Clone)]
pub struct NotifyScenario {
    /// The charset of the signed bytes.
    pub charset: Charset,
    /// The body as received.
    pub body: Vec<u8>,
    /// The genuine parameters (without `sign`), in any order.
    pub genuine: Vec<(String, String)>,
}

impl NotifyScenario {
    /// As JSON, for `fuzz/regressions/notify_verify/*.json`.
    pub fn to_json(&self) -> String {
        let mut v = body_to_json(&self.body);
        v["charset"] = charset_name(self.charset).into();
        v["genuine"] = self
            .genuine
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        serde_json::to_string_pretty(&v).unwrap()
    }

    /// From [`NotifyScenario::to_json`]'s format.
    pub fn from_json(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).expect("scenario JSON");
        NotifyScenario {
            charset: parse_charset(v["charset"].as_str().unwrap_or("utf-8")),
            body: body_from_json(&v),
            genuine: v["genuine"]
                .as_array()
                .expect("genuine")
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap().to_owned(),
                        p[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        }
    }

    /// The parameters the signature covers: non-empty, without `sign_type`.
    pub fn signed(&self) -> Vec<(String, String)> {
        self.genuine
            .iter()
            .filter(|(k, v)| !v.is_empty() && k != "sign" && k != "sign_type")
            .cloned()
            .collect()
    }

    /// The sign content, by the Java rule, written independently of the crate's code.
    pub fn sign_content(&self) -> String {
        let mut pairs = self.signed();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub fn form_encode(text: &str, charset: Charset, space_as_plus: bool, all: bool) -> Option<String> {
    let bytes = charset.encode(text).ok()?;
    let mut out = String::new();
    for &b in bytes.iter() {
        if !all && (b.is_ascii_alphanumeric() || b"-_.*".contains(&b)) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

impl NotifyCase {
    /// Builds the body and the genuine parameters; `None` when the case cannot be sent
    /// or is ambiguous by construction (see below).
    pub fn scenario(&self) -> Option<(NotifyScenario, bool)> {
        let charset = if self.gbk {
            Charset::Gbk
        } else {
            Charset::Utf8
        };
        let mut genuine: Vec<(String, String)> = Vec::new();
        for (name, value) in self.params.iter().take(10) {
            let name = name.render();
            if ["sign", "sign_type", "charset"].contains(&name.as_str())
                || genuine.iter().any(|(k, _)| *k == name)
            {
                continue;
            }
            genuine.push((name, value.render()));
        }
        // A genuine value holding both `&` and `=` (`x&k=v`) signs the same content as
        // the parameters `x` and `k=v`: no verifier can tell those apart, so such a
        // genuine set is not a fair test.
        if genuine
            .iter()
            .any(|(_, v)| v.contains('&') && v.contains('='))
        {
            return None;
        }
        if self.charset || self.gbk {
            genuine.push(("charset".to_owned(), charset_name(charset).to_owned()));
        }
        if self.sign_type {
            genuine.push(("sign_type".to_owned(), "RSA2".to_owned()));
        }
        let scenario_genuine = genuine.clone();
        let at = self.sign_at as usize % (genuine.len() + 1);
        genuine.insert(at, ("sign".to_owned(), signature_b64()));

        // (name, value) with `None` = sent without `=`.
        let mut sent: Vec<(String, Option<String>)> =
            genuine.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for m in self.pair_mutations.iter().take(4) {
            let n = sent.len();
            match m {
                PairMutation::Swap(a, b) if n > 0 => sent.swap(*a as usize % n, *b as usize % n),
                PairMutation::Drop(a) if n > 0 => {
                    sent.remove(*a as usize % n);
                }
                PairMutation::Duplicate { at, value } if n > 0 => {
                    let at = *at as usize % n;
                    let name = sent[at].0.clone();
                    sent.insert(at + 1, (name, Some(value.render())));
                }
                PairMutation::PrependEmpty(a) if n > 0 => {
                    let name = sent[*a as usize % n].0.clone();
                    sent.insert(0, (name, Some(String::new())));
                }
                PairMutation::Insert { at, name, value } => {
                    sent.insert(
                        *at as usize % (n + 1),
                        (name.render(), Some(value.render())),
                    );
                }
                PairMutation::SetValue { at, value } if n > 0 => {
                    sent[*at as usize % n].1 = Some(value.render());
                }
                PairMutation::MoveInto { from, into } if n > 1 => {
                    let (name, value) = sent.remove(*from as usize % n);
                    let into = *into as usize % (n - 1);
                    let target = sent[into].1.get_or_insert_with(String::new);
                    let _ = write!(target, "&{name}={}", value.unwrap_or_default());
                }
                PairMutation::Rename { at, name } if n > 0 => {
                    sent[*at as usize % n].0 = name.render();
                }
                PairMutation::NameOnly(a) if n > 0 => sent[*a as usize % n].1 = None,
                PairMutation::Empty(a) if n > 0 => sent[*a as usize % n].1 = Some(String::new()),
                _ => {}
            }
        }
        let mut body = String::new();
        for (i, (k, v)) in sent.iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            body.push_str(&form_encode(
                k,
                charset,
                self.space_as_plus,
                self.encode_all,
            )?);
            if let Some(v) = v {
                body.push('=');
                body.push_str(&form_encode(
                    v,
                    charset,
                    self.space_as_plus,
                    self.encode_all,
                )?);
            }
        }
        let scenario = NotifyScenario {
            charset,
            body: Vec::new(),
            genuine: scenario_genuine,
        };
        charset.encode(&scenario.sign_content()).ok()?;
        let mut bytes = body.into_bytes();
        let extra = format!("sign={}", signature_b64()).into_bytes();
        for m in self.body_mutations.iter().take(6) {
            m.apply(&mut bytes, &extra);
        }
        let untouched = self.pair_mutations.is_empty() && self.body_mutations.is_empty();
        Some((
            NotifyScenario {
                body: bytes,
                ..scenario
            },
            untouched,
        ))
    }
}

/// Checks one scenario: if the notification verifies, every parameter it presents is a
/// signed genuine parameter with its genuine value (or `sign_type` naming the app's
/// algorithm), and every signed genuine parameter is presented with its value. Returns
/// whether it verified.
pub fn check_notify(s: &NotifyScenario, must_verify: bool) -> bool {
    let content = s.sign_content();
    let accepted = s.charset.encode(&content).expect("encodable").into_owned();
    let verifier = StandIn { accepted };
    let result = verify_notification(&s.body, SignType::Rsa2, &verifier);
    let signed = s.signed();
    match &result {
        Ok(n) => {
            for (k, v) in n.params() {
                if k == "sign_type" {
                    assert!(
                        v == "RSA2",
                        "FINDING: verified with sign_type={v:?}\nscenario: {}",
                        s.to_json()
                    );
                    continue;
                }
                let genuine = signed.iter().find(|(g, _)| g == k).map(|(_, v)| v);
                assert!(
                    genuine == Some(v),
                    "FINDING: verified notification presents {k:?} = {v:?}, but the signed value is \
                     {genuine:?}\nscenario: {}",
                    s.to_json()
                );
            }
            for (k, v) in &signed {
                assert!(
                    n.get(k) == Some(v.as_str()),
                    "FINDING: verified notification gives get({k:?}) = {:?}, signed {v:?}\nscenario: {}",
                    n.get(k),
                    s.to_json()
                );
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                !must_verify,
                "genuine unmodified notification rejected: {e}\nscenario: {}",
                s.to_json()
            );
            false
        }
    }
}

/// The `notify_verify` fuzz target: the first byte picks the mode.
pub fn notify_case(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 8 == 0 {
        // Arbitrary bytes: never panics, whatever the verifier says.
        for verifier in [&AcceptAll as &dyn Verifier, &StandIn { accepted: vec![] }] {
            for sign_type in [SignType::Rsa2, SignType::Rsa] {
                if let Err(e) = verify_notification(rest, sign_type, verifier) {
                    let _ = e.to_string();
                }
            }
        }
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(case) = NotifyCase::arbitrary(&mut u) else {
        return;
    };
    if let Some((scenario, untouched)) = case.scenario() {
        check_notify(&scenario, untouched);
    }
}
