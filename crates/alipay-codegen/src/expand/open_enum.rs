//! `#[derive(OpenEnum)]`: the impls of an open enum, written once here instead of
//! spelled out per enum in every expansion.
//!
//! The enum has unit variants, each with `#[wire = "VALUE"]`, and a last variant
//! `Other(String)` that keeps any value this SDK does not know, so a new value Alipay
//! adds neither fails decoding nor is lost when sent back.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta};

/// The impls of `#[derive(OpenEnum)]`, or a spanned error for an enum of the wrong shape.
pub fn derive_open_enum(input: &DeriveInput) -> syn::Result<TokenStream> {
    let e = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(e, "OpenEnum applies to enums only"));
    };
    let mut known = Vec::new();
    let mut other = None;
    for v in &data.variants {
        match &v.fields {
            Fields::Unit => {
                let wire = wire_value(v)?;
                known.push((&v.ident, wire));
            }
            Fields::Unnamed(f) if f.unnamed.len() == 1 && other.is_none() => other = Some(&v.ident),
            _ => {
                return Err(syn::Error::new_spanned(
                    v,
                    "OpenEnum variants are unit variants with `#[wire = \"...\"]` and one \
                     `Other(String)`",
                ));
            }
        }
    }
    let Some(other) = other else {
        return Err(syn::Error::new_spanned(
            e,
            "OpenEnum needs an `Other(String)` variant",
        ));
    };
    let to_wire = known.iter().map(|(v, w)| quote!(Self::#v => #w,));
    let from_wire = known.iter().map(|(v, w)| quote!(#w => Self::#v,));
    let from_wire2 = from_wire.clone();
    Ok(quote! {
        const _: () = {
            use ::alipay_api::__private as __p;
            use ::std::string::String;

            impl #e {
                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#to_wire)*
                        Self::#other(s) => s.as_str(),
                    }
                }
            }
            impl ::core::convert::From<&str> for #e {
                fn from(s: &str) -> Self {
                    match s {
                        #(#from_wire)*
                        other => Self::#other(String::from(other)),
                    }
                }
            }
            impl ::core::convert::From<String> for #e {
                fn from(s: String) -> Self {
                    match s.as_str() {
                        #(#from_wire2)*
                        _ => Self::#other(s),
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
            impl __p::serde::Serialize for #e {
                fn serialize<S: __p::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }
            impl<'de> __p::serde::Deserialize<'de> for #e {
                fn deserialize<D: __p::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    <String as __p::serde::Deserialize>::deserialize(d).map(Self::from)
                }
            }
            impl __p::FromValue for #e {
                fn from_value(value: __p::serde_json::Value, path: &str) -> ::core::result::Result<Self, __p::DecodeError> {
                    <String as __p::FromValue>::from_value(value, path).map(Self::from)
                }
            }
            impl __p::LenText for #e {
                fn len_text(&self) -> ::std::borrow::Cow<'_, str> {
                    ::std::borrow::Cow::Borrowed(self.as_str())
                }
            }
        };
    })
}

fn wire_value(v: &syn::Variant) -> syn::Result<String> {
    let wire = v.attrs.iter().find_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("wire") => Some(&nv.value),
        _ => None,
    });
    match wire {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Ok(s.value()),
        Some(other) => Err(syn::Error::new_spanned(other, "expected a string literal")),
        None => Err(syn::Error::new_spanned(
            &v.ident,
            "each known variant needs `#[wire = \"VALUE\"]`",
        )),
    }
}
