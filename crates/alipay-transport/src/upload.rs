//! Top-level form parameters and multipart uploads on the wire.
//!
//! Text parameters are signed with the common ones; file parts are not (Java's
//! `AlipayUploadRequest` rule). The URL query carries the routing parameters and
//! `sign` as for every call; the body is `multipart/form-data` with the remaining
//! signed parameters as text parts, then the files, when there are files, and the
//! usual form otherwise. A file given by path is streamed from disk, never read whole.

use std::time::SystemTime;

use alipay_protocol::envelope::{QUERY_PARAMS, RESERVED_PARAMS};
use alipay_protocol::{
    AesKey, ApiMethod, CommonParams, MultipartBody, MultipartChunk, RequestParams, SignedRequest,
    UnsignedRequest, UploadSource, ValidationError,
};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::config::CallOptions;
use crate::error::Error;
use crate::exchange;

/// Refuses a method whose spec requires AES content encryption when the client has no
/// AES key, before anything is signed or sent.
///
/// Java's upload requests (e.g. `DatadigitalFincloudGeneralsaasFaceSourceCertifyRequest`)
/// default to `needEncrypt=true`, yet Java encrypts only `biz_content` and throws
/// `当前API不支持加密请求` for a request that has none, so no SDK encrypts top-level
/// parameters or files. We require the key, as the spec and doc page say, and encrypt
/// what the protocol can encrypt: `biz_content` when there is one, and the answer.
pub(crate) fn check_encryption<R: ApiMethod>(aes_configured: bool) -> Result<(), Error> {
    if R::ENCRYPTION_REQUIRED && !aes_configured {
        return Err(Error::InvalidRequest(ValidationError::Invalid {
            field: "aes_key".into(),
            reason: format!(
                "{} requires AES content encryption; configure the client's AES key \
                 (ClientBuilder::aes_key); nothing was sent",
                R::METHOD
            ),
        }));
    }
    Ok(())
}

/// [`exchange::prepare_attempt`] for any [`RequestParams`]: top-level text parameters
/// are signed alongside the common ones. A text parameter may not be named like a
/// common parameter (it would replace it, or travel in the URL).
pub(crate) fn prepare_params(
    common: &CommonParams,
    method: &str,
    params: &RequestParams<'_>,
    options: &CallOptions,
    now: SystemTime,
    aes: Option<&AesKey>,
) -> Result<UnsignedRequest, Error> {
    let mut text = params.text_params().peekable();
    if text.peek().is_none() {
        return exchange::prepare_attempt(
            common,
            method,
            params.biz_content_json(),
            options,
            now,
            aes,
        );
    }
    let mut common = common.clone();
    for (name, value) in text {
        if RESERVED_PARAMS.contains(&name)
            || QUERY_PARAMS.contains(&name)
            || matches!(name, "auth_token" | "encrypt_type")
        {
            return Err(Error::InvalidRequest(ValidationError::Invalid {
                field: name.to_owned(),
                reason: "is the name of a common request parameter".into(),
            }));
        }
        common.extra.push((name.to_owned(), value.to_owned()));
    }
    exchange::prepare_attempt(
        &common,
        method,
        params.biz_content_json(),
        options,
        now,
        aes,
    )
}

/// A fresh boundary per attempt, from the secure random source (the jitter generator
/// only has to be unpredictable enough to spread retries).
fn boundary() -> String {
    alipay_protocol::upload::random_boundary().unwrap_or_else(|| {
        format!(
            "AlipayRustSdk{:016x}{:016x}",
            crate::wire::jitter_random(),
            crate::wire::jitter_random()
        )
    })
}

/// The `multipart/form-data` body of an upload: the signed parameters that do not
/// travel in the URL as text parts, then the files. Returns the content type, the
/// exact length and the streaming body.
pub(crate) async fn multipart(
    signed: &SignedRequest,
    params: &RequestParams<'_>,
) -> Result<(String, u64, reqwest::Body), Error> {
    let text = signed
        .params()
        .iter()
        .filter(|(k, _)| !QUERY_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let layout = MultipartBody::new(&boundary(), text, params.files(), signed.charset())
        .map_err(exchange::sign_error)?;
    let mut names = params.files().map(|(name, _)| name);
    let mut reader: Box<dyn AsyncRead + Send + Unpin> = Box::new(tokio::io::empty());
    for chunk in layout.chunks() {
        let next: Box<dyn AsyncRead + Send + Unpin> = match chunk {
            MultipartChunk::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
            MultipartChunk::File(f) => match f.source() {
                UploadSource::Bytes(_) => {
                    names.next();
                    // Shares the caller's bytes (an `Arc`): a retry copies nothing.
                    Box::new(std::io::Cursor::new(InMemory(f.clone())))
                }
                UploadSource::Path(path) => {
                    let name = names.next().unwrap_or("file");
                    let file = tokio::fs::File::open(path)
                        .await
                        .map_err(|e| file_error(name, &e))?;
                    let len = file
                        .metadata()
                        .await
                        .map_err(|e| file_error(name, &e))?
                        .len();
                    // The length was checked against the size limit and is declared
                    // as Content-Length: a file that changed since is not sent.
                    if len != f.len() {
                        return Err(Error::InvalidRequest(ValidationError::Invalid {
                            field: name.to_owned(),
                            reason: format!(
                                "the file changed size since it was checked ({} -> {len} \
                                 bytes); nothing was sent",
                                f.len()
                            ),
                        }));
                    }
                    Box::new(file.take(len))
                }
                _ => unreachable!("UploadSource has two variants"),
            },
            _ => unreachable!("MultipartChunk has two variants"),
        };
        reader = Box::new(reader.chain(next));
    }
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(reader));
    Ok((layout.content_type(), layout.len(), body))
}

/// An in-memory [`UploadFile`] as a readable buffer.
struct InMemory(alipay_protocol::UploadFile);

impl AsRef<[u8]> for InMemory {
    fn as_ref(&self) -> &[u8] {
        match self.0.source() {
            UploadSource::Bytes(b) => b,
            _ => &[],
        }
    }
}

/// A file that cannot be read is a fault of the request, found before sending. The
/// message names the field and the kind of failure, not the path (it may name a person).
fn file_error(field: &str, e: &std::io::Error) -> Error {
    Error::InvalidRequest(ValidationError::Invalid {
        field: field.to_owned(),
        reason: format!(
            "the file could not be read ({}); nothing was sent",
            e.kind()
        ),
    })
}
