//! The rows of BENCHMARKS.md under criterion, each group holding its floor case so a
//! ratio is always read from one run: `cargo bench -p alipay-bench`.

use std::hint::black_box;

use alipay_bench::Fixture;
use criterion::{Criterion, criterion_group, criterion_main};

fn requests(c: &mut Criterion) {
    let fx = Fixture::new();
    for (name, large) in [("request_small", false), ("request_large", true)] {
        let content = fx.request_path(large).into_bytes();
        let mut g = c.benchmark_group(name);
        g.bench_function("sdk: build, prepare, url, body", |b| {
            b.iter(|| black_box(fx.request_path(large)))
        });
        g.bench_function("floor: aws-lc-rs sign of the same sign content", |b| {
            b.iter(|| black_box(fx.sign_floor(black_box(&content))))
        });
        g.finish();
    }
}

fn responses(c: &mut Criterion) {
    let fx = Fixture::new();
    for (name, large) in [("response_small", false), ("response_large", true)] {
        let body = fx.response_body(large).to_vec();
        let mut g = c.benchmark_group(name);
        g.bench_function("sdk: verify + typed decode", |b| {
            b.iter(|| assert!(fx.response_path(black_box(&body))))
        });
        g.bench_function("floor: aws-lc-rs verify of the same node", |b| {
            b.iter(|| assert!(fx.verify_floor(black_box(&body))))
        });
        g.finish();
    }
}

criterion_group!(benches, requests, responses);
criterion_main!(benches);
