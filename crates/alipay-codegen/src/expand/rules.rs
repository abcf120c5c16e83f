//! The validation of a generated type: its `Check` impl, one `Checker` call per rule
//! of each field (not empty, base64, charset, nested object, maximum length).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Struct, ident};
use crate::check::describe_charset;
use crate::ir::{CharItem, Field, FieldType, LengthUnit};

impl Struct<'_> {
    pub(super) fn check(&self) -> TokenStream {
        let ty = &self.ty;
        let rules = self.fields.iter().flat_map(rules);
        quote! {
            impl __p::Check for #ty {
                fn validate_at(&self, at: &str) -> Result<(), __p::ValidationError> {
                    // Immutable since `build()` checked it.
                    if self.__validated.passed() {
                        return Ok(());
                    }
                    let c = __p::Checker::new(at);
                    #(#rules)*
                    Ok(())
                }
            }
        }
    }
}

/// `Some(&self.x)` or `self.x.as_ref()`: the value a rule sees, if the field is set.
fn present(field: &Field) -> TokenStream {
    let n = ident(&field.rust_name);
    if field.required {
        quote!(Some(&self.#n))
    } else {
        quote!(self.#n.as_ref())
    }
}

/// One checker call per rule of `f`.
fn rules(f: &Field) -> Vec<TokenStream> {
    let n = ident(&f.rust_name);
    let wire = &f.wire_name;
    let v = present(f);
    let mut out = Vec::new();
    let text_like = f.ty.is_text();
    if text_like && f.required {
        out.push(quote!(c.not_empty(#wire, &self.#n)?;));
    }
    match &f.ty {
        FieldType::Price => out.push(quote!(c.price(#wire, #v)?;)),
        FieldType::Date => out.push(quote!(c.date(#wire, #v)?;)),
        FieldType::Number => out.push(quote!(c.finite(#wire, #v)?;)),
        FieldType::Array(elem) => {
            if f.required {
                out.push(quote!(c.not_empty_list(#wire, &self.#n)?;));
            }
            if let FieldType::Object(_) = **elem {
                out.push(quote!(c.nested_each(#wire, #v)?;));
            }
            if let Some(limit) = f.max_length {
                let limit = Literal::usize_unsuffixed(limit);
                let unit = unit_tokens(f.unit);
                out.push(quote!(c.max_len_each(#wire, #v, #limit, __p::LengthUnit::#unit)?;));
            }
        }
        _ => {}
    }
    if text_like && f.base64 {
        out.push(quote!(c.base64(#wire, #v)?;));
    }
    if let (true, Some((_, items))) = (text_like, &f.charset) {
        let arms = items.iter().map(|i| match i {
            CharItem::Single(c) => quote!(#c),
            CharItem::Range(a, b) => quote!(#a..=#b),
        });
        let rule = describe_charset(items);
        out.push(quote!(c.charset(#wire, #v, |c| matches!(c, #(#arms)|*), #rule)?;));
    }
    if let FieldType::Object(_) = f.ty {
        out.push(quote!(c.nested(#wire, #v)?;));
    }
    let scalar_limit = f
        .max_length
        .filter(|_| !matches!(f.ty, FieldType::Array(_)));
    if let (Some(limit), FieldType::File) = (scalar_limit, &f.ty) {
        let limit = Literal::usize_unsuffixed(limit);
        out.push(quote!(c.max_file_len(#wire, #v, #limit)?;));
    } else if let Some(limit) = scalar_limit {
        let limit = Literal::usize_unsuffixed(limit);
        let unit = unit_tokens(f.unit);
        let json = f.ty.is_json();
        out.push(match (json, f.unit) {
            (true, LengthUnit::Utf16) => quote!(c.max_json_len(#wire, #v, #limit)?;),
            (true, _) => quote!(c.max_json_len_in(#wire, #v, #limit, __p::LengthUnit::#unit)?;),
            (false, LengthUnit::Utf16) => quote!(c.max_len(#wire, #v, #limit)?;),
            (false, _) => quote!(c.max_len_in(#wire, #v, #limit, __p::LengthUnit::#unit)?;),
        });
    }
    out
}

fn unit_tokens(unit: LengthUnit) -> TokenStream {
    match unit {
        LengthUnit::Utf16 => quote!(Utf16),
        LengthUnit::Chars => quote!(Chars),
        LengthUnit::Bytes => quote!(Bytes),
    }
}
