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
    /// Where the request fields go.
    pub parameters: Placement,
    /// Whether the method needs AES content encryption.
    pub encryption_required: bool,
    /// The OpenAPI v3 endpoint: HTTP method and path template.
    pub v3: Option<(String, String)>,
    /// The business error codes of the doc page, in page order.
    pub error_codes: Vec<ErrorCode>,
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
    /// A signed order string handed to an app SDK.
    AppOrder,
}

/// Where a request's fields travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Keys of the `biz_content` JSON.
    BizContent,
    /// Top-level form parameters (and file parts).
    Form,
}

/// A documented business error code.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    /// The `sub_code`.
    pub code: String,
    /// The enum variant name.
    pub variant: String,
    /// 错误描述.
    pub description: String,
    /// 解决方案.
    pub solution: String,
    /// Whether repeating the same request may succeed.
    pub retryable: bool,
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
    /// A declared object (by Rust type name).
    Object(String),
    /// A JSON number.
    Number,
    /// A decimal amount carried as a string (`"88.88"`).
    Price,
    /// A date/time carried as a string (`yyyy-MM-dd HH:mm:ss`).
    Date,
    /// An uploaded file (form parameters only).
    File,
    /// A JSON array of the element type.
    Array(Box<FieldType>),
}

impl FieldType {
    /// A declared object or `json_object`: carried as a JSON string or as an object.
    pub fn is_json(&self) -> bool {
        matches!(self, FieldType::JsonObject | FieldType::Object(_))
    }

    /// Carried as JSON text (strings, prices, dates): the rules for text apply.
    pub fn is_text(&self) -> bool {
        matches!(self, FieldType::String | FieldType::Price | FieldType::Date)
    }
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
    /// The doc page does not say whether it is required (`required` is our choice).
    pub required_unstated: bool,
    /// Sent as a JSON string holding the value's JSON (the default for objects and
    /// `json_object`; for arrays only when the spec says `carried = "json_string"`).
    pub json_string: bool,
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
