mod m {
    alipay_macros::alipay_api!(inline = r#"
method = "demo.nested.stub"
title = "t"
description = "d"
source = "s"
call_style = "server"

[[request.field]]
name = "who"
type = "Person"
required = true
max_length = 0
description = "d"

[[object]]
name = "Person"
description = "d"

[[object.field]]
name = "kind"
type = "string"
description = "d"
known_values = [{ value = "ADULT" }]
"#);
}

// Every type the spec names exists as a stub, so only the spec error is reported.
fn use_them(_: m::DemoNestedStubRequest, _: m::Person, _: m::PersonBuilder, _: m::Kind) {}

fn main() {}
