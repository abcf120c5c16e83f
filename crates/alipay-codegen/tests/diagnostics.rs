//! Check diagnostics: every problem of a bad spec in one run, each with line:column.

use std::path::Path;

fn diagnostics(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    match alipay_codegen::load_str(&name, &text) {
        Ok(_) => panic!("{name} was accepted"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn bad_specs() {
    insta::glob!("fixtures/bad/*.toml", |path| {
        insta::assert_snapshot!(diagnostics(path));
    });
}

#[test]
fn all_problems_are_reported_at_once_with_positions() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/many_problems.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let err = alipay_codegen::load_str("many_problems.toml", &text).unwrap_err();
    assert!(err.items.len() >= 12, "{err}");
    assert!(
        err.items.iter().all(|d| d.line > 0 && d.column > 0),
        "{err}"
    );
    let has = |needle: &str| err.items.iter().any(|d| d.message.contains(needle));
    for needle in [
        "unknown type `strin`",
        "duplicate request field `a`",
        "max_length must be a positive integer, got 0",
        "unknown nested type `Missing`",
        "bad charset pattern",
        "unknown mask `ssn`",
        "unknown call_style `browser`",
        "contains itself",
        "required field `f` is neither fixed nor a parameter",
    ] {
        assert!(has(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let err = alipay_codegen::generate(Path::new("no/such/spec.toml")).unwrap_err();
    assert_eq!(err.file, "no/such/spec.toml");
    assert!(
        err.to_string()
            .starts_with("no/such/spec.toml: cannot read spec file:"),
        "{err}"
    );
}

#[test]
fn the_idempotency_key_must_be_a_required_scalar_request_field() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let unknown = diagnostics(&dir.join("idempotency_key_unknown.toml"));
    assert_eq!(
        unknown,
        "idempotency_key_unknown.toml:6:19: idempotency_key `out_biz_no` is not a request \
         field (request fields: transaction_id)"
    );
    let optional = diagnostics(&dir.join("idempotency_key_optional_bool.toml"));
    assert!(
        optional.contains("6:19: idempotency_key `repeat` names an optional"),
        "{optional}"
    );
    assert!(
        optional.contains("must be a `string` or `integer` field"),
        "{optional}"
    );

    // Named correctly, it reaches the checked model.
    let text = std::fs::read_to_string(dir.join("idempotency_key_unknown.toml"))
        .unwrap()
        .replace("\"out_biz_no\"", "\"transaction_id\"");
    let method = alipay_codegen::load_str("ok.toml", &text).unwrap();
    assert_eq!(method.idempotency_key.as_deref(), Some("transaction_id"));
}
