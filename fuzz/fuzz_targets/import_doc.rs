//! `cargo fuzz run import_doc`: xtask's doc-page importer never panics, and what it
//! writes is TOML that names the page's method.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = xtask::import_doc::import(text, "<fuzz>") {
        let value: toml::Table = toml::from_str(&spec)
            .unwrap_or_else(|e| panic!("FINDING: the imported spec is not TOML: {e}\n{spec}"));
        assert!(value.get("method").and_then(|m| m.as_str()).is_some());
        // The spec loader must cope with whatever the importer writes.
        let _ = alipay_codegen::load_str("<imported>", &spec);
    }
});
