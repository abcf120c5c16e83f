//! `multipart/form-data` request bodies (the upload methods'), read with multer within
//! bounds: the whole body, each part, and the number of parts. Text parts become raw
//! `(name, value)` pairs that go through the same admission as form parameters (so
//! they are signed, decoded in the request charset, counted against the parameter
//! cap); file parts are not signed and are handed to the method.

use std::fmt;

use axum::body::Bytes;

/// The largest multipart body read: a 1 MB photo with its text parts fits with room
/// to spare. (The router's body limit, 4 MiB, stops anything larger from being read.)
pub(crate) const MAX_BODY: u64 = 2 * 1024 * 1024;
/// The largest part: the upload methods' 1 MB (1,048,576-byte) file limit plus a
/// margin, so a slightly larger file reaches the method and gets its business answer.
pub(crate) const MAX_PART: u64 = 1024 * 1024 + 64 * 1024;
/// The most parts one body may have; an upload has a dozen.
pub(crate) const MAX_PARTS: usize = 100;

/// A file part: not signed, handed to the method.
#[derive(Clone)]
pub(crate) struct FilePart {
    /// The form field name.
    pub(crate) name: String,
    pub(crate) bytes: Bytes,
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A face photo and its file name are personal data: name and size only.
        f.debug_struct("FilePart")
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A request body as the gateway takes it.
pub(crate) enum RequestBody {
    /// No parameters in the body (GET, or a content type without form parameters).
    None,
    /// `application/x-www-form-urlencoded`.
    Form(Bytes),
    /// `multipart/form-data`: raw text pairs (bytes in the request charset) and files.
    Multipart {
        text: Vec<(Vec<u8>, Vec<u8>)>,
        files: Vec<FilePart>,
    },
}

/// Whether a (lower-cased) content type is `multipart/form-data`.
pub(crate) fn is_multipart(content_type: &str) -> bool {
    content_type.starts_with("multipart/form-data")
}

/// Reads a multipart body. The error is the gateway's `sub_msg` (no request text).
pub(crate) async fn read(content_type: &str, body: Bytes) -> Result<RequestBody, String> {
    let boundary = multer::parse_boundary(content_type).map_err(describe)?;
    if body.len() as u64 > MAX_BODY {
        return Err(describe(multer::Error::StreamSizeExceeded {
            limit: MAX_BODY,
        }));
    }
    let limits = multer::SizeLimit::new()
        .whole_stream(MAX_BODY)
        .per_field(MAX_PART);
    let mut multipart = multer::Multipart::with_reader_with_constraints(
        std::io::Cursor::new(body),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut text = Vec::new();
    let mut files = Vec::new();
    let mut parts = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(describe)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(format!("multipart请求体的部分过多(最多{MAX_PARTS}个)"));
        }
        let Some(name) = field.name().filter(|n| !n.is_empty()).map(str::to_owned) else {
            return Err("multipart请求体的部分缺少name".into());
        };
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(describe)?;
        if is_file {
            files.push(FilePart { name, bytes });
        } else {
            text.push((name.into_bytes(), bytes.to_vec()));
        }
    }
    Ok(RequestBody::Multipart { text, files })
}

/// The gateway's words for a malformed body: the problem and the limit, never a part's
/// content (multer's own messages can quote header values).
fn describe(e: multer::Error) -> String {
    match e {
        multer::Error::NoMultipart
        | multer::Error::DecodeContentType(_)
        | multer::Error::NoBoundary => {
            "Content-Type须为multipart/form-data并带有boundary参数".into()
        }
        multer::Error::StreamSizeExceeded { limit } => {
            format!("multipart请求体过大(最多{limit}字节)")
        }
        multer::Error::FieldSizeExceeded { limit, .. } => {
            format!("multipart请求体的部分过大(每部分最多{limit}字节)")
        }
        multer::Error::IncompleteStream
        | multer::Error::IncompleteFieldData { .. }
        | multer::Error::IncompleteHeaders => "multipart请求体不完整(缺少结束boundary)".into(),
        _ => "multipart请求体格式错误".into(),
    }
}

/// A part's name as it may appear in an answer: the client chose it, so it is shown
/// on one line, without control characters, and cut after 64 characters.
pub(crate) fn shown_part_name(name: &str) -> String {
    alipay_protocol::redact::sanitize_unverified(name, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn text_and_file_parts_are_told_apart() {
        let body = "--B\r\nContent-Disposition: form-data; name=\"cert_name\"\r\n\r\n收委\r\n\
                    --B\r\nContent-Disposition: form-data; name=\"file_content\"; filename=\"f.jpg\"\r\n\
                    Content-Type: image/jpeg\r\n\r\n\u{1}\u{2}\r\n--B--\r\n";
        let read = block_on(read(
            "multipart/form-data; boundary=B",
            Bytes::from(body.as_bytes().to_vec()),
        ))
        .unwrap();
        let RequestBody::Multipart { text, files } = read else {
            panic!("not multipart")
        };
        assert_eq!(text, [(b"cert_name".to_vec(), "收委".as_bytes().to_vec())]);
        assert_eq!(files.len(), 1);
        assert_eq!(
            (files[0].name.as_str(), &files[0].bytes[..]),
            ("file_content", &[1u8, 2][..])
        );
        assert_eq!(
            format!("{:?}", files[0]),
            "FilePart { name: \"file_content\", len: 2 }"
        );
    }

    #[test]
    fn malformed_bodies_are_named_not_quoted() {
        let ok_body = Bytes::from_static(
            b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n",
        );
        let no_boundary = block_on(read("multipart/form-data", ok_body.clone()));
        assert!(no_boundary.err().unwrap().contains("boundary"));
        let truncated = block_on(read(
            "multipart/form-data; boundary=B",
            ok_body.slice(..ok_body.len() - 8),
        ));
        assert!(truncated.err().unwrap().contains("不完整"));
        let nameless = block_on(read(
            "multipart/form-data; boundary=B",
            Bytes::from_static(b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n"),
        ));
        assert!(nameless.err().unwrap().contains("name"));
    }
}
