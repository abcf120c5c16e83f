//! The gateway itself: what it received, what to answer, the listener and its thread,
//! and the bare HTTP/1.1 reading and writing it does.

use super::*;

/// One request as the gateway saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// Whether `sign` verifies with the app public key over the received parameters.
    pub signature_ok: bool,
    /// The sign content recomputed from what arrived.
    pub sign_content: String,
    /// Which TCP connection (0-based, in accept order) carried it.
    pub connection: usize,
    /// The file parts of a `multipart/form-data` body (its text parts are in `form`).
    pub files: Vec<ReceivedFile>,
    /// The body's length in bytes.
    pub body_len: usize,
}

/// One file part of a multipart body.
#[derive(Debug, Clone)]
pub struct ReceivedFile {
    pub name: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Received {
    /// A parameter from the query or the form.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.form.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn method(&self) -> &str {
        self.param("method").unwrap_or_default()
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `{"<method>_response":<node>,"sign":"…"}` signed with the Alipay test key.
    Signed(String),
    /// Like `Signed`, but signed with the app key (so verification fails).
    SignedWithWrongKey(String),
    /// A signed answer in certificate mode and/or with AES content encryption.
    SignedWith(SignedReply),
    /// This exact body with status 200.
    Body(String),
    /// Any status, extra headers and body.
    Http {
        status: u16,
        reason: &'static str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Declares `declared` bytes, sends `body` (shorter), closes the connection.
    LyingLength { declared: usize, body: Vec<u8> },
    /// A chunked 200 body of `total` bytes, stopped early if the client goes away.
    Chunked { total: usize },
    /// Waits, then answers.
    Delay(Duration, Box<Reply>),
    /// Closes the connection without answering.
    Close,
}

/// How to write a [`Reply::SignedWith`] answer, the way the real gateway writes them.
#[derive(Debug, Clone, Default)]
pub struct SignedReply {
    /// The plain response node.
    pub node: String,
    /// The signing key (PEM); the "Alipay" test key when `None`.
    pub key_pem: Option<String>,
    /// Adds `"alipay_cert_sn"` between the node and `sign` (certificate mode).
    pub alipay_cert_sn: Option<String>,
    /// Encrypts the node with this AES key (base64): the node becomes a JSON string of
    /// ciphertext and the signature covers that token, quotes included.
    pub aes_key: Option<String>,
}

impl SignedReply {
    pub fn new(node: impl Into<String>) -> Self {
        SignedReply {
            node: node.into(),
            ..Default::default()
        }
    }

    pub fn cert_sn(mut self, sn: impl Into<String>) -> Self {
        self.alipay_cert_sn = Some(sn.into());
        self
    }

    pub fn key(mut self, pem: impl Into<String>) -> Self {
        self.key_pem = Some(pem.into());
        self
    }

    pub fn aes(mut self, key_base64: impl Into<String>) -> Self {
        self.aes_key = Some(key_base64.into());
        self
    }

    fn body(&self, method: &str, default_key: &AppPrivateKey) -> String {
        let own_key = self
            .key_pem
            .as_ref()
            .map(|pem| AppPrivateKey::parse(pem).expect("reply key"));
        let key = own_key.as_ref().unwrap_or(default_key);
        let node = match &self.aes_key {
            Some(k) => {
                let cipher = AesKey::from_base64(k)
                    .expect("aes key")
                    .encrypt(&self.node, Charset::Utf8)
                    .expect("encrypt");
                serde_json::Value::from(cipher).to_string()
            }
            None => self.node.clone(),
        };
        let sign = sign_base64(key, SignType::Rsa2, Charset::Utf8, &node).expect("sign");
        let sn = self
            .alipay_cert_sn
            .as_ref()
            .map(|sn| format!(r#","alipay_cert_sn":"{sn}""#))
            .unwrap_or_default();
        format!(
            r#"{{"{}":{node}{sn},"sign":"{sign}"}}"#,
            response_key(method)
        )
    }
}

type Handler = dyn Fn(&Received, usize) -> Reply + Send + Sync;

struct Shared {
    handler: Box<Handler>,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
    alipay_key: AppPrivateKey,
    app_app_key: AppPrivateKey,
    app_public: AlipayPublicKey,
    /// Bytes of `Chunked` bodies actually written.
    chunked_written: AtomicUsize,
}

/// A running test gateway; stops when dropped.
pub struct TestGateway {
    pub url: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestGateway {
    /// Starts a gateway whose answers come from `handler(request, attempt_index)`.
    pub fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            alipay_key: AppPrivateKey::parse(ALIPAY_PRIVATE_PEM).expect("alipay key"),
            app_app_key: AppPrivateKey::parse(APP_PRIVATE_PEM).expect("app key"),
            app_public: AlipayPublicKey::parse(APP_PUBLIC_PEM).expect("app public key"),
            chunked_written: AtomicUsize::new(0),
        });
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let server_shared = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let id = server_shared.connections.fetch_add(1, Ordering::SeqCst);
                            tokio::spawn(serve(stream, id, Arc::clone(&server_shared)));
                        }
                    }
                }
            });
        });
        TestGateway {
            url: format!("http://{addr}/gateway.do"),
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Answers every request with the same reply.
    pub fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone())
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn attempts(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many bytes of chunked bodies were written before the client went away.
    pub fn chunked_bytes_written(&self) -> usize {
        self.shared.chunked_written.load(Ordering::SeqCst)
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/gateway.do")
}

struct Request {
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (Content-Length bodies only, which is what reqwest
/// sends for a string body). `None` when the peer closed the connection.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let target = request_line.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[body_start..body_start + length].to_vec();
    buf.drain(..body_start + length);
    Some(Request {
        target,
        headers,
        body,
    })
}

fn parse_form(s: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(s).into_owned().collect()
}

/// Splits a `multipart/form-data` body into text parts (as form pairs, so the
/// signature check sees exactly them) and file parts. Panics on a malformed body: a
/// test must notice.
fn parse_multipart(body: &[u8], boundary: &str) -> (Vec<(String, String)>, Vec<ReceivedFile>) {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], from: usize, needle: &[u8]| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    assert!(
        body.starts_with(delimiter.as_bytes()),
        "multipart body starts with the boundary"
    );
    let closing = format!("\r\n--{boundary}--\r\n");
    assert!(
        body.ends_with(closing.as_bytes()),
        "multipart body ends with the closing boundary"
    );
    let next = format!("\r\n--{boundary}");
    let (mut form, mut files) = (Vec::new(), Vec::new());
    let mut at = delimiter.len();
    while body[at..].starts_with(b"\r\n") {
        let head_end = find(body, at, b"\r\n\r\n").expect("part headers end");
        let head = String::from_utf8(body[at + 2..head_end].to_vec()).expect("UTF-8 part headers");
        let end = find(body, head_end + 4, next.as_bytes()).expect("part ends at a boundary");
        let content = body[head_end + 4..end].to_vec();
        let disposition = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Disposition: form-data; "))
            .expect("Content-Disposition");
        let content_type = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: "))
            .unwrap_or_default()
            .to_owned();
        let attr = |key: &str| {
            disposition
                .split("; ")
                .find_map(|a| a.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_owned())
        };
        let name = attr("name").expect("a part name");
        match attr("filename") {
            Some(file_name) => files.push(ReceivedFile {
                name,
                file_name,
                content_type,
                bytes: content,
            }),
            None => form.push((name, String::from_utf8(content).expect("UTF-8 text part"))),
        }
        at = end + next.len();
    }
    (form, files)
}

async fn serve(mut stream: TcpStream, connection: usize, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((request.target.as_str(), ""));
        let query = parse_form(query.as_bytes());
        let boundary = request
            .headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .and_then(|(_, v)| v.strip_prefix("multipart/form-data; boundary="))
            .map(str::to_owned);
        let (form, files) = match &boundary {
            Some(b) => parse_multipart(&request.body, b),
            None => (parse_form(&request.body), Vec::new()),
        };
        let all: Vec<(&str, &str)> = query
            .iter()
            .chain(form.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let content = sign_content(all.iter().copied());
        let sign_type = match all.iter().find(|(k, _)| *k == "sign_type") {
            Some((_, "RSA")) => SignType::Rsa,
            _ => SignType::Rsa2,
        };
        let signature_ok = all
            .iter()
            .find(|(k, _)| *k == "sign")
            .and_then(|(_, s)| STANDARD.decode(s).ok())
            .is_some_and(|sig| {
                shared
                    .app_public
                    .verify(sign_type, content.as_bytes(), &sig)
            });
        let received = Received {
            path: path.to_owned(),
            query: query.clone(),
            form: form.clone(),
            headers: request.headers,
            signature_ok,
            sign_content: content,
            connection,
            files,
            body_len: request.body.len(),
        };
        let attempt = {
            let mut all = shared.received.lock().unwrap();
            all.push(received.clone());
            all.len() - 1
        };
        let reply = (shared.handler)(&received, attempt);
        let keep_open = answer(&mut stream, reply, &received, attempt, &shared).await;
        if !keep_open {
            break;
        }
    }
}

fn signed_body(key: &AppPrivateKey, method: &str, node: &str) -> String {
    let sign = sign_base64(key, SignType::Rsa2, Charset::Utf8, node).expect("sign");
    format!(r#"{{"{}":{node},"sign":"{sign}"}}"#, response_key(method))
}

/// Writes the reply; returns whether the connection stays usable.
async fn answer(
    stream: &mut TcpStream,
    reply: Reply,
    received: &Received,
    attempt: usize,
    shared: &Shared,
) -> bool {
    let mut reply = reply;
    while let Reply::Delay(d, inner) = reply {
        tokio::time::sleep(d).await;
        reply = *inner;
    }
    let trace = format!("0b{attempt:04}testtrace");
    let ok = |body: String| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html;charset=utf-8\r\ntrace_id: {trace}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let (bytes, keep_open) = match reply {
        Reply::Signed(node) => (
            ok(signed_body(&shared.alipay_key, received.method(), &node)),
            true,
        ),
        Reply::SignedWithWrongKey(node) => (
            ok(signed_body(&shared.app_app_key, received.method(), &node)),
            true,
        ),
        Reply::SignedWith(reply) => (ok(reply.body(received.method(), &shared.alipay_key)), true),
        Reply::Body(body) => (ok(body), true),
        Reply::Http {
            status,
            reason,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body);
            (bytes, true)
        }
        Reply::LyingLength { declared, body } => {
            let mut bytes = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n"
            )
            .into_bytes();
            bytes.extend_from_slice(&body);
            (bytes, false)
        }
        Reply::Chunked { total } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let piece = vec![b' '; 16 * 1024];
            let mut sent = 0;
            while sent < total {
                let n = piece.len().min(total - sent);
                let mut chunk = format!("{n:x}\r\n").into_bytes();
                chunk.extend_from_slice(&piece[..n]);
                chunk.extend_from_slice(b"\r\n");
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += n;
                shared.chunked_written.fetch_add(n, Ordering::SeqCst);
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
            return false;
        }
        Reply::Close => return false,
        Reply::Delay(..) => unreachable!("delays are unwrapped above"),
    };
    if stream.write_all(&bytes).await.is_err() {
        return false;
    }
    let _ = stream.flush().await;
    if !keep_open {
        let _ = stream.shutdown().await;
    }
    keep_open
}
