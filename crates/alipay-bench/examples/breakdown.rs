//! Where the time of the large request and the large response goes, stage by stage,
//! beside their floors (one RSA-2048 sign of the same sign content, one verify of the
//! same node): the profiles behind the `request_large` and `response_large` rows of
//! BENCHMARKS.md. `cargo run --release -p alipay-bench --example breakdown`

use std::hint::black_box;
use std::time::{Duration, Instant};

use alipay_api::ApiMethod;
use alipay_api::zhima_customer_certification_material_certify::ZhimaCustomerCertificationMaterialCertifyRequest as Request;

fn per_call(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn main() {
    let fx = alipay_bench::Fixture::new();
    let request = fx.large_request();
    let signed = fx.client.prepare(&request).expect("prepare");
    let content = signed.sign_content().as_bytes().to_vec();
    for _ in 0..3 {
        let n = 50;
        let rows = [
            (
                "build (base64 + validate)",
                per_call(n, || drop(black_box(fx.large_request()))),
            ),
            (
                "validate",
                per_call(n, || request.validate().expect("valid")),
            ),
            (
                "to_biz_content",
                per_call(n, || drop(black_box(request.to_biz_content()))),
            ),
            (
                "prepare (biz_content + sign)",
                per_call(n, || drop(black_box(fx.client.prepare(&request)))),
            ),
            ("form body", per_call(n, || drop(black_box(signed.body())))),
            (
                "url",
                per_call(n, || {
                    drop(black_box(signed.url("http://127.0.0.1:9/gateway.do")))
                }),
            ),
            (
                "the row's whole path",
                per_call(n, || drop(black_box(fx.request_path(true)))),
            ),
            (
                "floor: sign",
                per_call(n, || drop(black_box(fx.sign_floor(&content)))),
            ),
        ];
        let line: Vec<String> = rows.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        println!("{}", line.join(" | "));
    }
    // The large response row the same way: verification, the typed decode, the floor.
    let body = fx.response_body(true);
    let verified = fx.verify_body(body);
    for _ in 0..3 {
        let n = 200;
        let rows = [
            (
                "verify_response",
                per_call(n, || drop(black_box(fx.verify_body(body)))),
            ),
            (
                "decode_response",
                per_call(n, || {
                    drop(black_box(Request::decode_response(verified.raw())))
                }),
            ),
            (
                "the row's whole path",
                per_call(n, || assert!(black_box(fx.response_path(body)))),
            ),
            (
                "floor: verify",
                per_call(n, || assert!(black_box(fx.verify_floor(body)))),
            ),
        ];
        let line: Vec<String> = rows.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        println!("{}", line.join(" | "));
    }
}
