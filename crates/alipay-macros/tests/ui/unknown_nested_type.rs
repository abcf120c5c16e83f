mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "demo.nested"
title = "t"
description = "d"
source = "s"
call_style = "server"

[[request.field]]
name = "identity_param"
type = "IdentityParm"
description = "typo in the object name"

[[object]]
name = "IdentityParam"
description = "d"

[[object.field]]
name = "cert_no"
type = "string"
description = "d"
"#);
}

fn main() {}
