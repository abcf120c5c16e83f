mod m {
    alipay_api::alipay_api!("api-specs/does.not.exist.toml");
}

fn main() {}
