//! Runtime items the generated code reaches through `::alipay_api::__private`. Not a
//! public API: names and signatures may change in any release.
//!
//! Every shape the generator would otherwise repeat per field lives here once: field
//! rules ([`Checker`]), JSON-string encoding of nested objects ([`json_string`]),
//! lenient decoding ([`FromJson`], [`Fields`]), masking ([`masked`]), open enums (the
//! [`OpenEnum`] derive) and the `biz_content` round trip of `alipay call`
//! ([`check_biz_content`]).

mod biz_content;
mod check;
mod json;
mod ser;

pub use alipay_macros::OpenEnum;
pub use alipay_protocol;
pub use alipay_protocol::decode::{DecodeError, Fields, FromJson, FromValue};
pub use alipay_protocol::v3::V3Endpoint;
pub use alipay_protocol::{
    ApiMethod, AppMethod, CallStyle, ErrorCodeDoc, LengthUnit, Mask, Masked, PageMethod, Placement,
    RequestParams, ServerMethod, UploadFile, ValidationError,
};
pub use serde;
pub use serde_json;

pub use biz_content::check_biz_content;
pub use check::{Check, Checker, LenText, Presence, Validated, required};
pub use ser::{
    bool_string, bool_string_opt, form_params, json_string, json_string_opt, to_biz_content,
};

/// Standard, padded base64 (the `*_from_bytes` setters and byte constructors). A
/// photo of up to a megabyte is encoded on every request built from bytes, so this is
/// the SIMD encoder (byte-identical to the `base64` crate's `STANDARD`, by a test).
pub fn base64_encode(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

/// A sensitive field shown masked in `Debug` (`Option`s print `None`/`Some(masked)`).
pub fn masked<T: MaskedField + ?Sized>(value: &T, mask: Mask) -> impl std::fmt::Debug + '_ {
    MaskedDebug(value, mask)
}

/// A field type that `Debug` can print masked: strings, open enums (any [`LenText`])
/// and their `Option`s.
pub trait MaskedField {
    /// Writes the masked value.
    fn fmt_masked(&self, mask: Mask, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;
}

impl<T: LenText + ?Sized> MaskedField for T {
    fn fmt_masked(&self, mask: Mask, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&Masked(&self.len_text(), mask), f)
    }
}

impl<T: MaskedField> MaskedField for Option<T> {
    fn fmt_masked(&self, mask: Mask, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            None => f.write_str("None"),
            Some(v) => {
                f.write_str("Some(")?;
                v.fmt_masked(mask, f)?;
                f.write_str(")")
            }
        }
    }
}

struct MaskedDebug<'a, T: ?Sized>(&'a T, Mask);

impl<T: MaskedField + ?Sized> std::fmt::Debug for MaskedDebug<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt_masked(self.1, f)
    }
}

/// `Deserialize` for generated types, through [`FromJson`], so serde users get the
/// same lenient decoding and field paths as the client. Does not validate: a gateway
/// emulator parses first, then calls `validate()` to report the rule a request breaks.
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_deserialize {
    ($($t:ty),* $(,)?) => {$(
        impl<'de> $crate::__private::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::deserialize_from_json(deserializer)
            }
        }
    )*};
}
pub use __impl_deserialize as impl_deserialize;

/// The body of a generated `Deserialize`: any self-describing input, decoded by
/// [`FromJson`]; the error message names the field path.
pub fn deserialize_from_json<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromJson,
{
    use serde::Deserialize as _;
    let value = serde_json::Value::deserialize(deserializer)?;
    T::from_json_value(value, "").map_err(<D::Error as serde::de::Error>::custom)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    #[test]
    fn the_simd_encoder_writes_what_the_base64_crate_writes() {
        // Every length up to a few SIMD blocks (each padding case and tail), and a
        // photo-sized input, over bytes that reach every output character.
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        };
        let big: Vec<u8> = (0..153_579).map(|_| next()).collect();
        for len in (0..=300).chain([4095, 4096, 4097, big.len()]) {
            let input = &big[..len];
            assert_eq!(
                super::base64_encode(input),
                base64::engine::general_purpose::STANDARD.encode(input),
                "length {len}"
            );
        }
    }
}
