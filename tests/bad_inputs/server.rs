//! A tiny HTTP/1.1 server on 127.0.0.1: one canned reply per case (the first path
//! segment), one connection per request, so hostile bodies are sent byte for byte.

use super::*;

#[derive(Clone)]
pub(crate) enum Reply {
    /// These bytes (status line, headers and body), then close.
    Bytes(Vec<u8>),
    /// Wait, then send the bytes.
    Slow(Duration, Vec<u8>),
    /// A 200 with no length that never ends (until the client hangs up).
    Endless,
}

pub(crate) fn http_raw(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

pub(crate) fn http_bytes(status: &str, content_type: &str, body: &[u8]) -> Reply {
    Reply::Bytes(http_raw(status, content_type, body))
}

pub(crate) fn http_typed(status: &str, content_type: &str, body: &str) -> Reply {
    http_bytes(status, content_type, body.as_bytes())
}

pub(crate) fn http(status: &str, body: &str) -> Reply {
    http_typed(status, "application/json;charset=utf-8", body)
}

pub(crate) struct Server {
    pub(crate) port: u16,
    pub(crate) replies: Mutex<HashMap<String, Reply>>,
    /// Body bytes written per case, recorded when the connection ends.
    pub(crate) sent: Mutex<HashMap<String, u64>>,
}

impl Server {
    pub(crate) fn start() -> Arc<Server> {
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

    pub(crate) fn url(&self, case: &str) -> String {
        format!("http://127.0.0.1:{}/{case}/gateway.do", self.port)
    }

    pub(crate) fn set(&self, case: &str, reply: Reply) {
        self.replies.lock().unwrap().insert(case.to_owned(), reply);
    }

    /// How many body bytes were written for `case`, once its connection has ended.
    pub(crate) fn wait_sent(&self, case: &str) -> Result<u64, String> {
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

    pub(crate) fn serve(&self, mut stream: TcpStream) {
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
pub(crate) fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> u64 {
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
pub(crate) fn read_request(stream: &mut TcpStream) -> Option<String> {
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
