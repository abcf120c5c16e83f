mod m {
    alipay_macros::alipay_api!("/etc/zhima.toml");
}

fn main() {}
