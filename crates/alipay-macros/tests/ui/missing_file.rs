mod m {
    alipay_macros::alipay_api!("api-specs/does.not.exist.toml");
}

// Named after the file, the main types are stubbed even though it cannot be read.
fn use_it(_: m::DoesNotExistRequest) {}

fn main() {}
