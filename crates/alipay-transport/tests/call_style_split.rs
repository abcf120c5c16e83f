//! The call-style split is a compile error, not a run-time one: `execute`/`prepare`
//! take only server methods, `page_url`/`page_form` only page methods,
//! `app_order_string` only app methods. Bless with `TRYBUILD=overwrite` after a
//! deliberate change to the messages.

#[test]
fn calling_a_method_the_wrong_way_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/execute_page_method.rs");
    t.compile_fail("tests/ui/page_url_of_server_method.rs");
}
