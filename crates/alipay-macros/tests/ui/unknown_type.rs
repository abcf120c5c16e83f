mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "demo.unknown.type"
title = "t"
description = "d"
source = "s"
call_style = "server"

[[request.field]]
name = "x"
type = "strng"
description = "d"
"#);
}

// The stub type exists, so this line adds no second error.
fn use_it(_: m::DemoUnknownTypeRequest) {}

fn main() {}
