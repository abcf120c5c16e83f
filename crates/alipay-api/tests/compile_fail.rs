//! Bad specs fail the build with one clear error each, never a macro panic.

#[test]
fn compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
