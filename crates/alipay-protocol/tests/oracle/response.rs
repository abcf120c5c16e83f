//! Response verification: cases, scenarios and the oracle.

use super::*;

/// A structural change to the node as sent (the signed node stays the original).
#[derive(Arbitrary, Debug, Clone)]
pub enum NodeMutation {
    /// Swap two fields.
    Swap(u8, u8),
    /// Remove a field.
    Drop(u8),
    /// Repeat a field's key with another value, right after it.
    Duplicate {
        /// Which field.
        at: u8,
        /// The second value.
        value: Text,
    },
    /// Add a field.
    Insert {
        /// Where.
        at: u8,
        /// Key.
        key: Text,
        /// Value.
        value: Text,
    },
    /// Change a value.
    SetValue {
        /// Which field.
        at: u8,
        /// The new value.
        value: Text,
    },
    /// Write `/` the other way (`\/` vs `/`) in the sent node.
    FlipSlashStyle,
    /// Write non-ASCII the other way (raw vs `\u`).
    FlipNonAsciiStyle,
}

/// A generated response case.
#[derive(Arbitrary, Debug, Clone)]
pub struct ResponseCase {
    /// `error_response` instead of `<method>_response`.
    pub error_node: bool,
    /// GBK instead of UTF-8.
    pub gbk: bool,
    /// Put `code`/`msg` first (a realistic node).
    pub with_status: bool,
    /// The node's fields (keys made unique).
    pub fields: Vec<(Text, Text)>,
    /// The node as sent escapes `/` as `\/`.
    pub escape_slash: bool,
    /// Alipay signed the node with plain `/` but sent `\/` (the Java fallback case).
    pub signed_with_plain_slash: bool,
    /// Non-ASCII as `\u` escapes.
    pub escape_non_ascii: bool,
    /// `sign` before the node.
    pub sign_first: bool,
    /// A top-level `alipay_cert_sn`.
    pub cert_sn: Option<Text>,
    /// Structural changes to the sent node.
    pub node_mutations: Vec<NodeMutation>,
    /// Changes to the body bytes.
    pub body_mutations: Vec<ByteMutation>,
}

/// A concrete response check: a body, and the exact node text the stand-in accepts.
#[derive(Debug, Clone)]
pub struct ResponseScenario {
    /// The body's charset (also the charset of `signed`'s bytes).
    pub charset: Charset,
    /// The body as received.
    pub body: Vec<u8>,
    /// The node text that was signed.
    pub signed: String,
}

impl ResponseScenario {
    /// As JSON, for `fuzz/regressions/response_verify/*.json`.
    pub fn to_json(&self) -> String {
        let mut v = body_to_json(&self.body);
        v["charset"] = charset_name(self.charset).into();
        v["signed"] = self.signed.clone().into();
        serde_json::to_string_pretty(&v).unwrap()
    }

    /// From [`ResponseScenario::to_json`]'s format.
    pub fn from_json(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).expect("scenario JSON");
        ResponseScenario {
            charset: parse_charset(v["charset"].as_str().unwrap_or("utf-8")),
            body: body_from_json(&v),
            signed: v["signed"].as_str().expect("signed").to_owned(),
        }
    }
}

pub fn unique_fields(fields: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in fields {
        if !out.iter().any(|(seen, _)| *seen == k) {
            out.push((k, v));
        }
    }
    out
}

impl ResponseCase {
    /// Builds the body and what was signed; `None` when the case cannot be sent (text
    /// that the charset cannot encode).
    pub fn scenario(&self) -> Option<(ResponseScenario, bool)> {
        let charset = if self.gbk {
            Charset::Gbk
        } else {
            Charset::Utf8
        };
        let mut fields = Vec::new();
        if self.with_status {
            fields.push(("code".to_owned(), "10000".to_owned()));
            fields.push(("msg".to_owned(), "Success".to_owned()));
        }
        fields.extend(
            self.fields
                .iter()
                .take(8)
                .map(|(k, v)| (k.render(), v.render())),
        );
        let fields = unique_fields(fields);
        let signed_style = Style {
            escape_slash: self.escape_slash && !self.signed_with_plain_slash,
            escape_non_ascii: self.escape_non_ascii,
        };
        let mut sent_style = Style {
            escape_slash: self.escape_slash || self.signed_with_plain_slash,
            escape_non_ascii: self.escape_non_ascii,
        };
        let signed = json_object(&fields, signed_style);

        let mut sent_fields = fields.clone();
        for m in self.node_mutations.iter().take(4) {
            let n = sent_fields.len();
            match m {
                NodeMutation::Swap(a, b) if n > 0 => {
                    sent_fields.swap(*a as usize % n, *b as usize % n)
                }
                NodeMutation::Drop(a) if n > 0 => {
                    sent_fields.remove(*a as usize % n);
                }
                NodeMutation::Duplicate { at, value } if n > 0 => {
                    let at = *at as usize % n;
                    let key = sent_fields[at].0.clone();
                    sent_fields.insert(at + 1, (key, value.render()));
                }
                NodeMutation::Insert { at, key, value } => {
                    sent_fields.insert(*at as usize % (n + 1), (key.render(), value.render()));
                }
                NodeMutation::SetValue { at, value } if n > 0 => {
                    sent_fields[*at as usize % n].1 = value.render();
                }
                NodeMutation::FlipSlashStyle => sent_style.escape_slash = !sent_style.escape_slash,
                NodeMutation::FlipNonAsciiStyle => {
                    sent_style.escape_non_ascii = !sent_style.escape_non_ascii
                }
                _ => {}
            }
        }
        let sent = json_object(&sent_fields, sent_style);

        let plain = Style {
            escape_slash: false,
            escape_non_ascii: false,
        };
        let node_key = if self.error_node {
            "error_response"
        } else {
            METHOD_KEY
        };
        let mut members = vec![
            (node_key.to_owned(), sent.clone()),
            ("sign".to_owned(), {
                let mut s = String::new();
                json_str(&signature_b64(), plain, &mut s);
                s
            }),
        ];
        if self.sign_first {
            members.swap(0, 1);
        }
        if let Some(sn) = &self.cert_sn {
            let mut s = String::new();
            json_str(&sn.render(), plain, &mut s);
            members.push(("alipay_cert_sn".to_owned(), s));
        }
        let mut body = String::from("{");
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            json_str(k, plain, &mut body);
            body.push(':');
            body.push_str(v);
        }
        body.push('}');

        let encoded = charset.encode(&body).ok()?.into_owned();
        charset.encode(&signed).ok()?;
        let mut extra = Vec::new();
        extra.extend_from_slice(b"\"");
        extra.extend_from_slice(node_key.as_bytes());
        extra.extend_from_slice(b"\":");
        extra.extend_from_slice(&charset.encode(&sent).ok()?);
        let mut bytes = encoded;
        for m in self.body_mutations.iter().take(6) {
            m.apply(&mut bytes, &extra);
        }
        // Unmutated, the body is what Alipay sends: the node as signed, or (fallback
        // case) with each `/` written `\/`.
        let untouched = self.node_mutations.is_empty() && self.body_mutations.is_empty();
        Some((
            ResponseScenario {
                charset,
                body: bytes,
                signed,
            },
            untouched,
        ))
    }
}

/// Checks one scenario: if the verifier says verified, the verified node must hold
/// exactly the signed node's fields (order and duplicates included) and status.
/// `must_verify`: the body is genuine and unmodified, so it must verify. Returns the
/// outcome when it verified.
pub fn check_response(s: &ResponseScenario, must_verify: bool) -> Option<Outcome> {
    let accepted = s.charset.encode(&s.signed).expect("encodable").into_owned();
    let verifier = StandIn { accepted };
    let opts = VerifyOptions {
        method: METHOD,
        sign_type: SignType::Rsa2,
        charset: s.charset,
        verifier: &verifier,
    };
    let result = verify_response(&s.body, &opts);
    match &result {
        Ok(Checked::Verified(v)) => {
            let want: Members = serde_json::from_str(&s.signed).expect("the signed node parses");
            let got: Result<Members, _> = serde_json::from_str(v.raw());
            let got_fields = got.as_ref().ok();
            assert!(
                got_fields == Some(&want),
                "FINDING: verified ({}) but the handed-out node differs from the signed one\n\
                 signed fields: {want:?}\nhanded out raw: {:?}\nscenario: {}",
                v.outcome(),
                v.raw(),
                s.to_json()
            );
            let want_status: Option<GatewayStatus> = serde_json::from_str(&s.signed).ok();
            assert!(
                v.status() == want_status.as_ref(),
                "FINDING: verified but status() differs from the signed node's\nscenario: {}",
                s.to_json()
            );
            Some(v.outcome())
        }
        Ok(Checked::UnsignedError(u)) => {
            let _ = format!("{:?}", u.status);
            None
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                !must_verify,
                "genuine unmodified body rejected: {e}\nscenario: {}",
                s.to_json()
            );
            None
        }
    }
}

/// The `response_verify` fuzz target: the first byte picks the mode.
pub fn response_case(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 8 == 0 {
        response_raw(rest);
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(case) = ResponseCase::arbitrary(&mut u) else {
        return;
    };
    if let Some((scenario, untouched)) = case.scenario() {
        check_response(&scenario, untouched);
    }
}

/// Arbitrary bytes, with a verifier that accepts anything: never panics, and a
/// "verified" node is a span of the body.
pub fn response_raw(data: &[u8]) {
    for charset in [Charset::Utf8, Charset::Gbk] {
        for method in [METHOD, "a"] {
            let opts = VerifyOptions {
                method,
                sign_type: SignType::Rsa2,
                charset,
                verifier: &AcceptAll,
            };
            match verify_response(data, &opts) {
                Ok(Checked::Verified(v)) => {
                    let body = charset.decode(data).expect("a verified body decodes");
                    assert!(
                        body.contains(v.raw()),
                        "FINDING: the verified node is not a span of the body"
                    );
                }
                Ok(Checked::UnsignedError(_)) => {}
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
}
