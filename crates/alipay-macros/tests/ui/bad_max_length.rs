mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "demo.bad.max"
title = "t"
description = "d"
source = "s"
call_style = "server"

[[request.field]]
name = "x"
type = "string"
max_length = 0
description = "d"
"#);
}

fn main() {}
