//! The construction side of a request or object: the builder type with its setters and
//! `build()`, the `builder()` entry point, the spec's named constructors and the getters.
//! The response has none of these: it is only decoded.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Kind, Struct, doc_attrs, docs, ident, value_type};
use crate::ir::{Constructor, Field, FieldType, FixedValue};

impl Struct<'_> {
    fn builder(&self) -> Ident {
        format_ident!("{}Builder", self.ty)
    }

    pub(super) fn builder_definition(&self) -> TokenStream {
        let ty = &self.ty;
        let builder = self.builder();
        let defs = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let t = value_type(f);
            quote!(#n: ::core::option::Option<#t>,)
        });
        let doc = format!(
            "Builder of [`{ty}`]. Setters take the value; [`{builder}::build`] checks every rule."
        );
        quote! {
            #[doc = #doc]
            #[derive(Clone, Default)]
            pub struct #builder {
                #(#defs)*
            }
        }
    }

    pub(super) fn builder_impls(&self) -> TokenStream {
        let ty = &self.ty;
        let builder = self.builder();
        let setters = self.fields.iter().map(setter);
        let inits = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            if f.required {
                quote!(#n: __p::required(self.#n, #wire)?,)
            } else {
                quote!(#n: self.#n,)
            }
        });
        let presence = self.fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.wire_name;
            quote!(.field(#wire, &__p::Presence(self.#n.is_some())))
        });
        let name = builder.to_string();
        let build_doc = format!(
            "Checks every field rule and returns the [`{ty}`], or the first problem found, \
             naming the field path, the rule and the limit."
        );
        quote! {
            impl #builder {
                #(#setters)*

                #[doc = #build_doc]
                pub fn build(self) -> Result<#ty, __p::ValidationError> {
                    let mut value = #ty { #(#inits)* __validated: __p::Validated::default() };
                    __p::Check::validate_at(&value, "")?;
                    value.__validated = __p::Validated::PASSED;
                    Ok(value)
                }
            }

            // Shows only which fields are set: a builder holds unchecked personal data.
            impl fmt::Debug for #builder {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(#name) #(#presence)* .finish()
                }
            }
        }
    }

    /// `builder()`, the spec's constructors and the getters.
    pub(super) fn inherent(&self, constructors: &[Constructor]) -> TokenStream {
        let ty = &self.ty;
        let builder = self.builder();
        let builder_doc = format!("Starts a [`{builder}`]; every field is unset.");
        let ctors = constructors.iter().map(|c| constructor(c, self.fields));
        let getters = self.fields.iter().map(|f| getter(f, &builder.to_string()));
        quote! {
            impl #ty {
                #[doc = #builder_doc]
                pub fn builder() -> #builder {
                    #builder::default()
                }
                #(#ctors)*
                #(#getters)*
            }
        }
    }
}

fn setter(f: &Field) -> TokenStream {
    let n = ident(&f.rust_name);
    let doc = doc_attrs(&docs::field_doc(f, Kind::Request));
    let t = value_type(f);
    let (param, conv) = match &f.ty {
        ty if ty.is_text() => (quote!(impl Into<#t>), quote!(value.into())),
        FieldType::Array(elem) => {
            let e = super::type_tokens(elem);
            (
                quote!(impl ::core::iter::IntoIterator<Item = #e>),
                quote!(value.into_iter().collect()),
            )
        }
        _ => (quote!(#t), quote!(value)),
    };
    let bytes = f.base64.then(|| {
        let bn = format_ident!("{}_from_bytes", f.rust_name);
        let bdoc = format!(
            "Sets `{}` from raw bytes, base64-encoding them (standard alphabet, padded).",
            f.wire_name
        );
        quote! {
            #[doc = #bdoc]
            pub fn #bn(mut self, bytes: impl AsRef<[u8]>) -> Self {
                self.#n = Some(__p::base64_encode(bytes.as_ref()).into());
                self
            }
        }
    });
    quote! {
        #doc
        pub fn #n(mut self, value: #param) -> Self {
            self.#n = Some(#conv);
            self
        }
        #bytes
    }
}

fn getter(f: &Field, builder: &str) -> TokenStream {
    let n = ident(&f.rust_name);
    let doc = docs::getter_doc(f, builder);
    let t = value_type(f);
    let by_value = matches!(
        f.ty,
        FieldType::Bool | FieldType::BoolString | FieldType::Integer | FieldType::Number
    ) && f.known.is_none();
    let plain_string = f.ty.is_text() && f.known.is_none();
    if let FieldType::Array(elem) = &f.ty {
        let e = super::type_tokens(elem);
        let (ret, body) = if f.required {
            (quote!(&[#e]), quote!(&self.#n))
        } else {
            (quote!(Option<&[#e]>), quote!(self.#n.as_deref()))
        };
        return quote! {
            #[doc = #doc]
            pub fn #n(&self) -> #ret {
                #body
            }
        };
    }
    let (ret, body) = match (f.required, by_value, plain_string) {
        (true, true, _) => (quote!(#t), quote!(self.#n)),
        (false, true, _) => (quote!(Option<#t>), quote!(self.#n)),
        (true, false, true) => (quote!(&str), quote!(&self.#n)),
        (false, false, true) => (quote!(Option<&str>), quote!(self.#n.as_deref())),
        (true, false, false) => (quote!(&#t), quote!(&self.#n)),
        (false, false, false) => (quote!(Option<&#t>), quote!(self.#n.as_ref())),
    };
    quote! {
        #[doc = #doc]
        pub fn #n(&self) -> #ret {
            #body
        }
    }
}

fn constructor(c: &Constructor, fields: &[Field]) -> TokenStream {
    let n = ident(&c.name);
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let fname = ident(&f.rust_name);
        let value = if let Some((_, v)) = c.fixed.iter().find(|(j, _)| *j == i) {
            Some(fixed_expr(f, v))
        } else if c.params.contains(&i) {
            let t = value_type(f);
            Some(match (f.base64, &f.ty) {
                (true, _) => {
                    params.push(quote!(#fname: impl AsRef<[u8]>));
                    quote!(__p::base64_encode(#fname.as_ref()))
                }
                (false, ty) if ty.is_text() => {
                    params.push(quote!(#fname: impl Into<#t>));
                    quote!(#fname.into())
                }
                (false, _) => {
                    params.push(quote!(#fname: #t));
                    quote!(#fname)
                }
            })
        } else {
            None
        };
        inits.push(match (value, f.required) {
            (Some(v), true) => quote!(#fname: #v,),
            (Some(v), false) => quote!(#fname: Some(#v),),
            (None, _) => quote!(#fname: None,),
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
        "\n\nThe values are checked when the value is validated (by the request's `build()` or \
         `validate()`), so an over-long argument is reported there with its field path.",
    );
    let doc = doc_attrs(&doc);
    quote! {
        #doc
        pub fn #n(#(#params),*) -> Self {
            Self { #(#inits)* __validated: __p::Validated::default() }
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
            quote!(String::from(#s))
        }
        FixedValue::Bool(b) => quote!(#b),
        FixedValue::Int(n) => {
            let n = Literal::i64_unsuffixed(*n);
            quote!(#n)
        }
    }
}
