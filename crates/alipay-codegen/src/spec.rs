//! The spec file as written: a serde model of the TOML, with source spans.
//!
//! Everything whose value `check` must judge (types, units, masks, names, limits) is
//! kept as a [`Spanned`] raw value rather than a Rust enum, so one bad value does not stop
//! deserialization and every problem can be reported together, each at its line and
//! column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// One spec file: one gateway method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Gateway method name, e.g. `zhima.customer.certification.material.certify`.
    pub method: Spanned<String>,
    /// Short title (usually the Chinese name from the doc page).
    pub title: String,
    /// What the method does.
    pub description: String,
    /// Where the facts come from (doc page, SDK model).
    pub source: String,
    /// `server`, `page_redirect` or `app_order`.
    pub call_style: Spanned<String>,
    /// The required request field whose value makes a repeated call harmless (the
    /// gateway answers a known value with the original result), e.g. `transaction_id`.
    /// Only methods that declare one are retried after the request may have reached the
    /// gateway.
    #[serde(default)]
    pub idempotency_key: Option<Spanned<String>>,
    /// Set when Alipay is retiring the method.
    #[serde(default)]
    pub deprecated: Option<Deprecation>,
    /// The `biz_content` fields.
    #[serde(default)]
    pub request: Section,
    /// The fields of the `<method>_response` node (besides code/msg/sub_code/sub_msg).
    #[serde(default)]
    pub response: Section,
    /// Nested object types, referenced from a field's `type` by name.
    #[serde(default, rename = "object")]
    pub objects: Vec<ObjectSpec>,
}

/// A legacy/deprecation note.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deprecation {
    /// Why, and what to use instead, in words.
    pub note: String,
    /// Methods (or method families such as `alipay.user.certify.open.*`) that replace it.
    #[serde(default)]
    pub replacements: Vec<String>,
}

/// The fields of a request or response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The fields in wire order.
    #[serde(default, rename = "field")]
    pub fields: Vec<Spanned<FieldSpec>>,
}

/// A nested object type, carried on the wire as a JSON string.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    /// Rust type name (UpperCamelCase), referenced by a field's `type`.
    pub name: Spanned<String>,
    /// What the object holds.
    pub description: String,
    /// The object's keys in wire order.
    #[serde(default, rename = "field")]
    pub fields: Vec<Spanned<FieldSpec>>,
    /// Named convenience constructors.
    #[serde(default, rename = "constructor")]
    pub constructors: Vec<Spanned<ConstructorSpec>>,
}

/// One field of a request, response or object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The JSON key.
    pub name: Spanned<String>,
    /// `string`, `bool`, `bool_string`, `integer`, `json_object`, or an object's name.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Whether the gateway requires it.
    #[serde(default)]
    pub required: bool,
    /// Maximum length in `length_unit`; for objects and `json_object`, of the JSON string.
    #[serde(default)]
    pub max_length: Option<Spanned<i64>>,
    /// `utf16` (default), `chars` or `bytes`.
    #[serde(default)]
    pub length_unit: Option<Spanned<String>>,
    /// What the field means.
    pub description: String,
    /// The doc page's example value, verbatim.
    #[serde(default)]
    pub example: Option<String>,
    /// How `Debug` masks it: `id_number`, `name`, `length` or `full`.
    #[serde(default)]
    pub sensitive: Option<Spanned<String>>,
    /// Values with a documented meaning; others are still accepted.
    #[serde(default)]
    pub known_values: Vec<Spanned<KnownValueSpec>>,
    /// Name of the generated open enum (default: the field name in UpperCamelCase).
    #[serde(default)]
    pub enum_name: Option<Spanned<String>>,
    /// Allowed characters as a class body, e.g. `A-Za-z0-9_`.
    #[serde(default)]
    pub charset: Option<Spanned<String>>,
    /// `base64`: the value is bytes encoded as standard base64.
    #[serde(default)]
    pub encoding: Option<Spanned<String>>,
}

/// A known value of an open enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownValueSpec {
    /// The wire value.
    pub value: String,
    /// Variant name (default: the value in UpperCamelCase).
    #[serde(default)]
    pub variant: Option<String>,
    /// What the value means.
    #[serde(default)]
    pub description: Option<String>,
}

/// A named constructor of an object: some fields fixed, others parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstructorSpec {
    /// The function name (snake_case).
    pub name: String,
    /// What it builds.
    pub description: String,
    /// Field name -> fixed value.
    #[serde(default)]
    pub fixed: BTreeMap<String, toml::Value>,
    /// Field names that become parameters, in order. A `base64` field takes bytes.
    #[serde(default)]
    pub params: Vec<String>,
}
