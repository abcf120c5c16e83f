//! The checked model: what `check` hands to `expand`. Every name here is already a
//! valid Rust identifier and every reference resolves.

/// One method, ready to generate.
#[derive(Debug, Clone)]
pub struct Method {
    /// Gateway method name.
    pub name: String,
    /// Title from the doc page.
    pub title: String,
    /// Description.
    pub description: String,
    /// Source of the facts.
    pub source: String,
    /// The spec's file name (`<method>.toml`), or the name an inline spec was given.
    pub spec_file: String,
    /// How it is called.
    pub call_style: CallStyle,
    /// The wire name of the request field that is the idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// Legacy note, if any.
    pub deprecated: Option<Deprecation>,
    /// UpperCamelCase of the method name, e.g. `ZhimaCustomerCertificationMaterialCertify`.
    pub type_prefix: String,
    /// snake_case module name, e.g. `zhima_customer_certification_material_certify`.
    pub module: String,
    /// Request fields.
    pub request: Vec<Field>,
    /// Response fields.
    pub response: Vec<Field>,
    /// Nested objects.
    pub objects: Vec<Object>,
}

/// How a method is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStyle {
    /// Server-to-server call.
    ServerCall,
    /// Browser redirect.
    PageRedirect,
    /// App order string (`sdkExecute`).
    AppOrder,
}

/// A legacy note.
#[derive(Debug, Clone)]
pub struct Deprecation {
    /// The note.
    pub note: String,
    /// Replacement methods.
    pub replacements: Vec<String>,
}

/// A nested object type.
#[derive(Debug, Clone)]
pub struct Object {
    /// Rust type name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Fields.
    pub fields: Vec<Field>,
    /// Constructors.
    pub constructors: Vec<Constructor>,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    String,
    /// A JSON boolean.
    Bool,
    /// A boolean carried as `"true"`/`"false"`.
    BoolString,
    /// A JSON integer.
    Integer,
    /// A free-form JSON object carried as a JSON string.
    JsonObject,
    /// A declared object (by Rust type name) carried as a JSON string.
    Object(String),
}

/// How a length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    /// UTF-16 code units.
    Utf16,
    /// Unicode scalar values.
    Chars,
    /// UTF-8 bytes.
    Bytes,
}

/// How a sensitive value is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    /// `2601**********5964`.
    IdNumber,
    /// `收*`.
    Name,
    /// Only the length.
    Length,
    /// Nothing shown.
    Full,
}

/// An open enum generated for a field with known values.
#[derive(Debug, Clone)]
pub struct KnownValues {
    /// Enum type name.
    pub enum_name: String,
    /// `(wire value, variant name, description)`.
    pub values: Vec<(String, String, Option<String>)>,
}

/// One character-class item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharItem {
    /// A single character.
    Single(char),
    /// An inclusive range.
    Range(char, char),
}

/// A checked field.
#[derive(Debug, Clone)]
pub struct Field {
    /// JSON key.
    pub wire_name: String,
    /// Rust identifier (snake_case, keyword-safe).
    pub rust_name: String,
    /// Type.
    pub ty: FieldType,
    /// Required.
    pub required: bool,
    /// Maximum length.
    pub max_length: Option<usize>,
    /// Unit of `max_length`.
    pub unit: LengthUnit,
    /// Description.
    pub description: String,
    /// Example.
    pub example: Option<String>,
    /// Mask for Debug.
    pub sensitive: Option<Mask>,
    /// Open enum, for string fields with known values.
    pub known: Option<KnownValues>,
    /// Allowed characters, with the spec's class text.
    pub charset: Option<(String, Vec<CharItem>)>,
    /// True for `encoding = "base64"`.
    pub base64: bool,
}

/// A checked constructor.
#[derive(Debug, Clone)]
pub struct Constructor {
    /// Function name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Indices of fields fixed, with the value as wire text.
    pub fixed: Vec<(usize, FixedValue)>,
    /// Indices of fields that are parameters.
    pub params: Vec<usize>,
}

/// A fixed value in a constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixedValue {
    /// A string (or enum wire value).
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
}
