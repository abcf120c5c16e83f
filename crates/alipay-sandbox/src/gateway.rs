//! The emulated `gateway.do`: common-parameter checks, request signature verification,
//! dispatch to a method, and signed responses — the server side of `alipay-protocol`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use alipay_protocol::envelope::{sign_base64, verify_base64};
use alipay_protocol::{AesKey, AlipayPublicKey, AppPrivateKey, Charset, SignType};
use serde_json::{Map, Value};

use crate::multipart::{FilePart, RequestBody};
use crate::{Fault, RecordedRequest};

/// How many v3 request nonces are remembered. Older ones are forgotten first; a
/// request older than the timestamp window is refused anyway, so only a flood of more
/// than this many calls within the window could replay one.
const V3_NONCES_KEPT: usize = 100_000;

/// An app registered with the sandbox.
pub(crate) struct App {
    /// Verifies request signatures (the key of the app certificate in certificate mode).
    pub(crate) public_key: AlipayPublicKey,
    /// Set for a certificate-mode app.
    pub(crate) cert: Option<AppCert>,
    /// Set for an app with content encryption (接口内容加密) turned on.
    pub(crate) aes: Option<AesKey>,
}

/// The serials a certificate-mode app must send.
pub(crate) struct AppCert {
    pub(crate) app_cert_sn: String,
    pub(crate) root_cert_sn: String,
}

/// The CA and current Alipay certificate of a certificate-mode sandbox.
pub(crate) struct CertState {
    /// The whole set, kept for its CA key: rotation issues from it.
    pub(crate) set: crate::certs::CertSet,
    /// The current Alipay certificate's private key: signs certificate-mode answers.
    pub(crate) key: AppPrivateKey,
    /// The current `alipay_cert_sn`.
    pub(crate) sn: String,
}

/// One answer: HTTP status, content type and exact body bytes.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
    pub(crate) delay: Option<Duration>,
    /// Further headers (the certify pages' security headers).
    pub(crate) headers: &'static [(&'static str, &'static str)],
}

/// A response node under construction: result fields first, then business fields, in
/// the order the real gateway writes them.
pub(crate) struct NodeBody {
    pub(crate) code: &'static str,
    pub(crate) msg: &'static str,
    pub(crate) sub_code: Option<String>,
    pub(crate) sub_msg: Option<String>,
    pub(crate) fields: Vec<(&'static str, String)>,
}

impl NodeBody {
    pub(crate) fn success(fields: Vec<(&'static str, String)>) -> NodeBody {
        NodeBody {
            code: "10000",
            msg: "Success",
            sub_code: None,
            sub_msg: None,
            fields,
        }
    }

    pub(crate) fn error(
        code: &'static str,
        sub_code: &str,
        sub_msg: impl Into<String>,
    ) -> NodeBody {
        let msg = match code {
            "20000" => "Service Currently Unavailable",
            "20001" => "Insufficient Token Permissions",
            "40001" => "Missing Required Arguments",
            "40002" => "Invalid Arguments",
            "40004" => "Business Failed",
            "40006" => "Insufficient Permissions",
            _ => "Unknown Error",
        };
        NodeBody {
            code,
            msg,
            sub_code: Some(sub_code.to_owned()),
            sub_msg: Some(sub_msg.into()),
            fields: Vec::new(),
        }
    }

    fn to_json(&self) -> String {
        let mut map = Map::new();
        map.insert("code".into(), Value::from(self.code));
        map.insert("msg".into(), Value::from(self.msg));
        if let Some(s) = &self.sub_code {
            map.insert("sub_code".into(), Value::from(s.as_str()));
        }
        if let Some(s) = &self.sub_msg {
            map.insert("sub_msg".into(), Value::from(s.as_str()));
        }
        for (k, v) in &self.fields {
            map.insert((*k).into(), Value::from(v.as_str()));
        }
        // serde_json keeps insertion order only with `preserve_order`; write by hand
        // instead so the field order is the gateway's whatever features are enabled.
        let mut out = String::from("{");
        let order = ["code", "msg", "sub_code", "sub_msg"]
            .into_iter()
            .chain(self.fields.iter().map(|(k, _)| *k));
        for (i, key) in order.filter(|k| map.contains_key(*k)).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&Value::from(key).to_string());
            out.push(':');
            out.push_str(&map[key].to_string());
        }
        out.push('}');
        out
    }
}

/// What a method handler gets.
pub(crate) struct MethodCall<'a> {
    pub(crate) app_id: &'a str,
    pub(crate) biz_content: &'a str,
    /// Every parameter as decoded (a form-parameter method's fields are here).
    pub(crate) params: &'a [(String, String)],
    /// The file parts of a multipart request (not signed).
    pub(crate) files: &'a [FilePart],
}

/// The shared state of a running sandbox.
pub(crate) struct Gateway {
    pub(crate) apps: HashMap<String, App>,
    pub(crate) alipay_key: AppPrivateKey,
    pub(crate) product_code: String,
    pub(crate) timestamp_window: Duration,
    pub(crate) clock: std::sync::Arc<dyn alipay_protocol::Clock>,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    /// The most recent requests, oldest first, at most `record_limit` of them.
    pub(crate) log: Mutex<VecDeque<RecordedRequest>>,
    /// How many requests `log` keeps; 0 records nothing.
    pub(crate) record_limit: usize,
    pub(crate) certify: crate::certify::Ledger,
    /// The certifications of the initialize / page / query flows.
    pub(crate) flows: crate::flow::Flows,
    /// `http://<addr>`, for URLs the sandbox hands out (the face page's `certify_url`).
    pub(crate) base_url: String,
    /// Certificate mode: the CA and the current Alipay certificate.
    pub(crate) cert: Option<Mutex<CertState>>,
    /// OpenAPI v3 request nonces already used, per app (a repeat is a replay).
    pub(crate) v3_nonces: Mutex<crate::flow::Bounded<(String, String), ()>>,
}

impl Gateway {
    /// The state of a sandbox serving `config`.
    pub(crate) fn new(config: crate::SandboxConfig) -> Gateway {
        Gateway {
            apps: config.apps,
            alipay_key: config.alipay_private_key,
            product_code: config.product_code,
            timestamp_window: config.timestamp_window,
            clock: config.clock,
            faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(VecDeque::new()),
            record_limit: config.record_limit,
            certify: crate::certify::Ledger::new(config.certification_capacity),
            flows: crate::flow::Flows::new(config.certification_capacity, config.certify_ttl),
            base_url: String::new(),
            cert: config.cert.map(Mutex::new),
            v3_nonces: Mutex::new(crate::flow::Bounded::new(V3_NONCES_KEPT)),
        }
    }

    /// The next injected fault, if any: each applies to exactly one request.
    pub(crate) fn take_fault(&self) -> Option<Fault> {
        self.faults
            .lock()
            .map(|mut q| q.pop_front())
            .unwrap_or(None)
    }

    /// Handles one HTTP request given its raw query and body.
    pub(crate) fn handle(&self, query: &[u8], body: &RequestBody) -> Reply {
        let fault = self.take_fault();
        let mut reply = self.answer(query, body, fault.as_ref());
        match fault {
            Some(Fault::Delay(d)) => reply.delay = Some(d),
            Some(Fault::ServerError) => {
                reply.status = 502;
                reply.content_type = "text/html;charset=utf-8".into();
                reply.body = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                    <body><h1>502 Bad Gateway</h1><p>Tengine</p></body></html>"
                    .to_vec();
            }
            Some(Fault::TruncatedBody) => {
                let keep = reply.body.len() / 2;
                reply.body.truncate(keep);
            }
            _ => {}
        }
        reply
    }

    fn answer(&self, query: &[u8], body: &RequestBody, fault: Option<&Fault>) -> Reply {
        let admitted = match self.admit(query, body, fault) {
            Ok(admitted) => admitted,
            Err(refusal) => return self.refuse(*refusal),
        };
        if crate::flow::PAGE_METHODS.contains(&admitted.method.as_str()) {
            return crate::page::open(self, &admitted);
        }
        let files = match body {
            RequestBody::Multipart { files, .. } => files.as_slice(),
            _ => &[],
        };
        let call = MethodCall {
            app_id: &admitted.app_id,
            biz_content: &admitted.biz_content,
            params: &admitted.params,
            files,
        };
        let mut node = crate::flow::dispatch(self, &admitted.method, &call);
        if let (Some(Fault::OmitField(name) | Fault::ReplaceField(name, _)), "10000") =
            (&fault, node.code)
        {
            match node.fields.iter().position(|(k, _)| k == name) {
                // A fault that names no field of the answer would let a test pass
                // without testing anything: say so in the answer instead.
                None => {
                    node = NodeBody::error(
                        "20000",
                        "sandbox.fault-names-no-field",
                        format!(
                            "the injected fault names `{name}`, which this answer does not have"
                        ),
                    );
                }
                Some(i) => match &fault {
                    Some(Fault::ReplaceField(_, value)) => node.fields[i].1.clone_from(value),
                    _ => {
                        node.fields.remove(i);
                    }
                },
            }
        }
        let mut reply = self.signed(
            admitted.app,
            &admitted.key,
            admitted.sign_type,
            admitted.charset,
            node,
            admitted.encrypt,
        );
        if matches!(fault, Some(Fault::BadSignature)) {
            corrupt_signature(&mut reply.body);
        }
        reply
    }

    /// Answers a refused request: an error page for a browser, else JSON, signed when
    /// the client's algorithm is known.
    fn refuse(&self, refusal: crate::admit::Refusal<'_>) -> Reply {
        if refusal.page {
            return crate::page::refused(&refusal.node);
        }
        let crate::admit::Refusal {
            node,
            charset,
            signer,
            ..
        } = refusal;
        match signer {
            Some((app, key, sign_type)) => self.signed(app, &key, sign_type, charset, node, false),
            None => self.unsigned_error(charset, node),
        }
    }

    pub(crate) fn signature_ok(
        &self,
        app: &App,
        sign_type: SignType,
        charset: Charset,
        content: &str,
        sign: &str,
    ) -> bool {
        verify_base64(&app.public_key, sign_type, charset, content, sign) == Ok(true)
    }

    /// Keeps the request for [`crate::Sandbox::requests`], dropping the oldest beyond
    /// the limit so a long-running sandbox neither grows without bound nor holds on to
    /// more personal data (ID numbers, photos in `biz_content`) than asked for.
    pub(crate) fn record(&self, params: &[(String, String)]) {
        if self.record_limit == 0 {
            return;
        }
        if let Ok(mut log) = self.log.lock() {
            while log.len() >= self.record_limit {
                log.pop_front();
            }
            log.push_back(RecordedRequest {
                params: params.to_vec(),
            });
        }
    }

    /// A body that could not be read (a malformed or oversized multipart body): an
    /// unsigned `error_response` 40002 `isv.invalid-parameter`, as for too many
    /// parameters, in the charset the query names (UTF-8 when it names none or an
    /// unknown one).
    pub(crate) fn unreadable_body(&self, query: &[u8], sub_msg: String) -> Reply {
        let charset = alipay_protocol::form::decode(&alipay_protocol::form::parse_bytes(query))
            .map(|f| f.charset)
            .unwrap_or(Charset::Utf8);
        self.unsigned_error(
            charset,
            NodeBody::error("40002", "isv.invalid-parameter", sub_msg),
        )
    }

    /// `{"error_response":{...}}` with no signature, as the gateway answers when it
    /// cannot tell which algorithm the client verifies with (no known app, or no usable
    /// `sign_type` for an unknown method). Encoded in the
    /// request's `charset`, which the client decodes the answer with; UTF-8 (and a
    /// Content-Type saying so) only when that charset cannot encode the text.
    fn unsigned_error(&self, charset: Charset, node: NodeBody) -> Reply {
        let body = format!("{{\"error_response\":{}}}", node.to_json());
        match charset.encode(&body) {
            Ok(bytes) => json_reply(charset, bytes.into_owned()),
            Err(_) => json_reply(Charset::Utf8, body.into_bytes()),
        }
    }

    /// `{"<key>":{...},"sign":"..."}`, signed with the Alipay key over the node's bytes
    /// in the request charset. For a certificate-mode app the key is the current Alipay
    /// certificate's and `"alipay_cert_sn"` sits between the node and `sign`, as the
    /// real gateway writes it. With `encrypt` (an AES app's method answer) the node is a
    /// JSON string of base64 ciphertext and the signature covers that token, quotes
    /// included.
    fn signed(
        &self,
        app: &App,
        key: &str,
        sign_type: SignType,
        charset: Charset,
        node: NodeBody,
        encrypt: bool,
    ) -> Reply {
        let mut text = node.to_json();
        if let (true, Some(aes)) = (encrypt, &app.aes)
            && let Ok(cipher) = aes.encrypt(&text, charset)
        {
            text = Value::from(cipher).to_string();
        }
        // A poisoned lock still holds a whole key and SN (they are replaced together);
        // dropping to the public-key signer would answer a certificate-mode app without
        // `alipay_cert_sn`, which reads to the client as a gateway defect.
        let cert_state = match (&app.cert, &self.cert) {
            (Some(_), Some(state)) => Some(state.lock().unwrap_or_else(PoisonError::into_inner)),
            _ => None,
        };
        let (signing_key, cert_sn) = match &cert_state {
            Some(state) => (&state.key, Some(state.sn.as_str())),
            None => (&self.alipay_key, None),
        };
        // No fallback to another algorithm: a signature the client cannot verify with
        // its sign_type is worse than none (it reads as a mismatch, not an error).
        let sign = sign_base64(signing_key, sign_type, charset, &text);
        let sn_member = cert_sn
            .map(|sn| format!(",\"alipay_cert_sn\":\"{sn}\""))
            .unwrap_or_default();
        let body = match sign {
            Ok(sign) => format!("{{\"{key}\":{text}{sn_member},\"sign\":\"{sign}\"}}"),
            // Only reachable when the text cannot be encoded in the charset; answer
            // unsigned rather than with a signature over different bytes.
            Err(_) => format!("{{\"{key}\":{text}{sn_member}}}"),
        };
        let bytes = match charset.encode(&body) {
            Ok(b) => b.into_owned(),
            Err(_) => return json_reply(Charset::Utf8, body.into_bytes()),
        };
        json_reply(charset, bytes)
    }
}

fn json_reply(charset: Charset, body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: format!("text/html;charset={}", charset.as_str()),
        body,
        delay: None,
        // The gateway's own content type is text/html, and error answers echo request
        // text (parameter names, the sign content): never let a browser run it.
        headers: &[
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", "default-src 'none'"),
        ],
    }
}

/// Flips one character inside the signature, keeping it valid base64.
fn corrupt_signature(body: &mut [u8]) {
    let marker = b"\"sign\":\"";
    if let Some(pos) = body.windows(marker.len()).position(|w| w == marker) {
        let i = pos + marker.len() + 10;
        if let Some(b) = body.get_mut(i) {
            *b = if *b == b'A' { b'B' } else { b'A' };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_certificate_lock_still_answers_with_the_certificate_sn() {
        let certs = crate::CertSet::generate("2021000000000001").unwrap();
        let gateway = Gateway::new(crate::SandboxConfig::from_cert_set(&certs).unwrap());
        let state = gateway.cert.as_ref().unwrap();
        let sn = state.lock().unwrap().sn.clone();
        std::thread::scope(|s| {
            let poisoner = s.spawn(|| {
                let _held = state.lock().unwrap();
                panic!("poison the certificate lock");
            });
            assert!(poisoner.join().is_err());
        });
        assert!(state.is_poisoned());
        let app = &gateway.apps["2021000000000001"];
        let reply = gateway.signed(
            app,
            "x_response",
            SignType::Rsa2,
            Charset::Utf8,
            NodeBody::success(vec![]),
            false,
        );
        let body = String::from_utf8(reply.body).unwrap();
        assert!(
            body.contains(&format!("\"alipay_cert_sn\":\"{sn}\"")),
            "{body}"
        );
    }
}
