//! A JPEG check that reads the file's structure, not just its first bytes: SOI, the
//! marker segments up to the frame header (SOFn) with a non-zero width and height, and
//! EOI at the end. Decoding the image (the `image` crate) would be far heavier than
//! the sandbox needs; this is what tells a photo from a renamed PNG or random bytes.

/// What the frame header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegInfo {
    pub(crate) width: u16,
    pub(crate) height: u16,
}

/// Why bytes are not a JPEG the sandbox accepts. Never holds image bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JpegProblem {
    /// Does not start with SOI (`FF D8`).
    NoStartOfImage,
    /// Does not end with EOI (`FF D9`).
    NoEndOfImage,
    /// A segment is cut short or has a length below 2.
    BadSegment,
    /// Image data (SOS) or the end came before a frame header.
    NoFrameHeader,
    /// The frame header is malformed or gives a zero width, height or component count.
    BadFrameHeader,
}

impl JpegProblem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            JpegProblem::NoStartOfImage => "does not start with the JPEG SOI marker (FF D8)",
            JpegProblem::NoEndOfImage => "does not end with the JPEG EOI marker (FF D9)",
            JpegProblem::BadSegment => "has a JPEG marker segment that is cut short",
            JpegProblem::NoFrameHeader => "has no JPEG frame header (SOFn) before the image data",
            JpegProblem::BadFrameHeader => {
                "has a JPEG frame header with a zero or malformed width, height or components"
            }
        }
    }
}

/// Whether `marker` (the byte after `FF`) starts a frame: SOF0–SOF15 except DHT
/// (`C4`), JPG (`C8`) and DAC (`CC`), which share the range.
fn is_frame_header(marker: u8) -> bool {
    (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc)
}

/// Walks the markers from SOI to the first frame header and checks EOI at the end.
pub(crate) fn inspect(bytes: &[u8]) -> Result<JpegInfo, JpegProblem> {
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return Err(JpegProblem::NoStartOfImage);
    }
    if bytes.len() < 4 || !bytes.ends_with(&[0xff, 0xd9]) {
        return Err(JpegProblem::NoEndOfImage);
    }
    let mut at = 2;
    loop {
        // A marker is FF followed by a code; extra FF bytes before it are fill.
        if bytes.get(at) != Some(&0xff) {
            return Err(JpegProblem::BadSegment);
        }
        while bytes.get(at) == Some(&0xff) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return Err(JpegProblem::BadSegment);
        };
        at += 1;
        match marker {
            // Standalone markers (TEM, RSTn) carry no length.
            0x01 | 0xd0..=0xd7 => continue,
            // Image data, the end, or a second SOI before any frame header.
            0xda | 0xd9 | 0xd8 | 0x00 => return Err(JpegProblem::NoFrameHeader),
            _ => {}
        }
        let len = match bytes.get(at..at + 2) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(JpegProblem::BadSegment),
        };
        let Some(segment) = bytes.get(at + 2..at + len).filter(|_| len >= 2) else {
            return Err(JpegProblem::BadSegment);
        };
        if is_frame_header(marker) {
            return frame_header(segment);
        }
        at += len;
    }
}

/// precision (1), height (2), width (2), components (1), then 3 bytes per component.
fn frame_header(segment: &[u8]) -> Result<JpegInfo, JpegProblem> {
    let &[_precision, h1, h2, w1, w2, components, ref rest @ ..] = segment else {
        return Err(JpegProblem::BadFrameHeader);
    };
    let height = u16::from_be_bytes([h1, h2]);
    let width = u16::from_be_bytes([w1, w2]);
    if height == 0 || width == 0 || components == 0 || rest.len() != 3 * usize::from(components) {
        return Err(JpegProblem::BadFrameHeader);
    }
    Ok(JpegInfo { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: &[u8] = include_bytes!("../../alipay-api/examples/face.jpg");

    /// SOI, an APP0 segment, a baseline frame header of `w`×`h` with one component,
    /// and EOI.
    fn minimal(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, b'J', b'F'];
        b.extend_from_slice(&[0xff, 0xff, 0xc0, 0x00, 0x0b, 0x08]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[0x01, 0x01, 0x11, 0x00, 0xff, 0xd9]);
        b
    }

    #[test]
    fn a_real_photo_and_a_minimal_file_are_read() {
        assert_eq!(
            inspect(FACE),
            Ok(JpegInfo {
                width: 48,
                height: 48
            })
        );
        assert_eq!(
            inspect(&minimal(640, 480)),
            Ok(JpegInfo {
                width: 640,
                height: 480
            })
        );
    }

    #[test]
    fn what_is_not_a_jpeg_is_named() {
        assert_eq!(
            inspect(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(JpegProblem::NoStartOfImage)
        );
        assert_eq!(inspect(&[0xff, 0xd8]), Err(JpegProblem::NoEndOfImage));
        // The old SOI…EOI test passed this: no segments at all.
        assert_eq!(
            inspect(&[0xff, 0xd8, 0xff, 0xe0, 0, 0xff, 0xd9]),
            Err(JpegProblem::BadSegment)
        );
        assert_eq!(
            inspect(&[0xff, 0xd8, 0xff, 0xd9]),
            Err(JpegProblem::NoFrameHeader)
        );
        assert_eq!(
            inspect(&[0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]),
            Err(JpegProblem::NoFrameHeader)
        );
        assert_eq!(inspect(&minimal(0, 480)), Err(JpegProblem::BadFrameHeader));
        assert_eq!(inspect(&minimal(640, 0)), Err(JpegProblem::BadFrameHeader));
        let mut wrong_count = minimal(10, 10);
        wrong_count[18] = 2; // two components announced, one given
        assert_eq!(inspect(&wrong_count), Err(JpegProblem::BadFrameHeader));
        // A segment length pointing past the end.
        let mut long = minimal(10, 10);
        long[4..6].copy_from_slice(&[0xff, 0xf0]);
        assert_eq!(inspect(&long), Err(JpegProblem::BadSegment));
        // A length below 2 would loop forever if it were trusted.
        let mut tiny = minimal(10, 10);
        tiny[4..6].copy_from_slice(&[0x00, 0x01]);
        assert_eq!(inspect(&tiny), Err(JpegProblem::BadSegment));
        // The real photo with its tail cut off.
        assert_eq!(
            inspect(&FACE[..FACE.len() - 1]),
            Err(JpegProblem::NoEndOfImage)
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // Every prefix and every single-byte corruption of a real file.
        for end in 0..FACE.len() {
            let _ = inspect(&FACE[..end]);
        }
        for i in 0..FACE.len().min(0xb4) {
            let mut b = FACE.to_vec();
            b[i] ^= 0xff;
            let _ = inspect(&b);
        }
    }
}
