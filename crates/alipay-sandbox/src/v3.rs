//! OpenAPI v3 of `alipay.user.certify.open.{initialize, query}`:
//! `POST /v3/alipay/user/certify/open/initialize` and
//! `GET /v3/alipay/user/certify/open/query?certify_id=…`, with the business rules of
//! their `gateway.do` form (the same handlers and ledger, so a `certify_id` from one
//! protocol is known to the other and to the certify page).
//!
//! A request is admitted when its `Authorization: ALIPAY-SHA256withRSA
//! app_id=…[,app_cert_sn=…],nonce=…,timestamp=…,sign=…` names a known app, its
//! timestamp (epoch milliseconds) is within the sandbox's window of its clock, its
//! nonce is new, and the signature verifies with the app's key over
//! `<auth>\n<METHOD>\n<path?query as received>\n<body>\n[<app auth token>\n]`. Every
//! answer, refusals included, is signed the v3 way: `alipay-signature` over
//! `<alipay-timestamp>\n<alipay-nonce>\n<body>\n` with the Alipay key (in certificate
//! mode the Alipay certificate's, named by `alipay-sn`). Errors are the v3 error
//! object `{code, message, links}` with an HTTP 4xx/5xx status.

use std::collections::HashMap;
use std::sync::PoisonError;
use std::time::Duration;

use alipay_protocol::envelope::{sign_base64, verify_base64};
use alipay_protocol::v3::{self, NonceSource as _, RandomNonce};
use alipay_protocol::{Charset, SignType, form};
use serde_json::{Map, Value};

use crate::Fault;
use crate::gateway::{App, Gateway, MethodCall, NodeBody};

/// The v3 path of `alipay.user.certify.open.initialize`.
pub(crate) const INITIALIZE_PATH: &str = "/v3/alipay/user/certify/open/initialize";
/// The v3 path of `alipay.user.certify.open.query`.
pub(crate) const QUERY_PATH: &str = "/v3/alipay/user/certify/open/query";

/// The largest `Authorization` header read (a real one is about 450 bytes).
const MAX_AUTHORIZATION: usize = 4096;

/// One v3 answer.
pub(crate) struct V3Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) delay: Option<Duration>,
}

/// One v3 request as received.
pub(crate) struct V3Request<'a> {
    pub(crate) method: &'a str,
    /// The path and query exactly as on the request line: what the client signed.
    pub(crate) path_and_query: &'a str,
    /// Header names lower-cased, each name once (a repeated one is refused earlier).
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: &'a [u8],
}

/// A refusal or business error: HTTP status, v3 `code` and `message`.
struct V3Error {
    status: u16,
    code: String,
    message: String,
}

fn refuse(status: u16, code: &str, message: impl Into<String>) -> V3Error {
    V3Error {
        status,
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The request passed the common checks.
struct Admitted<'g> {
    app: &'g App,
    app_id: String,
    /// The JSON body, decrypted when it came as AES ciphertext.
    body: String,
    encrypted: bool,
}

impl Gateway {
    /// Answers one request to a v3 path.
    pub(crate) fn handle_v3(&self, request: &V3Request<'_>) -> V3Reply {
        let fault = self.take_fault();
        let (app, outcome) = match self.admit_v3(request) {
            Err((app, e)) => (app, Err(e)),
            Ok(admitted) => {
                let outcome = self.dispatch_v3(request, &admitted, fault.as_ref());
                (Some(admitted.app), outcome.map(|b| (b, admitted.encrypted)))
            }
        };
        let (status, content_type, body) = match outcome {
            Ok((fields, encrypted)) => {
                let json = fields_json(&fields);
                match (encrypted, app.and_then(|a| a.aes.as_ref())) {
                    (true, Some(key)) => match key.encrypt(&json, Charset::Utf8) {
                        Ok(cipher) => (200, "text/plain;charset=utf-8", cipher),
                        Err(_) => error_body(&refuse(500, "isp.unknown-error", "加密失败")),
                    },
                    _ => (200, "application/json;charset=utf-8", json),
                }
            }
            Err(e) => error_body(&e),
        };
        let mut reply = self.signed_v3(app, status, content_type, body);
        match fault {
            Some(Fault::Delay(d)) => reply.delay = Some(d),
            Some(Fault::ServerError) => {
                reply.status = 502;
                reply.content_type = "text/html;charset=utf-8";
                reply.headers.clear();
                reply.body = b"<html><head><title>502 Bad Gateway</title></head></html>".to_vec();
            }
            Some(Fault::TruncatedBody) => {
                let keep = reply.body.len() / 2;
                reply.body.truncate(keep);
            }
            Some(Fault::BadSignature) => {
                if let Some((_, sig)) = reply
                    .headers
                    .iter_mut()
                    .find(|(n, _)| *n == v3::header::SIGNATURE)
                {
                    // Another valid-looking signature: flip the first base64 digit.
                    let first = if sig.starts_with('A') { "B" } else { "A" };
                    sig.replace_range(..1, first);
                }
            }
            _ => {}
        }
        reply
    }

    fn admit_v3<'g>(
        &'g self,
        request: &V3Request<'_>,
    ) -> Result<Admitted<'g>, (Option<&'g App>, V3Error)> {
        let unauthorized = |message: &str| (None, refuse(401, "invalid-auth", message));
        let header = |name: &str| request.headers.get(name).map(String::as_str);
        let Some(authorization) = header(v3::header::AUTHORIZATION) else {
            return Err(unauthorized("缺少Authorization请求头"));
        };
        if authorization.len() > MAX_AUTHORIZATION {
            return Err(unauthorized("Authorization请求头过长"));
        }
        let Some(rest) = authorization
            .strip_prefix(v3::AUTH_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
        else {
            return Err(unauthorized(
                "Authorization须以ALIPAY-SHA256withRSA开头(唯一支持的签名算法)",
            ));
        };
        let Some((auth_string, sign)) = rest.rsplit_once(",sign=") else {
            return Err(unauthorized("Authorization缺少sign"));
        };
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for part in auth_string.split(',') {
            let Some((k, v)) = part.split_once('=') else {
                return Err(unauthorized("Authorization的字段须为key=value"));
            };
            if !matches!(k, "app_id" | "app_cert_sn" | "nonce" | "timestamp") {
                return Err(unauthorized("Authorization含有未知字段"));
            }
            if fields.insert(k, v).is_some() {
                return Err(unauthorized("Authorization的字段重复"));
            }
        }
        let (Some(app_id), Some(nonce), Some(timestamp)) = (
            fields.get("app_id"),
            fields.get("nonce"),
            fields.get("timestamp"),
        ) else {
            return Err(unauthorized("Authorization须含app_id、nonce和timestamp"));
        };
        let Some(app) = self.apps.get(*app_id) else {
            return Err((None, refuse(401, "invalid-app-id", "app_id无效")));
        };
        let signed_refusal = |status: u16, code: &str, message: &str| {
            Err((Some(app), refuse(status, code, message)))
        };
        // Epoch milliseconds, compared with the same window as gateway.do's timestamp.
        let now_ms = v3::epoch_millis(self.clock.now()).unwrap_or(0);
        match timestamp.parse::<u64>() {
            Ok(t) if Duration::from_millis(t.abs_diff(now_ms)) <= self.timestamp_window => {}
            Ok(_) => {
                return signed_refusal(
                    401,
                    "invalid-timestamp",
                    "timestamp与网关时间相差过大(请求已过期或时钟不准)",
                );
            }
            Err(_) => return signed_refusal(401, "invalid-timestamp", "timestamp须为毫秒时间戳"),
        }
        if nonce.is_empty() || nonce.len() > v3::MAX_NONCE_LEN {
            return signed_refusal(401, "invalid-nonce", "nonce须为1到64个字符");
        }
        match (&app.cert, fields.get("app_cert_sn")) {
            (Some(cert), Some(sn)) if *sn == cert.app_cert_sn => {
                if header(v3::header::ROOT_CERT_SN) != Some(cert.root_cert_sn.as_str()) {
                    return signed_refusal(
                        401,
                        "invalid-alipay-root-cert-sn",
                        "alipay-root-cert-sn与支付宝根证书不符",
                    );
                }
            }
            (Some(_), _) => {
                return signed_refusal(401, "invalid-app-cert-sn", "app_cert_sn与应用公钥证书不符");
            }
            (None, Some(_)) => {
                return signed_refusal(
                    401,
                    "invalid-app-cert-sn",
                    "本应用为公钥模式,不应传app_cert_sn",
                );
            }
            (None, None) => {}
        }
        let Ok(body) = std::str::from_utf8(request.body) else {
            return signed_refusal(400, "invalid-parameter", "请求体须为UTF-8文本");
        };
        let mut content = String::with_capacity(
            auth_string.len() + request.path_and_query.len() + body.len() + 16,
        );
        for line in [auth_string, request.method, request.path_and_query, body] {
            content.push_str(line);
            content.push('\n');
        }
        if let Some(token) = header(v3::header::APP_AUTH_TOKEN) {
            content.push_str(token);
            content.push('\n');
        }
        let verified = verify_base64(
            &app.public_key,
            SignType::Rsa2,
            Charset::Utf8,
            &content,
            sign,
        ) == Ok(true);
        if !verified {
            return signed_refusal(401, "invalid-signature", "验签出错,请确认签名内容与密钥");
        }
        // Only a verified nonce is remembered, so nobody can burn another app's nonces.
        if !self.remember_v3_nonce(app_id, nonce) {
            return signed_refusal(401, "invalid-nonce", "nonce已使用过(重放的请求)");
        }
        let encrypted = header(v3::header::ENCRYPT_TYPE).is_some();
        let body = match (encrypted, &app.aes) {
            // As over gateway.do: an app that turned content encryption on must encrypt.
            (false, Some(_)) if !body.is_empty() => {
                return signed_refusal(
                    400,
                    "missing-encrypt-type",
                    "该应用已开启接口内容加密,请求体须加密并传alipay-encrypt-type: AES",
                );
            }
            (false, _) => body.to_owned(),
            (true, Some(key)) if header(v3::header::ENCRYPT_TYPE) == Some("AES") => {
                match key.decrypt(body, Charset::Utf8) {
                    Ok(plain) => plain,
                    Err(_) => return signed_refusal(400, "invalid-parameter", "请求体解密失败"),
                }
            }
            (true, _) => {
                return signed_refusal(
                    400,
                    "invalid-parameter",
                    "本应用未开启AES内容加密,或alipay-encrypt-type不是AES",
                );
            }
        };
        Ok(Admitted {
            app,
            app_id: (*app_id).to_owned(),
            body,
            encrypted,
        })
    }

    /// Runs the method behind the path; `Ok` is a success's business fields.
    fn dispatch_v3(
        &self,
        request: &V3Request<'_>,
        admitted: &Admitted<'_>,
        fault: Option<&Fault>,
    ) -> Result<Vec<(&'static str, String)>, V3Error> {
        let (path, query) = request
            .path_and_query
            .split_once('?')
            .unwrap_or((request.path_and_query, ""));
        let (expected, biz_content) = match path {
            INITIALIZE_PATH => ("POST", admitted.body.clone()),
            QUERY_PATH => ("GET", query_json(query)?),
            _ => return Err(refuse(404, "not-found", "没有这个v3接口")),
        };
        if request.method != expected {
            return Err(refuse(
                405,
                "method-not-allowed",
                format!("本接口只接受{expected}"),
            ));
        }
        match fault {
            Some(Fault::UnknownError) => {
                return Err(refuse(500, "isp.unknown-error", "系统繁忙"));
            }
            Some(Fault::BusinessError(code)) => {
                return Err(refuse(400, code, "沙箱注入的业务错误"));
            }
            _ => {}
        }
        let call = MethodCall {
            app_id: &admitted.app_id,
            biz_content: &biz_content,
            params: &[],
            files: &[],
        };
        let node = match path {
            INITIALIZE_PATH => crate::open_certify::initialize(self, &call),
            _ => crate::open_certify::query(self, &call),
        };
        node_result(node)
    }

    /// Signs a v3 answer: `alipay-signature` over `timestamp\nnonce\nbody\n`.
    fn signed_v3(
        &self,
        app: Option<&App>,
        status: u16,
        content_type: &'static str,
        body: String,
    ) -> V3Reply {
        // A certificate-mode sandbox signs with its certificate also when the app is
        // unknown (a refusal before admission): its clients verify with that certificate.
        let cert_mode = app.is_none_or(|a| a.cert.is_some());
        let cert_state = match (cert_mode, &self.cert) {
            (true, Some(state)) => Some(state.lock().unwrap_or_else(PoisonError::into_inner)),
            _ => None,
        };
        let (key, sn) = match &cert_state {
            Some(state) => (&state.key, Some(state.sn.clone())),
            None => (&self.alipay_key, None),
        };
        let timestamp = v3::epoch_millis(self.clock.now()).unwrap_or(0).to_string();
        let nonce = RandomNonce.nonce();
        let message = format!("{timestamp}\n{nonce}\n{body}\n");
        let mut headers = vec![
            (v3::header::TIMESTAMP, timestamp),
            (v3::header::NONCE, nonce),
        ];
        // Signing fails only for text the charset cannot encode; UTF-8 encodes all.
        if let Ok(sign) = sign_base64(key, SignType::Rsa2, Charset::Utf8, &message) {
            headers.push((v3::header::SIGNATURE, sign));
        }
        if let Some(sn) = sn {
            headers.push((v3::header::ALIPAY_SN, sn));
        }
        if let Some(trace) = crate::flow::random_token() {
            headers.push((v3::header::TRACE_ID, trace));
        }
        V3Reply {
            status,
            content_type,
            body: body.into_bytes(),
            headers,
            delay: None,
        }
    }

    /// Remembers a request nonce; `false` when the app already used it.
    fn remember_v3_nonce(&self, app_id: &str, nonce: &str) -> bool {
        let mut seen = self
            .v3_nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let key = (app_id.to_owned(), nonce.to_owned());
        if seen.get(&key).is_some() {
            return false;
        }
        seen.get_or_insert_with(key, || ());
        true
    }
}

/// The query string as the JSON object the `gateway.do` handler reads: every
/// parameter a string, a repeated name refused.
fn query_json(query: &str) -> Result<String, V3Error> {
    let pairs = form::parse_bytes(query.as_bytes());
    if pairs.len() > 100 {
        return Err(refuse(400, "invalid-parameter", "查询参数过多"));
    }
    let mut object = Map::new();
    for (k, v) in pairs {
        let (Ok(k), Ok(v)) = (String::from_utf8(k), String::from_utf8(v)) else {
            return Err(refuse(400, "invalid-parameter", "查询参数须为UTF-8"));
        };
        if object.insert(k, Value::String(v)).is_some() {
            return Err(refuse(400, "invalid-parameter", "查询参数重复"));
        }
    }
    Ok(Value::Object(object).to_string())
}

/// A `gateway.do` answer node as v3: the business fields of a success, or the error
/// with its HTTP status (`40006` -> 403, `20000`/`20001` -> 500/401, other 4xxxx -> 400).
fn node_result(node: NodeBody) -> Result<Vec<(&'static str, String)>, V3Error> {
    if node.code == "10000" {
        return Ok(node.fields);
    }
    let status = match node.code {
        "20000" => 500,
        "20001" => 401,
        "40006" => 403,
        _ => 400,
    };
    Err(refuse(
        status,
        node.sub_code.as_deref().unwrap_or("unknown-error"),
        node.sub_msg.unwrap_or_default(),
    ))
}

/// The success body: the fields in the handler's order.
fn fields_json(fields: &[(&'static str, String)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(*k).to_string());
        out.push(':');
        out.push_str(&Value::from(v.as_str()).to_string());
    }
    out.push('}');
    out
}

fn error_body(e: &V3Error) -> (u16, &'static str, String) {
    let body = serde_json::json!({"code": e.code, "message": e.message, "links": []});
    (e.status, "application/json;charset=utf-8", body.to_string())
}
