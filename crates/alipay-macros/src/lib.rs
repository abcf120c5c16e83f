//! The `alipay_api!` proc macro: a thin shell over `alipay-codegen`.
//!
//! ```ignore
//! alipay_api!("../../api-specs/zhima.customer.certification.material.certify.toml");
//! alipay_api!(inline = r#" method = "..." ... "#);
//! ```
//!
//! A path is resolved against the invoking crate's `CARGO_MANIFEST_DIR`; absolute
//! paths are rejected so a build never depends on one machine's layout. Every problem
//! becomes a `compile_error!` spanned on the literal; the macro never panics. On failure
//! it still emits stub types named like the real ones, so the user sees the real error
//! rather than a cascade of unresolved names.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

enum MacroInput {
    Path(LitStr),
    Inline(LitStr),
}

impl Parse for MacroInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            let _: Option<Token![,]> = input.parse()?;
            return Ok(MacroInput::Path(lit));
        }
        let key: Ident = input.parse()?;
        if key != "inline" {
            return Err(syn::Error::new(
                key.span(),
                "expected a spec path string literal or `inline = r#\"...\"#`",
            ));
        }
        let _: Token![=] = input.parse()?;
        let lit: LitStr = input.parse()?;
        let _: Option<Token![,]> = input.parse()?;
        Ok(MacroInput::Inline(lit))
    }
}

/// Generates the typed request, response, nested objects and enums of one method spec.
///
/// Takes either a path (relative to the invoking crate's `CARGO_MANIFEST_DIR`) or
/// `inline = "<toml>"`. Generated code refers to `::alipay_api::__private`, so the
/// invoking crate must depend on `alipay-api`.
#[proc_macro]
pub fn alipay_api(input: TokenStream) -> TokenStream {
    let input = match syn::parse::<MacroInput>(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error().into(),
    };
    expand(input).into()
}

fn expand(input: MacroInput) -> TokenStream2 {
    match input {
        MacroInput::Inline(lit) => {
            let text = lit.value();
            let result = alipay_codegen::load_str("<inline>", &text);
            finish(result, &text, lit.span(), None)
        }
        MacroInput::Path(lit) => {
            let given = lit.value();
            let path = match resolve(&given) {
                Ok(p) => p,
                Err(message) => {
                    return syn::Error::new(lit.span(), message).to_compile_error();
                }
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    let message = format!(
                        "cannot read spec file `{given}` (resolved against CARGO_MANIFEST_DIR to `{}`): {e}",
                        path.display()
                    );
                    let error = syn::Error::new(lit.span(), message).to_compile_error();
                    // Specs are named `<method>.toml`: stub the main types from the name.
                    let stubs = alipay_codegen::method_name_from_path(&given)
                        .map(|m| alipay_codegen::expand::stubs(&m));
                    return quote!(#error #stubs);
                }
            };
            let result = alipay_codegen::load_str(&given, &text);
            finish(result, &text, lit.span(), Some(&path))
        }
    }
}

fn resolve(given: &str) -> Result<PathBuf, String> {
    let rel = Path::new(given);
    if rel.is_absolute() || given.starts_with('/') || given.starts_with('\\') {
        return Err(format!(
            "spec path `{given}` is absolute; give a path relative to the crate's CARGO_MANIFEST_DIR"
        ));
    }
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .ok_or_else(|| "CARGO_MANIFEST_DIR is not set; build with cargo".to_owned())?;
    Ok(Path::new(&dir).join(rel))
}

fn finish(
    result: Result<alipay_codegen::ir::Method, alipay_codegen::Diagnostics>,
    text: &str,
    span: Span,
    path: Option<&Path>,
) -> TokenStream2 {
    // Makes cargo re-run the macro when the spec file changes (stable-Rust substitute
    // for `proc_macro::tracked::path`).
    let track = path.and_then(|p| {
        let abs = p.canonicalize().ok()?;
        let abs = abs.to_str()?.to_owned();
        Some(quote!(
            const _: &[u8] = ::core::include_bytes!(#abs);
        ))
    });
    match result {
        Ok(method) => {
            let items = alipay_codegen::expand::expand(&method);
            quote!(#track #items)
        }
        Err(diags) => {
            let errors = diags.lines().into_iter().map(|line| {
                let message = format!("invalid API spec: {line}");
                syn::Error::new(span, message).to_compile_error()
            });
            let extra = alipay_codegen::guess_type_names(text);
            let stubs = alipay_codegen::guess_method_name(text)
                .map(|m| alipay_codegen::expand::stubs_for(&m, &extra));
            quote!(#track #(#errors)* #stubs)
        }
    }
}

/// The impls of a generated open enum (`as_str`, `From<&str>`/`From<String>`, `AsRef`,
/// `Display`, serde, decoding and length rules), used by the `alipay_api!` expansion:
/// unit variants carry `#[wire = "VALUE"]`, and an `Other(String)` variant keeps values
/// this SDK does not know.
#[proc_macro_derive(OpenEnum, attributes(wire))]
pub fn derive_open_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    alipay_codegen::expand::derive_open_enum(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
