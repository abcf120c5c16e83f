mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "a.b"
title = "t"
description = "no closing quote
"#);
}

fn main() {}
