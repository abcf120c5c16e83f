//! Top-level form parameters and file uploads (`parameters = "form"` methods).
//!
//! A form-placement method sends its business parameters as top-level text parameters,
//! signed like the common ones, and its files as `multipart/form-data` parts that are
//! **not** signed (the rule of Java's `AlipayUploadRequest`: the sign content is built
//! from the text parameters only; `getFileParams()` never reaches it). Without files
//! the request is a plain form, exactly like a `biz_content` call.
//!
//! [`UploadFile`] knows its byte length before anything is sent, so a size limit is
//! checked up front; a file given by path is opened and streamed by the transport when
//! sent, never read into memory. [`MultipartBody`] lays the body out (sans-IO): the
//! byte runs between files and where each file's bytes go, with the exact length.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::charset::Charset;
use crate::crypto::SignError;
use crate::model::{LengthUnit, ValidationError, check_max_count};

/// A file to upload: bytes in memory or a path on disk, a file name and a content type.
///
/// Cheap to clone (the bytes are shared). Its `Debug` shows only the length and the
/// content type: a file name (`张三身份证.jpg`) and a face photo are personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFile {
    source: Source,
    len: u64,
    file_name: String,
    content_type: String,
}

#[derive(Clone, PartialEq, Eq)]
enum Source {
    Bytes(Arc<[u8]>),
    Path(PathBuf),
}

/// Where an [`UploadFile`]'s bytes come from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum UploadSource<'a> {
    /// Bytes held in memory.
    Bytes(&'a [u8]),
    /// A file to open and stream when sending; its length was taken when the
    /// [`UploadFile`] was made, and the sender checks it again.
    Path(&'a Path),
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("len", &self.len)
            .field("content_type", &self.content_type)
            .field(
                "source",
                &match self.source {
                    Source::Bytes(_) => "memory",
                    Source::Path(_) => "path",
                },
            )
            .finish_non_exhaustive()
    }
}

impl UploadFile {
    /// A file held in memory. The content type is guessed from the file name's
    /// extension (`application/octet-stream` when unknown); see
    /// [`with_content_type`](Self::with_content_type).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>, file_name: impl Into<String>) -> UploadFile {
        let bytes: Arc<[u8]> = bytes.into().into();
        let file_name = file_name.into();
        UploadFile {
            len: bytes.len() as u64,
            content_type: guess_content_type(&file_name).into(),
            source: Source::Bytes(bytes),
            file_name,
        }
    }

    /// A file on disk, streamed when sent. Reads only its metadata now (the length,
    /// checked against size limits before sending); the file name is the path's last
    /// component and the content type is guessed from its extension.
    pub fn from_path(path: impl Into<PathBuf>) -> std::io::Result<UploadFile> {
        let path = path.into();
        let meta = std::fs::metadata(&path)?;
        if !meta.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(UploadFile {
            len: meta.len(),
            content_type: guess_content_type(&file_name).into(),
            source: Source::Path(path),
            file_name,
        })
    }

    /// Replaces the file name sent in the part's `Content-Disposition`.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> UploadFile {
        self.file_name = file_name.into();
        self
    }

    /// Replaces the content type sent with the part, e.g. `image/jpeg`.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> UploadFile {
        self.content_type = content_type.into();
        self
    }

    /// The length in bytes (for a path: when the `UploadFile` was made).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file name sent with the part.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type sent with the part.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// Where the bytes come from.
    pub fn source(&self) -> UploadSource<'_> {
        match &self.source {
            Source::Bytes(b) => UploadSource::Bytes(b),
            Source::Path(p) => UploadSource::Path(p),
        }
    }

    /// Checks the length against a maximum in bytes, naming `field` on failure.
    pub fn check_max_len(&self, field: &str, limit: usize) -> Result<(), ValidationError> {
        let actual = usize::try_from(self.len).unwrap_or(usize::MAX);
        check_max_count(field, actual, limit, LengthUnit::Bytes)
    }
}

/// A fresh multipart boundary: 128 bits from the system's secure random source, so
/// content someone else chose (a relayed photo) cannot carry it. `None` only if the
/// platform has no random source.
pub fn random_boundary() -> Option<String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    let mut out = String::from("AlipayRustSdk");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    Some(out)
}

/// The content types of the files uploads take (images, PDFs); anything else is sent
/// as `application/octet-stream`, which the gateway accepts as well.
fn guess_content_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// The business parameters of one request, as [`ApiMethod::request_params`] returns
/// them: `biz_content`, top-level text parameters, files.
///
/// [`ApiMethod::request_params`]: crate::ApiMethod::request_params
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestParams<'a> {
    biz_content: Option<String>,
    text: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    files: Vec<(Cow<'a, str>, Cow<'a, UploadFile>)>,
}

impl fmt::Debug for RequestParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParams")
            .field(
                "biz_content",
                &self
                    .biz_content
                    .as_ref()
                    .map(|b| format!("{} bytes", b.len())),
            )
            .field(
                "text",
                &self.text.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("files", &self.files)
            .finish()
    }
}

impl<'a> RequestParams<'a> {
    /// Parameters that are only `biz_content` (JSON text, already validated).
    pub fn biz_content(json: String) -> RequestParams<'a> {
        RequestParams {
            biz_content: Some(json),
            ..RequestParams::default()
        }
    }

    /// The `biz_content` JSON when it is the only parameter, handed over without a
    /// copy (a request whose photo is in `biz_content` is signed from this buffer);
    /// otherwise the parameters back.
    pub fn into_only_biz_content(self) -> Result<String, RequestParams<'a>> {
        match self {
            RequestParams {
                biz_content: Some(json),
                text,
                files,
            } if text.is_empty() && files.is_empty() => Ok(json),
            other => Err(other),
        }
    }

    /// No parameters yet: add top-level ones with [`text`](Self::text) and
    /// [`file`](Self::file).
    pub fn form() -> RequestParams<'a> {
        RequestParams::default()
    }

    /// Adds a top-level text parameter (signed). Empty values are neither signed nor
    /// sent, like every other parameter.
    pub fn text(
        mut self,
        name: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> RequestParams<'a> {
        self.text.push((name.into(), value.into()));
        self
    }

    /// Adds a file part (not signed).
    pub fn file(
        mut self,
        name: impl Into<Cow<'a, str>>,
        file: impl Into<Cow<'a, UploadFile>>,
    ) -> RequestParams<'a> {
        self.files.push((name.into(), file.into()));
        self
    }

    /// The `biz_content` JSON, when the method has one.
    pub fn biz_content_json(&self) -> Option<&str> {
        self.biz_content.as_deref()
    }

    /// The top-level text parameters, in the order added.
    pub fn text_params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.text.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The file parts, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (&str, &UploadFile)> {
        self.files.iter().map(|(k, f)| (&**k, &**f))
    }

    /// Whether there are file parts (then the request is `multipart/form-data`).
    pub fn has_files(&self) -> bool {
        !self.files.is_empty()
    }

    /// The same parameters with owned values, e.g. to keep them across retries.
    pub fn into_owned(self) -> RequestParams<'static> {
        RequestParams {
            biz_content: self.biz_content,
            text: self
                .text
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
            files: self
                .files
                .into_iter()
                .map(|(k, f)| (Cow::Owned(k.into_owned()), Cow::Owned(f.into_owned())))
                .collect(),
        }
    }
}

impl<'a> From<&'a UploadFile> for Cow<'a, UploadFile> {
    fn from(file: &'a UploadFile) -> Self {
        Cow::Borrowed(file)
    }
}

impl From<UploadFile> for Cow<'_, UploadFile> {
    fn from(file: UploadFile) -> Self {
        Cow::Owned(file)
    }
}

/// A `multipart/form-data` body laid out for sending: byte runs (part headers, text
/// values in the request charset) and, between them, the files' bytes.
#[derive(Debug, Clone)]
pub struct MultipartBody {
    boundary: String,
    chunks: Vec<MultipartChunk>,
    len: u64,
}

/// One run of a [`MultipartBody`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MultipartChunk {
    /// Bytes to send as they are.
    Bytes(Vec<u8>),
    /// The whole content of this file.
    File(UploadFile),
}

impl MultipartBody {
    /// Lays out text parts (in the given order, encoded in `charset`) followed by file
    /// parts. `boundary` must be a token that occurs in no part: the transport uses a
    /// fresh random one per attempt; tests pass a fixed one.
    ///
    /// A part name or file name is written into a quoted header value the way browsers
    /// write them (WHATWG): `"`, CR and LF become `%22`, `%0D`, `%0A`.
    pub fn new<'t>(
        boundary: &str,
        text: impl IntoIterator<Item = (&'t str, &'t str)>,
        files: impl IntoIterator<Item = (&'t str, &'t UploadFile)>,
        charset: Charset,
    ) -> Result<MultipartBody, SignError> {
        let encode = |what: &str, s: &str| -> Result<Vec<u8>, SignError> {
            charset
                .encode(s)
                .map(Cow::into_owned)
                .map_err(|e| SignError::Unencodable {
                    param: what.to_owned(),
                    charset: e.charset,
                })
        };
        let mut chunks = Vec::new();
        let mut run: Vec<u8> = Vec::new();
        for (name, value) in text {
            run.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            run.extend_from_slice(b"Content-Disposition: form-data; name=\"");
            run.extend_from_slice(&encode(name, &header_quote(name))?);
            run.extend_from_slice(
                format!(
                    "\"\r\nContent-Type: text/plain; charset={}\r\n\r\n",
                    charset.as_str()
                )
                .as_bytes(),
            );
            run.extend_from_slice(&encode(name, value)?);
            run.extend_from_slice(b"\r\n");
        }
        for (name, file) in files {
            run.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            run.extend_from_slice(b"Content-Disposition: form-data; name=\"");
            run.extend_from_slice(&encode(name, &header_quote(name))?);
            run.extend_from_slice(b"\"; filename=\"");
            run.extend_from_slice(&encode(name, &header_quote(file.file_name()))?);
            run.extend_from_slice(b"\"\r\nContent-Type: ");
            run.extend_from_slice(&encode(name, &header_quote(file.content_type()))?);
            run.extend_from_slice(b"\r\n\r\n");
            chunks.push(MultipartChunk::Bytes(std::mem::take(&mut run)));
            chunks.push(MultipartChunk::File(file.clone()));
            run.extend_from_slice(b"\r\n");
        }
        run.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        chunks.push(MultipartChunk::Bytes(run));
        let len = chunks
            .iter()
            .map(|c| match c {
                MultipartChunk::Bytes(b) => b.len() as u64,
                MultipartChunk::File(f) => f.len(),
            })
            .sum();
        Ok(MultipartBody {
            boundary: boundary.to_owned(),
            chunks,
            len,
        })
    }

    /// `multipart/form-data; boundary=<boundary>`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The exact body length in bytes (the `Content-Length`).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the body is empty (it never is: it has at least the closing boundary).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The runs to send, in order.
    pub fn chunks(&self) -> &[MultipartChunk] {
        &self.chunks
    }
}

fn header_quote(s: &str) -> Cow<'_, str> {
    if s.contains(['"', '\r', '\n']) {
        Cow::Owned(
            s.replace('"', "%22")
                .replace('\r', "%0D")
                .replace('\n', "%0A"),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// A file field cannot come from JSON: decoding text a program received must never
/// make it read, let alone upload, a local file it names. Set files with the builder
/// (`alipay call` resolves its own `@PATH` arguments before building the request).
impl crate::decode::FromValue for UploadFile {
    fn from_value(value: serde_json::Value, path: &str) -> Result<Self, crate::DecodeError> {
        Err(crate::DecodeError::new(
            path,
            crate::decode::DecodeErrorKind::WrongType {
                expected: "no value: a file is set with the request builder, not in JSON",
                found: crate::decode::json_kind(&value),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_exact_and_its_length_known_before_sending() {
        let photo = UploadFile::from_bytes(vec![0xff, 0xd8, 0x00, 0x01], "face.jpg");
        let body = MultipartBody::new(
            "XyZ",
            [("cert_name", "收委"), ("outer_biz_no", "b1")],
            [("file_content", &photo)],
            Charset::Utf8,
        )
        .unwrap();
        let mut bytes = Vec::new();
        for chunk in body.chunks() {
            match chunk {
                MultipartChunk::Bytes(b) => bytes.extend_from_slice(b),
                MultipartChunk::File(f) => match f.source() {
                    UploadSource::Bytes(b) => bytes.extend_from_slice(b),
                    UploadSource::Path(_) => unreachable!(),
                },
            }
        }
        let mut expected = "--XyZ\r\nContent-Disposition: form-data; name=\"cert_name\"\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n收委\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"outer_biz_no\"\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nb1\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"file_content\"; filename=\"face.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
            .as_bytes()
            .to_vec();
        expected.extend_from_slice(&[0xff, 0xd8, 0x00, 0x01]);
        expected.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(bytes, expected);
        assert_eq!(body.len(), expected.len() as u64);
        assert_eq!(body.content_type(), "multipart/form-data; boundary=XyZ");
    }

    #[test]
    fn gbk_text_is_encoded_and_quotes_cannot_break_the_header() {
        let file = UploadFile::from_bytes(b"x".to_vec(), "a\"b\r\n.png");
        assert_eq!(file.content_type(), "image/png");
        let body = MultipartBody::new("B", [("n", "收")], [("f", &file)], Charset::Gbk).unwrap();
        let MultipartChunk::Bytes(head) = &body.chunks()[0] else {
            panic!()
        };
        let head = head.as_slice();
        assert!(head.windows(2).any(|w| w == [0xca, 0xd5]), "收 in GBK");
        assert!(
            String::from_utf8_lossy(head).contains("filename=\"a%22b%0D%0A.png\""),
            "{}",
            String::from_utf8_lossy(head)
        );
        let err = MultipartBody::new("B", [("n", "😀")], [], Charset::Gbk).unwrap_err();
        assert!(matches!(err, SignError::Unencodable { param, .. } if param == "n"));
    }

    #[test]
    fn size_limits_are_checked_from_the_known_length() {
        let file = UploadFile::from_bytes(vec![0u8; 1025], "big.bin");
        assert!(file.check_max_len("file_content", 1025).is_ok());
        let err = file.check_max_len("file_content", 1024).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `file_content` is too long: 1025 UTF-8 bytes exceeds the maximum of 1024"
        );
        let dir = std::env::temp_dir().join(format!("alipay-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("photo.JPG");
        std::fs::write(&path, [1u8; 300]).unwrap();
        let on_disk = UploadFile::from_path(&path).unwrap();
        assert_eq!(on_disk.len(), 300);
        assert_eq!(on_disk.file_name(), "photo.JPG");
        assert_eq!(on_disk.content_type(), "image/jpeg");
        assert!(matches!(on_disk.source(), UploadSource::Path(p) if p == path));
        assert!(
            UploadFile::from_path(&dir).is_err(),
            "a directory is not a file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_shows_no_file_name_or_text_value() {
        let file = UploadFile::from_bytes(vec![1, 2, 3], "张三身份证.jpg");
        let params = RequestParams::form()
            .text("cert_no", "260104197909275964")
            .file("file_content", &file);
        let shown = format!("{params:?}");
        assert!(
            !shown.contains("张三") && !shown.contains("2601041979"),
            "{shown}"
        );
        assert!(
            shown.contains("cert_no") && shown.contains("len: 3"),
            "{shown}"
        );
    }
}
