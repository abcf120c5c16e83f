mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "demo.duplicate"
title = "t"
description = "d"
source = "s"
call_style = "server"

[[request.field]]
name = "x"
type = "string"
description = "d"

[[request.field]]
name = "x"
type = "string"
description = "again"
"#);
}

fn main() {}
