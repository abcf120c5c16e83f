//! Checked model -> Rust tokens.
//!
//! Generated code reaches every runtime item through `::alipay_api::__private`, so it
//! does not depend on what the invoking module has imported. Each shape that repeats per
//! field (a rule check, a JSON-string field, masking, an open enum) is one call of a
//! runtime helper or a derive, so the expansion stays proportional to the spec. Types
//! sit at the invocation site; every impl sits inside one `const _: () = { ... };` block
//! whose `use`s are private to it.
//!
//! This module drives the expansion and generates each type's definition, `Debug` and
//! decoding; `builder` generates the construction side (builders, constructors,
//! getters), `rules` the validation, `open_enum` the open enums' impls and `docs` the
//! doc text.

mod builder;
mod docs;
mod open_enum;
mod rules;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{CallStyle, Field, FieldType, KnownValues, Mask, Method, Placement};

pub use open_enum::derive_open_enum;

/// What a generated struct is for; decides visibility, optionality and generated impls.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The method's request: private fields, builder, `ApiMethod`.
    Request,
    /// A nested object: private fields, builder, constructors.
    Object,
    /// The response: public fields; required ones are plain values, optional ones `Option`s.
    Response,
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// Generates all items of one method.
pub fn expand(method: &Method) -> TokenStream {
    let mut types = TokenStream::new();
    let mut impls = TokenStream::new();
    let request = format!("{}Request", method.type_prefix);
    let response = format!("{}Response", method.type_prefix);

    let structs = [(
        Kind::Request,
        request.as_str(),
        docs::request_doc(method),
        &method.request,
        &[][..],
    )]
    .into_iter()
    .chain([(
        Kind::Response,
        response.as_str(),
        docs::response_doc(method),
        &method.response,
        &[][..],
    )])
    .chain(method.objects.iter().map(|o| {
        (
            Kind::Object,
            o.name.as_str(),
            docs::object_doc(method, o),
            &o.fields,
            &o.constructors[..],
        )
    }));
    let mut decoded = Vec::new();
    for (kind, name, doc, fields, ctors) in structs {
        let st = Struct {
            kind,
            ty: ident(name),
            fields,
        };
        types.extend(st.definition(&doc));
        impls.extend(st.debug());
        impls.extend(st.decode_impl());
        if kind != Kind::Response {
            impls.extend(st.check());
            types.extend(st.builder_definition());
            impls.extend(st.builder_impls());
            impls.extend(st.inherent(ctors));
        }
        decoded.push(st.ty);
    }
    impls.extend(api_method(method, &request, &response));
    if !method.error_codes.is_empty() {
        types.extend(error_code_enum(method));
        impls.extend(error_code_fn(method, &request));
    }

    let all_fields = method
        .request
        .iter()
        .chain(&method.response)
        .chain(method.objects.iter().flat_map(|o| &o.fields));
    for field in all_fields {
        if let Some(known) = &field.known {
            types.extend(open_enum_definition(field, known));
        }
    }

    quote! {
        #types
        const _: () = {
            use ::alipay_api::__private as __p;
            use ::core::convert::{AsRef, Into};
            use ::core::fmt;
            use ::core::option::Option::{self, None, Some};
            use ::core::result::Result::{self, Ok};
            use ::std::string::String;
            __p::impl_deserialize!(#(#decoded),*);
            #impls
        };
    }
}

/// Stub types named like the real ones, emitted next to a `compile_error!` so that code
/// using the method reports the one real error instead of many unresolved names.
pub fn stubs(method_name: &str) -> TokenStream {
    stubs_for(method_name, &[])
}

/// Stub types for a spec that failed: the request, response and builder of
/// `method_name`, plus `extra_types` (nested objects and enums the spec names), so code
/// using them sees the one real error instead of a cascade of "cannot find type".
pub fn stubs_for(method_name: &str, extra_types: &[String]) -> TokenStream {
    let prefix = crate::check::upper_camel(method_name);
    let names = [
        format!("{prefix}Request"),
        format!("{prefix}Response"),
        format!("{prefix}RequestBuilder"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let items = names
        .iter()
        .chain(extra_types)
        .filter(|n| syn::parse_str::<Ident>(n).is_ok() && seen.insert(n.as_str()))
        .map(|n| {
            let t = ident(n);
            quote! {
                /// Stub: the spec for this method has errors.
                pub struct #t;
            }
        });
    quote!(#(#items)*)
}

fn api_method(method: &Method, request: &str, response: &str) -> TokenStream {
    let req = ident(request);
    let resp = ident(response);
    let name = &method.name;
    // The marker trait is what lets `execute` / `page_url` / `app_order_string` accept
    // the type: calling a method the wrong way is a compile error.
    let (style, marker) = match method.call_style {
        CallStyle::ServerCall => (quote!(ServerCall), quote!(ServerMethod)),
        CallStyle::PageRedirect => (quote!(PageRedirect), quote!(PageMethod)),
        CallStyle::AppOrder => (quote!(AppOrder), quote!(AppMethod)),
    };
    let codes = method.error_codes.iter().map(|e| {
        let (code, description, solution, retryable) =
            (&e.code, &e.description, &e.solution, e.retryable);
        quote!(__p::ErrorCodeDoc { code: #code, description: #description, solution: #solution, retryable: #retryable },)
    });
    let key = match &method.idempotency_key {
        Some(k) => quote!(Some(#k)),
        None => quote!(None),
    };
    let v3 = match &method.v3 {
        Some((http_method, path)) => {
            quote!(Some(__p::V3Endpoint { http_method: #http_method, path: #path }))
        }
        None => quote!(None),
    };
    let form = (method.parameters == Placement::Form).then(|| form_params(method));
    let encryption = method.encryption_required;
    quote! {
        impl __p::#marker for #req {}

        impl __p::ApiMethod for #req {
            const V3_ENDPOINT: Option<__p::V3Endpoint> = #v3;
            const METHOD: &'static str = #name;
            const CALL_STYLE: __p::CallStyle = __p::CallStyle::#style;
            const IDEMPOTENCY_KEY: Option<&'static str> = #key;
            const ERROR_CODES: &'static [__p::ErrorCodeDoc] = &[#(#codes)*];
            const ENCRYPTION_REQUIRED: bool = #encryption;
            type Response = #resp;
            #form

            fn validate(&self) -> Result<(), __p::ValidationError> {
                __p::Check::validate_at(self, "")
            }

            fn to_biz_content(&self) -> Result<String, __p::ValidationError> {
                __p::ApiMethod::validate(self)?;
                __p::to_biz_content(self)
            }

            fn decode_response(node: &str) -> Result<#resp, __p::DecodeError> {
                __p::FromJson::from_verified_str(node)
            }
        }
    }
}

/// The items of a `parameters = "form"` method: its placement, its file fields, and
/// `request_params` with every non-file field as a signed text parameter and every file
/// as an unsigned part.
fn form_params(method: &Method) -> TokenStream {
    let files = method.request.iter().filter(|f| f.ty == FieldType::File);
    let names = files.clone().map(|f| &f.wire_name);
    let parts = files.map(|f| {
        let n = ident(&f.rust_name);
        let wire = &f.wire_name;
        if f.required {
            quote!((#wire, Some(&self.#n)))
        } else {
            quote!((#wire, self.#n.as_ref()))
        }
    });
    quote! {
        const PARAMETERS: __p::Placement = __p::Placement::Form;
        const FILE_FIELDS: &'static [&'static str] = &[#(#names),*];

        fn request_params(&self) -> Result<__p::RequestParams<'_>, __p::ValidationError> {
            __p::ApiMethod::validate(self)?;
            __p::form_params(self, &[#(#parts),*])
        }
    }
}

/// The Rust type of a field's value (without the `Option` of optional fields), with
/// paths that resolve outside the impl block.
fn value_type(field: &Field) -> TokenStream {
    if let Some(known) = &field.known {
        let e = ident(&known.enum_name);
        return quote!(#e);
    }
    type_tokens(&field.ty)
}

fn type_tokens(ty: &FieldType) -> TokenStream {
    match ty {
        FieldType::String | FieldType::Price | FieldType::Date => quote!(::std::string::String),
        FieldType::Bool | FieldType::BoolString => quote!(bool),
        FieldType::Integer => quote!(i64),
        FieldType::Number => quote!(f64),
        FieldType::File => quote!(::alipay_api::UploadFile),
        FieldType::JsonObject => quote!(::alipay_api::serde_json::Map<
            ::std::string::String,
            ::alipay_api::serde_json::Value,
        >),
        FieldType::Object(name) => {
            let t = ident(name);
            quote!(#t)
        }
        FieldType::Array(elem) => {
            let e = type_tokens(elem);
            quote!(::std::vec::Vec<#e>)
        }
    }
}

fn field_type(field: &Field) -> TokenStream {
    let t = value_type(field);
    if field.required {
        t
    } else {
        quote!(::core::option::Option<#t>)
    }
}

struct Struct<'a> {
    kind: Kind,
    ty: Ident,
    fields: &'a [Field],
}

impl Struct<'_> {
    /// The struct, with a derived `Serialize` whose attributes give the spec's wire
    /// names, JSON-string nested objects and skipped absent fields. Field order is the
    /// spec's (the order the official Java SDK uses).
    fn definition(&self, doc: &str) -> TokenStream {
        let ty = &self.ty;
        let doc = doc_attrs(doc);
        let response = self.kind == Kind::Response;
        let fields = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let t = field_type(f);
            let serde = serde_attrs(f);
            if response {
                let d = doc_attrs(&docs::field_doc(f, self.kind));
                quote!(#d #serde pub #n: #t,)
            } else {
                quote!(#serde #n: #t,)
            }
        });
        // A request or object remembers that `build()` checked it (see
        // `__private::Validated`); `Debug` then skips the flag, so it is written out.
        let validated = (!response)
            .then(|| quote!(#[serde(skip)] __validated: ::alipay_api::__private::Validated,));
        let debug = self.derives_debug().then(|| quote!(Debug,));
        let non_exhaustive = response.then(|| quote!(#[non_exhaustive]));
        quote! {
            #doc
            #[derive(Clone, PartialEq, #debug ::alipay_api::__private::serde::Serialize)]
            #[serde(crate = "::alipay_api::__private::serde")]
            #non_exhaustive
            pub struct #ty {
                #(#fields)*
                #validated
            }
        }
    }

    /// Whether `Debug` is derived: for a response without personal data. A type with
    /// personal data masks it; a request or object skips its `Validated` flag.
    fn derives_debug(&self) -> bool {
        self.kind == Kind::Response && self.fields.iter().all(|f| f.sensitive.is_none())
    }

    /// `Debug` written out, where it is not derived. Without personal data it prints
    /// what the derive would (Rust field names); with it, wire names and masks.
    fn debug(&self) -> TokenStream {
        if self.derives_debug() {
            return TokenStream::new();
        }
        let ty = &self.ty;
        let name = ty.to_string();
        let sensitive = self.fields.iter().any(|f| f.sensitive.is_some());
        let entries = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = if sensitive {
                &f.wire_name
            } else {
                &f.rust_name
            };
            match f.sensitive {
                None => quote!(.field(#wire, &self.#n)),
                Some(mask) => {
                    let m = match mask {
                        Mask::IdNumber => quote!(IdNumber),
                        Mask::Name => quote!(Name),
                        Mask::Length => quote!(Length),
                        Mask::Full => quote!(Full),
                    };
                    quote!(.field(#wire, &__p::masked(&self.#n, __p::Mask::#m)))
                }
            }
        });
        quote! {
            impl fmt::Debug for #ty {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(#name) #(#entries)* .finish()
                }
            }
        }
    }

    fn decode_impl(&self) -> TokenStream {
        let ty = &self.ty;
        // Decoded values are checked where they are used (`validate`, `prepare`).
        let validated =
            (self.kind != Kind::Response).then(|| quote!(__validated: __p::Validated::default(),));
        let inits = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            if f.required {
                quote!(#n: f.required(#wire)?,)
            } else {
                quote!(#n: f.optional(#wire)?,)
            }
        });
        let wires = self.fields.iter().map(|f| &f.wire_name);
        quote! {
            impl __p::FromJson for #ty {
                const FIELDS: Option<&'static [&'static str]> = Some(&[#(#wires),*]);
                fn from_fields(f: &mut __p::Fields) -> Result<Self, __p::DecodeError> {
                    Ok(Self { #(#inits)* #validated })
                }
            }
        }
    }
}

/// The `#[serde(...)]` attribute of a field, if it needs one.
fn serde_attrs(f: &Field) -> TokenStream {
    let mut parts = Vec::new();
    if f.wire_name != f.rust_name {
        let w = &f.wire_name;
        parts.push(quote!(rename = #w));
    }
    if !f.required {
        parts.push(quote!(
            skip_serializing_if = "::core::option::Option::is_none"
        ));
    }
    if f.ty == FieldType::File {
        // Files travel as multipart parts, never as JSON.
        parts.push(quote!(skip));
    }
    let with = match (&f.ty, f.known.is_some()) {
        _ if f.json_string => Some("json_string"),
        (FieldType::BoolString, false) => Some("bool_string"),
        _ => None,
    };
    if let Some(with) = with {
        let opt = if f.required { "" } else { "_opt" };
        let path = format!("::alipay_api::__private::{with}{opt}");
        parts.push(quote!(serialize_with = #path));
    }
    if parts.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(#(#parts),*)])
    }
}

/// `<Method>ErrorCode`: the doc page's business error codes as an open enum, each
/// variant documented with the page's description and solution.
fn error_code_enum(method: &Method) -> TokenStream {
    let variants = method
        .error_codes
        .iter()
        .map(|c| (docs::error_code_doc(c), c.code.as_str(), c.variant.as_str()));
    open_enum(
        &format!("{}ErrorCode", method.type_prefix),
        &docs::error_code_enum_doc(method),
        variants,
        "A code the doc page does not list, kept verbatim.",
    )
}

/// `<Method>Request::error_code(&error)`: the typed `sub_code` of a failed call.
fn error_code_fn(method: &Method, request: &str) -> TokenStream {
    let req = ident(request);
    let e = ident(&format!("{}ErrorCode", method.type_prefix));
    let doc = format!(
        "The business error code (`sub_code`) of a failed call of `{}`, typed: `None` when \
         the error is not an answer from the gateway or carries no `sub_code`. The code of an \
         unverified answer is returned too; check [`GatewayError::verified`](::alipay_api::GatewayError::verified) \
         before acting on it.",
        method.name
    );
    quote! {
        impl #req {
            #[doc = #doc]
            pub fn error_code(error: &::alipay_api::Error) -> Option<#e> {
                error.as_gateway()?.sub_code().map(#e::from)
            }
        }
    }
}

/// The open enum of a field's known values.
fn open_enum_definition(field: &Field, known: &KnownValues) -> TokenStream {
    let variants = known.values.iter().map(|(wire, variant, desc)| {
        let d = match desc {
            Some(d) => format!("`{wire}`: {d}"),
            None => format!("`{wire}`"),
        };
        (d, wire.as_str(), variant.as_str())
    });
    open_enum(
        &known.enum_name,
        &docs::enum_doc(field, &known.enum_name),
        variants,
        "A value not known to this SDK version, kept verbatim.",
    )
}

/// An open enum: documented `(doc, wire value, variant)`s plus `Other`, with every
/// impl from the `OpenEnum` derive (see [`derive_open_enum`]).
fn open_enum<'a>(
    name: &str,
    doc: &str,
    variants: impl Iterator<Item = (String, &'a str, &'a str)>,
    other_doc: &str,
) -> TokenStream {
    let e = ident(name);
    let doc = doc_attrs(doc);
    let variants = variants.map(|(d, wire, variant)| {
        let v = ident(variant);
        let d = doc_attrs(&d);
        quote!(#d #[wire = #wire] #v,)
    });
    let other_doc = format!(" {other_doc}");
    quote! {
        #doc
        #[derive(Clone, PartialEq, Eq, Hash, Debug, ::alipay_api::__private::OpenEnum)]
        #[non_exhaustive]
        pub enum #e {
            #(#variants)*
            #[doc = #other_doc]
            Other(::std::string::String),
        }
    }
}
