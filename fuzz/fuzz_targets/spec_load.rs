//! `cargo fuzz run spec_load`: alipay-codegen's spec parse + check (+ expand when it
//! loads) on arbitrary TOML text never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match alipay_codegen::load_str("<fuzz>", text) {
        Ok(method) => {
            let tokens = alipay_codegen::expand::expand(&method);
            let _ = alipay_codegen::pretty(&tokens);
        }
        Err(diagnostics) => {
            let _ = diagnostics.to_string();
        }
    }
});
