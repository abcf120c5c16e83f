//! Bad specs fail the build with one clear error each, never a macro panic.
//!
//! These cases live here rather than in `alipay-api` because trybuild compiles each
//! case against every dependency of the crate it runs in, in a target directory of its
//! own: from `alipay-api` that was the whole client (TLS, aws-lc, the sandbox), built a
//! second time. A spec that fails expands to `compile_error!` plus stub types only, so
//! the macro crate's own small graph (syn, toml, the codegen library) is all they need.
//! A case that needed the runtime would belong back in `alipay-api`.

#[test]
fn compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
