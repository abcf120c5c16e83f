//! Field rules, checked by generated `validate_at` impls one call per rule.

use std::borrow::Cow;

use alipay_protocol::model::{check_max_count, check_max_len};
use alipay_protocol::{LengthUnit, ValidationError};

/// Field rules of a generated struct, with field paths under `at` (e.g. `identity_param.`).
pub trait Check {
    /// Checks every rule; the first failure names its dotted path.
    fn validate_at(&self, at: &str) -> Result<(), ValidationError>;
}

/// A value's text as its length is counted: strings and open enums as they are,
/// booleans and integers as they are written on the wire.
pub trait LenText {
    /// The wire text.
    fn len_text(&self) -> Cow<'_, str>;
}

impl LenText for String {
    fn len_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl LenText for bool {
    fn len_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl LenText for i64 {
    fn len_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl LenText for f64 {
    fn len_text(&self) -> Cow<'_, str> {
        // As serde_json writes it, which is what the gateway receives.
        Cow::Owned(
            serde_json::Number::from_f64(*self)
                .map_or_else(|| "null".to_owned(), |n| n.to_string()),
        )
    }
}

/// Whether a generated request or object passed its rules when `build()` made it. A
/// generated value has no `&mut` access, so a built value still passes them: its
/// `validate_at` returns at once, and `prepare` does not walk a built request (and its
/// 200 KB photo) a second time. Decoded values and constructor results start unset and
/// are checked where they are used. Not part of the value: always equal, never
/// serialised or shown. Only code inside the module a spec expands into can write the
/// fields of a built value (or name this flag): code that invokes `alipay_api!` itself
/// owns that module and must not change a built value's fields there.
#[derive(Clone, Copy, Default)]
pub struct Validated(bool);

impl Validated {
    /// Set by `build()` once every rule passed.
    pub const PASSED: Validated = Validated(true);

    /// Whether `build()` checked the value.
    pub fn passed(self) -> bool {
        self.0
    }
}

impl PartialEq for Validated {
    fn eq(&self, _: &Validated) -> bool {
        true
    }
}

/// Checks the fields of one struct whose fields sit under the path `at`.
pub struct Checker<'a> {
    at: &'a str,
}

impl<'a> Checker<'a> {
    /// Rules for the fields under `at` (empty at the top, `identity_param.` inside).
    pub fn new(at: &'a str) -> Self {
        Checker { at }
    }

    fn path(&self, name: &str) -> String {
        let mut p = String::with_capacity(self.at.len() + name.len());
        p.push_str(self.at);
        p.push_str(name);
        p
    }

    /// A required text field must not be empty: the gateway treats `""` as absent.
    pub fn not_empty<T: LenText + ?Sized>(&self, name: &str, v: &T) -> Result<(), ValidationError> {
        if v.len_text().is_empty() {
            return Err(ValidationError::Missing {
                field: self.path(name),
            });
        }
        Ok(())
    }

    /// Every character must satisfy `allowed`; `rule` says which in words.
    pub fn charset<T: LenText + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
        allowed: fn(char) -> bool,
        rule: &str,
    ) -> Result<(), ValidationError> {
        match v {
            Some(v) if !v.len_text().chars().all(allowed) => Err(ValidationError::Pattern {
                field: self.path(name),
                rule: rule.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// A field declared `encoding = "base64"` must hold standard base64 text: the
    /// gateway decodes it, and a value that does not decode is refused only after the
    /// call (for a photo: as a failed certification). Only the alphabet and the place of
    /// `=` padding are checked, in one pass without decoding; the doc pages' own
    /// examples are cut-off base64 (`/9j/4AAQSkZJR`), so the length is not held to a
    /// multiple of 4.
    pub fn base64<T: LenText + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
    ) -> Result<(), ValidationError> {
        let Some(v) = v else { return Ok(()) };
        let text = v.len_text();
        let bytes = text.as_bytes();
        let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
        // Branch-free per byte and folded per chunk, so it runs at vector speed over a
        // 200 KB photo (a short-circuiting `all` was 60% of validating one).
        let alphabet = |b: u8| {
            (b.wrapping_sub(b'A') < 26)
                | (b.wrapping_sub(b'a') < 26)
                | (b.wrapping_sub(b'0') < 10)
                | (b == b'+')
                | (b == b'/')
        };
        let ok = padding <= 2
            && bytes[..bytes.len() - padding]
                .chunks(256)
                .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & alphabet(b)));
        if ok {
            return Ok(());
        }
        Err(ValidationError::Pattern {
            field: self.path(name),
            rule: "standard base64 (A-Z, a-z, 0-9, `+`, `/`, then at most two `=`)".to_owned(),
        })
    }

    /// Maximum length in UTF-16 code units, as the gateway's Java code counts.
    pub fn max_len<T: LenText + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
        limit: usize,
    ) -> Result<(), ValidationError> {
        self.max_len_in(name, v, limit, LengthUnit::Utf16)
    }

    /// Maximum length in `unit`.
    pub fn max_len_in<T: LenText + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
        limit: usize,
        unit: LengthUnit,
    ) -> Result<(), ValidationError> {
        match v {
            Some(v) => check_max_len(&self.path(name), &v.len_text(), limit, unit),
            None => Ok(()),
        }
    }

    /// Maximum length in UTF-16 code units of the JSON string a nested object is sent as.
    pub fn max_json_len<T: serde::Serialize + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
        limit: usize,
    ) -> Result<(), ValidationError> {
        self.max_json_len_in(name, v, limit, LengthUnit::Utf16)
    }

    /// Maximum length in `unit` of the JSON string a nested object is sent as.
    pub fn max_json_len_in<T: serde::Serialize + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
        limit: usize,
        unit: LengthUnit,
    ) -> Result<(), ValidationError> {
        let Some(v) = v else { return Ok(()) };
        // Counted by the writer `to_biz_content` uses, writing nothing.
        let mut counter = super::json::Writer::count(unit);
        v.serialize(&mut counter)
            .map_err(|e| ValidationError::Serialize {
                field: self.path(name),
                reason: alipay_protocol::redact::describe_json_error(&e),
            })?;
        check_max_count(&self.path(name), counter.counted(), limit, unit)
    }

    /// A `price` field: a decimal amount as the gateway parses it, digits with at most
    /// two decimals (`88.88`, `0.01`, `100`).
    pub fn price(&self, name: &str, v: Option<&String>) -> Result<(), ValidationError> {
        let Some(v) = v else { return Ok(()) };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let ok = match v.split_once('.') {
            None => digits(v),
            Some((whole, frac)) => digits(whole) && digits(frac) && frac.len() <= 2,
        };
        if ok {
            return Ok(());
        }
        Err(ValidationError::Pattern {
            field: self.path(name),
            rule: "a decimal amount: digits, then optionally '.' and one or two digits (88.88)"
                .to_owned(),
        })
    }

    /// A `date` field: `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd`, as the gateway parses it.
    pub fn date(&self, name: &str, v: Option<&String>) -> Result<(), ValidationError> {
        let Some(v) = v else { return Ok(()) };
        const FULL: &[u8] = b"dddd-dd-dd dd:dd:dd";
        let shape_ok = |shape: &[u8]| {
            v.len() == shape.len()
                && v.bytes().zip(shape).all(|(b, &s)| match s {
                    b'd' => b.is_ascii_digit(),
                    other => b == other,
                })
        };
        if shape_ok(FULL) || shape_ok(&FULL[..10]) {
            return Ok(());
        }
        Err(ValidationError::Pattern {
            field: self.path(name),
            rule: "a date `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd`".to_owned(),
        })
    }

    /// A `number` field must be finite: JSON has no NaN or infinity.
    pub fn finite(&self, name: &str, v: Option<&f64>) -> Result<(), ValidationError> {
        match v {
            Some(v) if !v.is_finite() => Err(ValidationError::Pattern {
                field: self.path(name),
                rule: "a finite number (JSON has no NaN or infinity)".to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// A required list must hold at least one element: the gateway treats `[]` as absent.
    pub fn not_empty_list<T>(&self, name: &str, v: &[T]) -> Result<(), ValidationError> {
        if v.is_empty() {
            return Err(ValidationError::Missing {
                field: self.path(name),
            });
        }
        Ok(())
    }

    /// The rules of each object of a list, with fields named `name[i].`.
    pub fn nested_each<T: Check>(
        &self,
        name: &str,
        v: Option<&Vec<T>>,
    ) -> Result<(), ValidationError> {
        for (i, item) in v.into_iter().flatten().enumerate() {
            item.validate_at(&self.path(&format!("{name}[{i}].")))?;
        }
        Ok(())
    }

    /// The maximum length of each element of a list, named `name[i]`.
    pub fn max_len_each<T: LenText>(
        &self,
        name: &str,
        v: Option<&Vec<T>>,
        limit: usize,
        unit: LengthUnit,
    ) -> Result<(), ValidationError> {
        for (i, item) in v.into_iter().flatten().enumerate() {
            check_max_len(
                &self.path(&format!("{name}[{i}]")),
                &item.len_text(),
                limit,
                unit,
            )?;
        }
        Ok(())
    }

    /// The size of an uploaded file in bytes, known before sending.
    pub fn max_file_len(
        &self,
        name: &str,
        v: Option<&alipay_protocol::UploadFile>,
        limit: usize,
    ) -> Result<(), ValidationError> {
        match v {
            Some(file) => file.check_max_len(&self.path(name), limit),
            None => Ok(()),
        }
    }

    /// The rules of a nested object, with its fields named under `name.`.
    pub fn nested<T: Check + ?Sized>(
        &self,
        name: &str,
        v: Option<&T>,
    ) -> Result<(), ValidationError> {
        match v {
            Some(v) => v.validate_at(&self.path(&format!("{name}."))),
            None => Ok(()),
        }
    }
}

/// A builder's required field, or the error naming it.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, ValidationError> {
    value.ok_or_else(|| ValidationError::Missing {
        field: name.to_owned(),
    })
}

/// Prints `<set>`/`<unset>` in a builder's `Debug`: a builder holds unchecked personal
/// data, so it shows only which fields are set.
pub struct Presence(pub bool);

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0 { "<set>" } else { "<unset>" })
    }
}
