//! Checked model -> Rust tokens.
//!
//! Generated code reaches every runtime item through `::alipay_api::__private`, so it
//! does not depend on what the invoking module has imported. All impls sit inside one
//! `const _: () = { ... };` block; only types and their inherent API are visible.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::check::describe_charset;
use crate::ir::{
    CallStyle, CharItem, Constructor, Field, FieldType, FixedValue, KnownValues, LengthUnit, Mask,
    Method, Object,
};

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

struct Ctx<'a> {
    method: &'a Method,
}

fn p() -> TokenStream {
    quote!(::alipay_api::__private)
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
    let cx = Ctx { method };
    let mut types = TokenStream::new();
    let mut impls = TokenStream::new();

    let request_name = format!("{}Request", method.type_prefix);
    let response_name = format!("{}Response", method.type_prefix);

    let (t, i) = cx.expand_struct(
        Kind::Request,
        &request_name,
        &cx.request_doc(),
        &method.request,
        &[],
    );
    types.extend(t);
    impls.extend(i);
    impls.extend(cx.expand_api_method(&request_name, &response_name));

    let (t, i) = cx.expand_struct(
        Kind::Response,
        &response_name,
        &cx.response_doc(),
        &method.response,
        &[],
    );
    types.extend(t);
    impls.extend(i);

    for object in &method.objects {
        let (t, i) = cx.expand_struct(
            Kind::Object,
            &object.name,
            &cx.object_doc(object),
            &object.fields,
            &object.constructors,
        );
        types.extend(t);
        impls.extend(i);
    }

    let all_fields = method
        .request
        .iter()
        .chain(&method.response)
        .chain(method.objects.iter().flat_map(|o| &o.fields));
    for field in all_fields {
        if let Some(known) = &field.known {
            let (t, i) = expand_enum(field, known);
            types.extend(t);
            impls.extend(i);
        }
    }

    quote! {
        #types
        const _: () = {
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

impl Ctx<'_> {
    fn request_doc(&self) -> String {
        let m = self.method;
        let mut doc = format!(
            "Request of `{}` ({}).\n\n{}\n",
            m.name, m.title, m.description
        );
        if let Some(dep) = &m.deprecated {
            doc.push_str(&format!("\n# Legacy\n\n{}\n", dep.note));
            if !dep.replacements.is_empty() {
                let list: Vec<String> = dep.replacements.iter().map(|r| format!("`{r}`")).collect();
                doc.push_str(&format!("\nReplaced by: {}.\n", list.join(", ")));
            }
        }
        if let Some(key) = &m.idempotency_key {
            doc.push_str(&format!(
                "\nIdempotency key: `{key}`. The gateway answers a request that repeats a \
                 `{key}` it has seen with the original result, so the client may send the \
                 call again after a timeout or a transient gateway error, always with the same \
                 `{key}`; reuse it when you repeat the request yourself, and use a new one for \
                 a new request.\n"
            ));
        } else if m.call_style == CallStyle::Server {
            doc.push_str(
                "\nNo idempotency key: once the request may have reached the gateway, the \
                 client never sends it again by itself.\n",
            );
        }
        doc.push_str(&format!(
            "\nCall style: {}. Build it with [`Self::builder`]; `build()` checks every field rule \
             (required, maximum length, pattern, nested objects) and names the offending field.\n\
             \nSource: {}\n",
            match m.call_style {
                CallStyle::Server => "server call (`gateway.do` POST, signed JSON answer)",
                CallStyle::PageRedirect =>
                    "page redirect (the signed request becomes a URL or form)",
            },
            m.source
        ));
        doc
    }

    fn response_doc(&self) -> String {
        format!(
            "Business fields of the `{}_response` node of `{}`.\n\n\
             It is only decoded from a verified `code = 10000` answer (any other code is an \
             error carrying `code`/`msg`/`sub_code`/`sub_msg`), so fields the spec marks required \
             are plain values: an answer without one is rejected as malformed, naming the field. \
             Optional fields are `Option`s; unknown keys are ignored.\n",
            self.method.module, self.method.name
        )
    }

    fn object_doc(&self, object: &Object) -> String {
        format!(
            "{}\n\nSent as a JSON string inside `biz_content` of `{}`; a field's maximum length \
             counts that string.\n",
            object.description, self.method.name
        )
    }

    fn expand_api_method(&self, request: &str, response: &str) -> TokenStream {
        let p = p();
        let req = ident(request);
        let resp = ident(response);
        let name = &self.method.name;
        let style = match self.method.call_style {
            CallStyle::Server => quote!(ServerCall),
            CallStyle::PageRedirect => quote!(PageRedirect),
        };
        let key = match &self.method.idempotency_key {
            Some(k) => quote!(::core::option::Option::Some(#k)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            impl #p::ApiMethod for #req {
                const METHOD: &'static str = #name;
                const CALL_STYLE: #p::CallStyle = #p::CallStyle::#style;
                const IDEMPOTENCY_KEY: ::core::option::Option<&'static str> = #key;
                type Response = #resp;

                fn validate(&self) -> ::core::result::Result<(), #p::ValidationError> {
                    #p::Check::validate_at(self, "")
                }

                fn to_biz_content(&self) -> ::core::result::Result<::std::string::String, #p::ValidationError> {
                    #p::ApiMethod::validate(self)?;
                    #p::to_biz_content(self)
                }
            }
        }
    }

    fn field_type(&self, field: &Field) -> TokenStream {
        let p = p();
        if let Some(known) = &field.known {
            let e = ident(&known.enum_name);
            return quote!(#e);
        }
        match &field.ty {
            FieldType::String => quote!(::std::string::String),
            FieldType::Bool | FieldType::BoolString => quote!(bool),
            FieldType::Integer => quote!(i64),
            FieldType::JsonObject => {
                quote!(#p::serde_json::Map<::std::string::String, #p::serde_json::Value>)
            }
            FieldType::Object(name) => {
                let t = ident(name);
                quote!(#t)
            }
        }
    }

    fn expand_struct(
        &self,
        kind: Kind,
        name: &str,
        doc: &str,
        fields: &[Field],
        constructors: &[Constructor],
    ) -> (TokenStream, TokenStream) {
        let p = p();
        let ty = ident(name);
        let doc = doc_attrs(doc);
        let optional = |f: &Field| !f.required;

        let field_defs = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let t = self.field_type(f);
            let t = if optional(f) {
                quote!(::core::option::Option<#t>)
            } else {
                t
            };
            if kind == Kind::Response {
                let d = doc_attrs(&field_doc(f, kind));
                quote!(#d pub #n: #t,)
            } else {
                quote!(#n: #t,)
            }
        });
        let derives = quote!(#[derive(Clone, PartialEq)]);
        let mut types = quote! {
            #doc
            #derives
            pub struct #ty {
                #(#field_defs)*
            }
        };
        let mut impls = TokenStream::new();

        impls.extend(self.expand_debug(&ty, fields));
        impls.extend(self.expand_serialize(&ty, fields));
        impls.extend(self.expand_deserialize(&ty, fields));

        if kind != Kind::Response {
            impls.extend(self.expand_check(&ty, fields));
            let builder = format_ident!("{}Builder", name);
            let (t, i) = self.expand_builder(&ty, &builder, fields);
            types.extend(t);
            impls.extend(i);
            let getters = fields.iter().map(|f| self.getter(f));
            let ctors = constructors.iter().map(|c| self.constructor(c, fields));
            let builder_doc = format!("Starts a [`{builder}`]; every field is unset.");
            impls.extend(quote! {
                impl #ty {
                    #[doc = #builder_doc]
                    pub fn builder() -> #builder {
                        #builder::default()
                    }
                    #(#ctors)*
                    #(#getters)*
                }
            });
        }
        let _ = &p;
        (types, impls)
    }

    fn getter(&self, f: &Field) -> TokenStream {
        let n = ident(&f.rust_name);
        let doc = doc_attrs(&field_doc(f, Kind::Request));
        let t = self.field_type(f);
        let by_value = matches!(
            f.ty,
            FieldType::Bool | FieldType::BoolString | FieldType::Integer
        ) && f.known.is_none();
        let is_plain_string = f.ty == FieldType::String && f.known.is_none();
        let (ret, body) = match (f.required, by_value, is_plain_string) {
            (true, true, _) => (quote!(#t), quote!(self.#n)),
            (false, true, _) => (quote!(::core::option::Option<#t>), quote!(self.#n)),
            (true, false, true) => (quote!(&str), quote!(&self.#n)),
            (false, false, true) => (
                quote!(::core::option::Option<&str>),
                quote!(self.#n.as_deref()),
            ),
            (true, false, false) => (quote!(&#t), quote!(&self.#n)),
            (false, false, false) => (
                quote!(::core::option::Option<&#t>),
                quote!(self.#n.as_ref()),
            ),
        };
        quote! {
            #doc
            pub fn #n(&self) -> #ret {
                #body
            }
        }
    }

    fn setter_param(&self, f: &Field) -> (TokenStream, TokenStream) {
        let t = self.field_type(f);
        match (&f.ty, &f.known) {
            (FieldType::String, _) => {
                (quote!(impl ::core::convert::Into<#t>), quote!(value.into()))
            }
            _ => (quote!(#t), quote!(value)),
        }
    }

    fn expand_builder(
        &self,
        ty: &Ident,
        builder: &Ident,
        fields: &[Field],
    ) -> (TokenStream, TokenStream) {
        let p = p();
        let defs = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let t = self.field_type(f);
            quote!(#n: ::core::option::Option<#t>,)
        });
        let setters = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let doc = doc_attrs(&field_doc(f, Kind::Request));
            let (param, conv) = self.setter_param(f);
            let bytes = if f.base64 {
                let bn = format_ident!("{}_from_bytes", f.rust_name);
                let bdoc = format!(
                    "Sets `{}` from raw bytes, base64-encoding them (standard alphabet, padded).",
                    f.wire_name
                );
                quote! {
                    #[doc = #bdoc]
                    pub fn #bn(mut self, bytes: impl ::core::convert::AsRef<[u8]>) -> Self {
                        self.#n = ::core::option::Option::Some(#p::base64_encode(bytes.as_ref()).into());
                        self
                    }
                }
            } else {
                TokenStream::new()
            };
            quote! {
                #doc
                pub fn #n(mut self, value: #param) -> Self {
                    self.#n = ::core::option::Option::Some(#conv);
                    self
                }
                #bytes
            }
        });
        let inits = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            if f.required {
                quote! {
                    #n: match self.#n {
                        ::core::option::Option::Some(v) => v,
                        ::core::option::Option::None => {
                            return ::core::result::Result::Err(#p::ValidationError::Missing {
                                field: ::std::string::String::from(#wire),
                            })
                        }
                    },
                }
            } else {
                quote!(#n: self.#n,)
            }
        });
        let presence = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            quote!(.field(#wire, &#p::Presence(self.#n.is_some())))
        });
        let builder_name = builder.to_string();
        let doc = format!(
            "Builder of [`{ty}`]. Setters take the value; [`{builder}::build`] checks every rule."
        );
        let build_doc = format!(
            "Checks every field rule and returns the [`{ty}`], or the first problem found, \
             naming the field path, the rule and the limit."
        );
        let types = quote! {
            #[doc = #doc]
            #[derive(Clone, Default)]
            pub struct #builder {
                #(#defs)*
            }
        };
        let impls = quote! {
            impl #builder {
                #(#setters)*

                #[doc = #build_doc]
                pub fn build(self) -> ::core::result::Result<#ty, #p::ValidationError> {
                    let value = #ty {
                        #(#inits)*
                    };
                    #p::Check::validate_at(&value, "")?;
                    ::core::result::Result::Ok(value)
                }
            }

            // Shows only which fields are set: a builder holds unchecked personal data.
            impl ::core::fmt::Debug for #builder {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#builder_name)
                        #(#presence)*
                        .finish()
                }
            }
        };
        (types, impls)
    }

    fn constructor(&self, c: &Constructor, fields: &[Field]) -> TokenStream {
        let p = p();
        let n = ident(&c.name);
        let mut params = Vec::new();
        let mut inits = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let fname = ident(&f.rust_name);
            let value = if let Some((_, v)) = c.fixed.iter().find(|(j, _)| *j == i) {
                Some(fixed_expr(f, v))
            } else if c.params.contains(&i) {
                if f.base64 {
                    params.push(quote!(#fname: impl ::core::convert::AsRef<[u8]>));
                    Some(quote!(#p::base64_encode(#fname.as_ref()).into()))
                } else {
                    let (param, _) = self.setter_param(f);
                    params.push(quote!(#fname: #param));
                    Some(if f.ty == FieldType::String {
                        quote!(#fname.into())
                    } else {
                        quote!(#fname)
                    })
                }
            } else {
                None
            };
            inits.push(match (value, f.required) {
                (Some(v), true) => quote!(#fname: #v,),
                (Some(v), false) => quote!(#fname: ::core::option::Option::Some(#v),),
                (None, _) => quote!(#fname: ::core::option::Option::None,),
            });
        }
        let mut doc = c.description.clone();
        for (i, v) in &c.fixed {
            let shown = match v {
                FixedValue::Str(s) => format!("`{s}`"),
                FixedValue::Bool(b) => format!("`{b}`"),
                FixedValue::Int(n) => format!("`{n}`"),
            };
            doc.push_str(&format!("\n\nSets `{}` to {shown}.", fields[*i].wire_name));
        }
        for i in &c.params {
            if fields[*i].base64 {
                doc.push_str(&format!(
                    "\n\n`{}` is given as raw bytes and base64-encoded here.",
                    fields[*i].rust_name
                ));
            }
        }
        doc.push_str(
            "\n\nThe values are checked when the value is validated (by the request's `build()` or `validate()`), \
             so an over-long argument is reported there with its field path.",
        );
        let doc = doc_attrs(&doc);
        quote! {
            #doc
            pub fn #n(#(#params),*) -> Self {
                Self {
                    #(#inits)*
                }
            }
        }
    }

    fn expand_debug(&self, ty: &Ident, fields: &[Field]) -> TokenStream {
        let p = p();
        let name = ty.to_string();
        let entries = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            match f.sensitive {
                None => quote!(.field(#wire, &self.#n)),
                Some(mask) => {
                    let m = match mask {
                        Mask::IdNumber => quote!(IdNumber),
                        Mask::Name => quote!(Name),
                        Mask::Length => quote!(Length),
                        Mask::Full => quote!(Full),
                    };
                    // Strings and open enums both expose `as_str`.
                    let as_str = quote!(v.as_str());
                    if !f.required {
                        quote!(.field(#wire, &self.#n.as_ref().map(|v| #p::Masked(#as_str, #p::Mask::#m))))
                    } else {
                        quote!(.field(#wire, &{ let v = &self.#n; #p::Masked(#as_str, #p::Mask::#m) }))
                    }
                }
            }
        });
        quote! {
            impl ::core::fmt::Debug for #ty {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#name)
                        #(#entries)*
                        .finish()
                }
            }
        }
    }

    fn wire_value(&self, f: &Field, v: TokenStream) -> TokenStream {
        let p = p();
        let wire = &f.wire_name;
        if f.known.is_some() {
            return quote!(#v.as_str());
        }
        match f.ty {
            FieldType::String | FieldType::Bool | FieldType::Integer => v,
            FieldType::BoolString => quote!(#p::bool_str(*#v)),
            FieldType::JsonObject | FieldType::Object(_) => {
                quote!(&#p::json_string_for_serialize::<_, __S::Error>(#v, #wire)?)
            }
        }
    }

    fn expand_serialize(&self, ty: &Ident, fields: &[Field]) -> TokenStream {
        let p = p();
        let entries = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            if !f.required {
                let val = self.wire_value(f, quote!(v));
                quote! {
                    if let ::core::option::Option::Some(v) = &self.#n {
                        __m.serialize_entry(#wire, #val)?;
                    }
                }
            } else {
                let val = self.wire_value(f, quote!(&self.#n));
                quote!(__m.serialize_entry(#wire, #val)?;)
            }
        });
        quote! {
            // Written by hand rather than derived so the key order is the spec's (the order
            // the official Java SDK uses) and nested objects become JSON strings.
            impl #p::serde::Serialize for #ty {
                fn serialize<__S: #p::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    use #p::serde::ser::SerializeMap as _;
                    let mut __m = serializer.serialize_map(::core::option::Option::None)?;
                    #(#entries)*
                    __m.end()
                }
            }
        }
    }

    fn expand_deserialize(&self, ty: &Ident, fields: &[Field]) -> TokenStream {
        let p = p();
        let inits = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            let take = match (&f.ty, &f.known) {
                (FieldType::String, Some(k)) => {
                    let e = ident(&k.enum_name);
                    quote!(#p::take_string(&mut map, prefix, #wire)?.map(#e::from))
                }
                (FieldType::String, None) => quote!(#p::take_string(&mut map, prefix, #wire)?),
                (FieldType::Bool | FieldType::BoolString, _) => {
                    quote!(#p::take_bool(&mut map, prefix, #wire)?)
                }
                (FieldType::Integer, _) => quote!(#p::take_integer(&mut map, prefix, #wire)?),
                (FieldType::JsonObject, _) => {
                    quote!(#p::take_json_object(&mut map, prefix, #wire)?)
                }
                (FieldType::Object(o), _) => {
                    let t = ident(o);
                    quote!(#p::take_object::<#t>(&mut map, prefix, #wire)?)
                }
            };
            if !f.required {
                quote!(#n: #take,)
            } else {
                quote!(#n: #p::required(#take, prefix, #wire)?,)
            }
        });
        quote! {
            impl #p::FromJson for #ty {
                fn from_json_map(
                    mut map: #p::serde_json::Map<::std::string::String, #p::serde_json::Value>,
                    prefix: &str,
                ) -> ::core::result::Result<Self, ::std::string::String> {
                    ::core::result::Result::Ok(Self {
                        #(#inits)*
                    })
                }
            }

            // Does not validate: a gateway emulator parses first, then calls `validate()` to
            // report the rule a request breaks. Errors name the field path.
            impl<'de> #p::serde::Deserialize<'de> for #ty {
                fn deserialize<__D: #p::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                    let map = <#p::serde_json::Map<::std::string::String, #p::serde_json::Value> as #p::serde::Deserialize>::deserialize(deserializer)?;
                    <Self as #p::FromJson>::from_json_map(map, "")
                        .map_err(<__D::Error as #p::serde::de::Error>::custom)
                }
            }
        }
    }

    fn expand_check(&self, ty: &Ident, fields: &[Field]) -> TokenStream {
        let p = p();
        let checks = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            let mut body = TokenStream::new();
            let string_like = f.ty == FieldType::String;
            if string_like {
                if f.required {
                    body.extend(quote!(#p::check_not_empty(prefix, #wire, v.as_str())?;));
                }
                if f.base64 {
                    body.extend(quote!(#p::check_base64(prefix, #wire, v.as_str())?;));
                }
                if let Some((_, items)) = &f.charset {
                    let arms = items.iter().map(|i| match i {
                        CharItem::Single(c) => quote!(#c),
                        CharItem::Range(a, b) => quote!(#a..=#b),
                    });
                    let rule = describe_charset(items);
                    body.extend(quote! {
                        #p::check_charset(prefix, #wire, v.as_str(), |c| matches!(c, #(#arms)|*), #rule)?;
                    });
                }
            }
            if let FieldType::Object(_) = f.ty {
                let nested = format!("{wire}.");
                body.extend(quote!(#p::Check::validate_at(v, &#p::path(prefix, #nested))?;));
            }
            if let Some(limit) = f.max_length {
                let unit = match f.unit {
                    LengthUnit::Utf16 => quote!(Utf16),
                    LengthUnit::Chars => quote!(Chars),
                    LengthUnit::Bytes => quote!(Bytes),
                };
                let text = match f.ty {
                    FieldType::String => quote!(v.as_str()),
                    FieldType::Bool | FieldType::Integer => quote!(&v.to_string()),
                    FieldType::BoolString => quote!(#p::bool_str(*v)),
                    FieldType::JsonObject | FieldType::Object(_) => {
                        quote!(&#p::encode_json(prefix, #wire, v)?)
                    }
                };
                let limit = Literal::usize_unsuffixed(limit);
                body.extend(quote! {
                    #p::check_len(prefix, #wire, #text, #limit, #p::LengthUnit::#unit)?;
                });
            }
            if body.is_empty() {
                return TokenStream::new();
            }
            if f.required {
                quote! {{
                    let v = &self.#n;
                    #body
                }}
            } else {
                quote! {
                    if let ::core::option::Option::Some(v) = &self.#n {
                        #body
                    }
                }
            }
        });
        quote! {
            impl #p::Check for #ty {
                fn validate_at(&self, prefix: &str) -> ::core::result::Result<(), #p::ValidationError> {
                    let _ = prefix;
                    #(#checks)*
                    ::core::result::Result::Ok(())
                }
            }
        }
    }
}

fn fixed_expr(f: &Field, v: &FixedValue) -> TokenStream {
    match v {
        FixedValue::Str(s) => {
            if let Some(k) = &f.known {
                let e = ident(&k.enum_name);
                if let Some((_, variant, _)) = k.values.iter().find(|(w, _, _)| w == s) {
                    let var = ident(variant);
                    return quote!(#e::#var);
                }
                return quote!(#e::from(#s));
            }
            quote!(::std::string::String::from(#s))
        }
        FixedValue::Bool(b) => quote!(#b),
        FixedValue::Int(n) => {
            let n = Literal::i64_unsuffixed(*n);
            quote!(#n)
        }
    }
}

fn field_doc(f: &Field, kind: Kind) -> String {
    let mut doc = format!("`{}`: {}\n", f.wire_name, f.description);
    let mut facts = Vec::new();
    if kind != Kind::Response {
        facts.push(if f.required {
            "Required.".to_owned()
        } else {
            "Optional.".to_owned()
        });
    } else if f.required {
        facts.push(
            "Always present in a successful answer; one without it is rejected as malformed."
                .to_owned(),
        );
    }
    if let Some(limit) = f.max_length {
        let unit = match f.unit {
            LengthUnit::Utf16 => "UTF-16 code units",
            LengthUnit::Chars => "characters",
            LengthUnit::Bytes => "UTF-8 bytes",
        };
        let of = match f.ty {
            FieldType::JsonObject | FieldType::Object(_) => " of the JSON string",
            _ => "",
        };
        facts.push(format!("Maximum length{of}: {limit} {unit}."));
    }
    match f.ty {
        FieldType::BoolString => {
            facts.push("Sent as the string `\"true\"` or `\"false\"`.".to_owned())
        }
        FieldType::JsonObject | FieldType::Object(_) => {
            facts.push("Sent as a JSON string.".to_owned())
        }
        _ => {}
    }
    if let Some((text, items)) = &f.charset {
        facts.push(format!("Pattern `[{text}]*`: {}.", describe_charset(items)));
    }
    if f.base64 {
        facts.push("Base64 (standard alphabet, padded).".to_owned());
    }
    if f.sensitive.is_some() {
        facts.push("Personal data: masked in `Debug`.".to_owned());
    }
    doc.push('\n');
    doc.push_str(&facts.join(" "));
    if let Some(ex) = &f.example {
        doc.push_str(&format!("\n\nExample: `{ex}`"));
    }
    doc
}

fn expand_enum(field: &Field, known: &KnownValues) -> (TokenStream, TokenStream) {
    let p = p();
    let e = ident(&known.enum_name);
    let doc = doc_attrs(&format!(
        "Values of `{}`. Open: a value this SDK does not know is kept as [`{}::Other`] and sent \
         verbatim. Build it with `From<&str>`/`From<String>`, which map known strings to their \
         variant.",
        field.wire_name, known.enum_name
    ));
    let variants = known.values.iter().map(|(wire, variant, desc)| {
        let v = ident(variant);
        let d = match desc {
            Some(d) => format!("`{wire}`: {d}"),
            None => format!("`{wire}`"),
        };
        quote!(#[doc = #d] #v,)
    });
    let as_str = known.values.iter().map(|(wire, variant, _)| {
        let v = ident(variant);
        quote!(#e::#v => #wire,)
    });
    let from = known.values.iter().map(|(wire, variant, _)| {
        let v = ident(variant);
        quote!(#wire => #e::#v,)
    });
    let from2 = from.clone();
    let types = quote! {
        #doc
        #[derive(Clone, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        pub enum #e {
            #(#variants)*
            /// A value not known to this SDK version, kept verbatim.
            Other(::std::string::String),
        }
    };
    let impls = quote! {
        impl #e {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #e::Other(s) => s.as_str(),
                }
            }
        }
        impl ::core::convert::From<&str> for #e {
            fn from(s: &str) -> Self {
                match s {
                    #(#from)*
                    other => #e::Other(::std::string::String::from(other)),
                }
            }
        }
        impl ::core::convert::From<::std::string::String> for #e {
            fn from(s: ::std::string::String) -> Self {
                match s.as_str() {
                    #(#from2)*
                    _ => #e::Other(s),
                }
            }
        }
        impl ::core::convert::AsRef<str> for #e {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl ::core::fmt::Display for #e {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl #p::serde::Serialize for #e {
            fn serialize<__S: #p::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> #p::serde::Deserialize<'de> for #e {
            fn deserialize<__D: #p::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                let s = <::std::string::String as #p::serde::Deserialize>::deserialize(deserializer)?;
                ::core::result::Result::Ok(#e::from(s))
            }
        }
    };
    (types, impls)
}
