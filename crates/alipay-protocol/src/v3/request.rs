//! v3 requests: the auth string, the sign string, the `Authorization` header and the
//! body as sent (JSON, AES ciphertext or multipart).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{AUTH_SCHEME, MAX_NONCE_LEN, header, is_token};
use crate::aes::{AesError, AesKey};
use crate::charset::Charset;
use crate::crypto::{SignError, SignType, Signer};

/// Who signs: the app, and in certificate mode its certificate SNs.
#[derive(Debug, Clone, Copy)]
pub struct V3Identity<'a> {
    /// The app id.
    pub app_id: &'a str,
    /// Certificate mode: the app certificate's SN, which joins the auth string.
    pub app_cert_sn: Option<&'a str>,
    /// Certificate mode: the Alipay root bundle's SN, sent in `alipay-root-cert-sn`
    /// (not signed).
    pub alipay_root_cert_sn: Option<&'a str>,
}

/// One file part of a multipart upload.
#[derive(Clone, Copy)]
pub struct V3File<'a> {
    /// The form field name, e.g. `file_content`.
    pub name: &'a str,
    /// The file name sent, e.g. `face.jpg`.
    pub filename: &'a str,
    /// The part's content type, e.g. `image/jpeg`.
    pub content_type: &'a str,
    /// The file content (never signed).
    pub bytes: &'a [u8],
}

impl fmt::Debug for V3File<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File content may be a face photo: only its size is shown.
        f.debug_struct("V3File")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// What a request carries.
#[derive(Debug, Clone, Copy)]
pub enum V3Body<'a> {
    /// No body and no content type (a GET); the signed body line is empty.
    Empty,
    /// JSON text, sent as `application/json` and signed exactly as given (may be empty).
    Json(&'a str),
    /// JSON text to encrypt with the app's AES key: the base64 ciphertext is sent as
    /// `text/plain` with `alipay-encrypt-type: AES`, and the ciphertext is what is signed.
    Encrypted {
        /// The plaintext JSON.
        json: &'a str,
        /// The AES key (接口内容加密密钥).
        key: &'a AesKey,
    },
    /// `multipart/form-data`: the JSON of the `data` part is signed, the files are not.
    Multipart {
        /// The JSON of the `data` part.
        data: &'a str,
        /// The file parts.
        files: &'a [V3File<'a>],
    },
}

/// One call: HTTP method, path and query exactly as sent, body, and for ISV calls the
/// merchant's app_auth_token.
#[derive(Debug, Clone, Copy)]
pub struct V3Call<'a> {
    /// The HTTP method, upper case (`GET`, `POST`, …).
    pub http_method: &'a str,
    /// The path and query exactly as they go on the request line, percent-encoded
    /// (`/v3/alipay/user/certify/open/query?certify_id=…`): what is signed.
    pub path_and_query: &'a str,
    /// The body.
    pub body: V3Body<'a>,
    /// ISV calls: the app_auth_token, sent in `alipay-app-auth-token` and signed.
    pub app_auth_token: Option<&'a str>,
}

/// The body as it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub enum V3Payload {
    /// No body.
    Empty,
    /// A text body (`application/json` or, for AES ciphertext, `text/plain`).
    Text {
        /// The content type.
        content_type: &'static str,
        /// The body (the signed text).
        body: String,
    },
    /// A multipart form: the `data` part and the files.
    Multipart {
        /// The JSON of the `data` part (the signed text).
        data: String,
        /// The files: field name, file name, content type, bytes.
        files: Vec<(String, String, String, Vec<u8>)>,
    },
}

impl fmt::Debug for V3Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies carry personal data (names, ID numbers, photos): sizes only.
        match self {
            V3Payload::Empty => f.write_str("Empty"),
            V3Payload::Text { content_type, body } => f
                .debug_struct("Text")
                .field("content_type", content_type)
                .field("bytes", &body.len())
                .finish(),
            V3Payload::Multipart { data, files } => f
                .debug_struct("Multipart")
                .field("data_bytes", &data.len())
                .field("files", &files.len())
                .finish(),
        }
    }
}

impl V3Payload {
    /// The `Content-Type` to send (multipart: without the boundary), `None` for no body.
    pub fn content_type(&self) -> Option<&'static str> {
        match self {
            V3Payload::Empty => None,
            V3Payload::Text { content_type, .. } => Some(content_type),
            V3Payload::Multipart { .. } => Some("multipart/form-data"),
        }
    }

    /// The signed body text (the `data` part of a multipart form).
    pub fn signed_text(&self) -> &str {
        match self {
            V3Payload::Empty => "",
            V3Payload::Text { body, .. } => body,
            V3Payload::Multipart { data, .. } => data,
        }
    }

    /// The complete `multipart/form-data` body with `boundary`, and its content type;
    /// `None` when the payload is not multipart. The boundary must not occur in any
    /// part: pass a random one (the transport does).
    pub fn multipart_body(&self, boundary: &str) -> Option<(String, Vec<u8>)> {
        let V3Payload::Multipart { data, files } = self else {
            return None;
        };
        let mut out = Vec::with_capacity(
            data.len() + files.iter().map(|f| f.3.len() + 200).sum::<usize>() + 200,
        );
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"\r\n\
                 Content-Type: application/json\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data.as_bytes());
        for (name, filename, content_type, bytes) in files {
            out.extend_from_slice(
                format!(
                    "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                     filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Some((format!("multipart/form-data; boundary={boundary}"), out))
    }
}

/// Why a v3 request could not be built or signed. Never holds body text or keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum V3RequestError {
    /// A field cannot go into the auth string, the sign string or a header as given.
    #[error("v3 request: `{field}` {problem}")]
    InvalidField {
        /// The field (`app_id`, `nonce`, `path_and_query`, …).
        field: &'static str,
        /// What is wrong with it (never quotes it).
        problem: &'static str,
    },
    /// The body could not be encrypted.
    #[error("v3 request: the body could not be AES-encrypted")]
    Encrypt(#[source] AesError),
    /// The signer failed.
    #[error("v3 request: could not sign the request")]
    Sign(#[source] SignError),
}

fn invalid(field: &'static str, problem: &'static str) -> V3RequestError {
    V3RequestError::InvalidField { field, problem }
}

const NOT_A_TOKEN: &str = "must be non-empty and hold no `,`, `=`, whitespace or control character";

/// A request with its auth and sign strings, ready to sign.
#[derive(Clone)]
pub struct UnsignedV3Request {
    http_method: String,
    path_and_query: String,
    auth_string: String,
    sign_string: String,
    headers: Vec<(&'static str, String)>,
    payload: V3Payload,
}

impl fmt::Debug for UnsignedV3Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_request(f, "UnsignedV3Request", self)
    }
}

fn debug_request(f: &mut fmt::Formatter<'_>, name: &str, r: &UnsignedV3Request) -> fmt::Result {
    // The query may carry business data and the sign string holds the body: neither
    // is shown.
    let path = r.path_and_query.split('?').next().unwrap_or_default();
    f.debug_struct(name)
        .field("http_method", &r.http_method)
        .field("path", &path)
        .field("payload", &r.payload)
        .finish_non_exhaustive()
}

impl UnsignedV3Request {
    /// Builds the auth and sign strings for `call` by `identity`, with the `nonce` and
    /// `timestamp_ms` (epoch milliseconds) the caller took from its
    /// [`NonceSource`](super::NonceSource) and [`Clock`](crate::Clock). An encrypted
    /// body is encrypted here.
    pub fn new(
        identity: &V3Identity<'_>,
        call: &V3Call<'_>,
        nonce: &str,
        timestamp_ms: u64,
    ) -> Result<UnsignedV3Request, V3RequestError> {
        if !is_token(identity.app_id) {
            return Err(invalid("app_id", NOT_A_TOKEN));
        }
        if identity.app_cert_sn.is_some_and(|s| !is_token(s)) {
            return Err(invalid("app_cert_sn", NOT_A_TOKEN));
        }
        if identity.alipay_root_cert_sn.is_some_and(|s| !is_token(s)) {
            return Err(invalid("alipay_root_cert_sn", NOT_A_TOKEN));
        }
        if !is_token(nonce) {
            return Err(invalid("nonce", NOT_A_TOKEN));
        }
        if nonce.chars().count() > MAX_NONCE_LEN {
            return Err(invalid("nonce", "is longer than 64 characters"));
        }
        let m = call.http_method;
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "http_method",
                "must be an upper-case method name such as GET or POST",
            ));
        }
        let p = call.path_and_query;
        // A line break would forge a line of the sign string; anything outside
        // printable ASCII is not what goes on a request line.
        if !p.starts_with('/') || !p.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "path_and_query",
                "must start with `/` and be percent-encoded printable ASCII (no spaces or line breaks)",
            ));
        }
        if call.app_auth_token.is_some_and(|t| !is_token(t)) {
            return Err(invalid("app_auth_token", NOT_A_TOKEN));
        }
        let mut headers = Vec::new();
        let payload = match call.body {
            V3Body::Empty => V3Payload::Empty,
            V3Body::Json(json) => V3Payload::Text {
                content_type: "application/json",
                body: json.to_owned(),
            },
            V3Body::Encrypted { json, key } => {
                let body = key
                    .encrypt(json, Charset::Utf8)
                    .map_err(V3RequestError::Encrypt)?;
                headers.push((header::ENCRYPTION_ALGM, "AES".to_owned()));
                headers.push((header::ENCRYPT_TYPE, "AES".to_owned()));
                V3Payload::Text {
                    content_type: "text/plain",
                    body,
                }
            }
            V3Body::Multipart { data, files } => {
                for file in files {
                    if !is_part_name(file.name) || file.name == "data" {
                        return Err(invalid(
                            "file name",
                            "must be a form field name other than `data`, without quotes or line breaks",
                        ));
                    }
                    if !is_part_name(file.filename) {
                        return Err(invalid(
                            "file filename",
                            "must be non-empty, without quotes, backslashes or line breaks",
                        ));
                    }
                    if !is_part_name(file.content_type) {
                        return Err(invalid(
                            "file content_type",
                            "must be a media type without quotes or line breaks",
                        ));
                    }
                }
                V3Payload::Multipart {
                    data: data.to_owned(),
                    files: files
                        .iter()
                        .map(|f| {
                            (
                                f.name.to_owned(),
                                f.filename.to_owned(),
                                f.content_type.to_owned(),
                                f.bytes.to_vec(),
                            )
                        })
                        .collect(),
                }
            }
        };
        if let Some(token) = call.app_auth_token {
            headers.push((header::APP_AUTH_TOKEN, token.to_owned()));
        }
        if let Some(sn) = identity.alipay_root_cert_sn {
            headers.push((header::ROOT_CERT_SN, sn.to_owned()));
        }
        let mut auth_string = format!("app_id={}", identity.app_id);
        if let Some(sn) = identity.app_cert_sn {
            auth_string.push_str(",app_cert_sn=");
            auth_string.push_str(sn);
        }
        auth_string.push_str(&format!(",nonce={nonce},timestamp={timestamp_ms}"));
        let body = payload.signed_text();
        let mut sign_string = String::with_capacity(auth_string.len() + p.len() + body.len() + 64);
        for line in [auth_string.as_str(), m, p, body] {
            sign_string.push_str(line);
            sign_string.push('\n');
        }
        if let Some(token) = call.app_auth_token {
            sign_string.push_str(token);
            sign_string.push('\n');
        }
        Ok(UnsignedV3Request {
            http_method: m.to_owned(),
            path_and_query: p.to_owned(),
            auth_string,
            sign_string,
            headers,
            payload,
        })
    }

    /// `app_id=…[,app_cert_sn=…],nonce=…,timestamp=…`.
    pub fn auth_string(&self) -> &str {
        &self.auth_string
    }

    /// The text that is signed.
    pub fn sign_string(&self) -> &str {
        &self.sign_string
    }

    /// The bytes to sign (the sign string in UTF-8), for a remote signer.
    pub fn message(&self) -> &[u8] {
        self.sign_string.as_bytes()
    }

    /// Signs with SHA256withRSA.
    pub fn sign(self, signer: &dyn Signer) -> Result<SignedV3Request, V3RequestError> {
        let signature = signer
            .sign(SignType::Rsa2, self.message())
            .map_err(V3RequestError::Sign)?;
        Ok(self.with_signature(&signature))
    }

    /// Attaches a signature made elsewhere (an asynchronous or remote signer) over
    /// [`message`](Self::message).
    pub fn with_signature(self, signature: &[u8]) -> SignedV3Request {
        let sign = STANDARD.encode(signature);
        let authorization = format!("{AUTH_SCHEME} {},sign={sign}", self.auth_string);
        SignedV3Request {
            inner: self,
            sign,
            authorization,
        }
    }
}

/// Text that can go between the quotes of a `Content-Disposition` parameter or on a
/// part header line.
fn is_part_name(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c == '"' || c == '\\' || c.is_control())
}

/// A signed request: what to put on the wire.
#[derive(Clone)]
pub struct SignedV3Request {
    inner: UnsignedV3Request,
    sign: String,
    authorization: String,
}

impl fmt::Debug for SignedV3Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_request(f, "SignedV3Request", &self.inner)
    }
}

impl SignedV3Request {
    /// The HTTP method.
    pub fn http_method(&self) -> &str {
        &self.inner.http_method
    }

    /// The path and query, as signed and to be sent.
    pub fn path_and_query(&self) -> &str {
        &self.inner.path_and_query
    }

    /// The auth string.
    pub fn auth_string(&self) -> &str {
        &self.inner.auth_string
    }

    /// The signed text.
    pub fn sign_string(&self) -> &str {
        &self.inner.sign_string
    }

    /// The signature, standard base64.
    pub fn sign(&self) -> &str {
        &self.sign
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The `alipay-*` headers besides `Authorization` (app_auth_token, root cert SN,
    /// encryption type), lower-case names.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.inner.headers
    }

    /// The body as it goes on the wire.
    pub fn payload(&self) -> &V3Payload {
        &self.inner.payload
    }

    /// The full URL on `base` (`https://openapi.alipay.com`, no trailing path).
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}{}",
            base.trim_end_matches('/'),
            self.inner.path_and_query
        )
    }
}
