mod m {
    alipay_api::alipay_api!("/etc/zhima.toml");
}

fn main() {}
