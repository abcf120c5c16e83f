//! A bounded load test: many certify calls, 64 at a time, against the sandbox over
//! loopback. It checks that nothing is lost, duplicated or answered inconsistently under
//! concurrency, and reports throughput and latency (measured, never asserted).
//!
//! `cargo test -p alipay-e2e --test load` runs a short version in a debug build; CI runs
//! the full 20,000 calls in release: `cargo test --release -p alipay-e2e --test load`.
//! `ALIPAY_LOAD_CALLS` overrides the count.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_api::zhima_customer_certification_material_certify::Materials;
use alipay_e2e::{certify_builder, client_builder, sandbox};
use tokio::sync::Semaphore;

const CONCURRENCY: usize = 64;
/// Calls `i % 10 == 0` repeat a transaction that has already been answered, with a photo
/// that is not a JPEG: only the original result can make them pass. Calls `i % 10 == 5`
/// repeat the previous call's transaction, usually still in flight, with the same
/// request: racing duplicates must be answered alike.
const REPEAT_EVERY: usize = 5;
/// The whole run is bounded: a hang fails instead of holding CI.
const DEADLINE: Duration = Duration::from_secs(300);

fn calls() -> usize {
    match std::env::var("ALIPAY_LOAD_CALLS") {
        Ok(n) => n.parse().expect("ALIPAY_LOAD_CALLS is a number"),
        Err(_) if cfg!(debug_assertions) => 1_000,
        Err(_) => 20_000,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    biz_no: String,
    passed: bool,
    failed_reason: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_certify_calls_lose_and_duplicate_nothing() {
    let total = calls();
    let sandbox = sandbox().await;
    let client = Arc::new(
        client_builder(&sandbox)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
    );
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    let answered: Arc<std::sync::Mutex<Vec<usize>>> = Arc::default();
    let (mut repeats, mut late_repeats) = (0, 0);
    for i in 0..total {
        let late_original = (i % 10 == 0)
            .then(|| {
                let done = answered.lock().unwrap();
                done.get(done.len() / 2).copied()
            })
            .flatten();
        let racing = i % 10 == 5;
        let id = match (late_original, racing) {
            (Some(original), _) => original,
            (None, true) => i - 1,
            (None, false) => i,
        };
        let repeat = id != i;
        repeats += usize::from(repeat);
        late_repeats += usize::from(late_original.is_some());
        let transaction_id = if id % 3 == 0 {
            format!("LOAD_NOTPASS_{id}")
        } else {
            format!("LOAD_{id}")
        };
        let mut builder = certify_builder(&transaction_id);
        if late_original.is_some() {
            builder = builder.materials(Materials::facial_picture_front_jpeg(b"not a jpeg"));
        }
        let request = builder.build().unwrap();
        let client = client.clone();
        let answered = answered.clone();
        let permit = gate.clone().acquire_owned().await.unwrap();
        tasks.spawn(async move {
            let t = Instant::now();
            let result = client.execute(&request).await;
            let elapsed = t.elapsed();
            drop(permit);
            if result.is_ok() && !repeat {
                answered.lock().unwrap().push(id);
            }
            let answer = result.map(|r| Answer {
                biz_no: r.biz_no,
                passed: r.passed,
                failed_reason: r.failed_reason,
            });
            (
                transaction_id,
                repeat,
                answer.map_err(|e| e.to_string()),
                elapsed,
            )
        });
    }
    let mut results = Vec::with_capacity(total);
    let collect = async {
        while let Some(joined) = tasks.join_next().await {
            results.push(joined.unwrap());
        }
    };
    tokio::time::timeout(DEADLINE, collect)
        .await
        .expect("the load run finished within its deadline");
    let elapsed = started.elapsed();

    assert_eq!(results.len(), total, "every call came back");
    let errors: Vec<&String> = results.iter().filter_map(|r| r.2.as_ref().err()).collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {}",
        errors.len(),
        errors[0]
    );

    let mut by_id: HashMap<&str, Vec<(&Answer, bool)>> = HashMap::new();
    for (id, repeat, answer, _) in &results {
        by_id
            .entry(id.as_str())
            .or_default()
            .push((answer.as_ref().unwrap(), *repeat));
    }
    let mut owners: HashMap<&str, &str> = HashMap::new();
    let mut repeats_answered = 0;
    for (id, answers) in &by_id {
        let first = answers[0].0;
        for (answer, repeat) in answers {
            assert_eq!(
                *answer, first,
                "{id}: every answer to one transaction is the same"
            );
            repeats_answered += usize::from(*repeat);
        }
        assert_eq!(
            first.passed,
            !id.contains("NOTPASS"),
            "{id}: the original result"
        );
        assert_eq!(first.biz_no.len(), 32, "{id}");
        if let Some(other) = owners.insert(first.biz_no.as_str(), id) {
            panic!("biz_no {} answered for both {other} and {id}", first.biz_no);
        }
    }
    assert_eq!(repeats_answered, repeats, "every repeat was answered");
    // Racing repeats are every tenth call; late ones need an answered call to repeat,
    // which the first calls in flight do not have yet.
    assert!(
        repeats >= total / (2 * REPEAT_EVERY) && late_repeats > 0,
        "the run held its repeats ({repeats}, {late_repeats} late)"
    );
    assert_eq!(by_id.len(), total - repeats, "no transaction lost");

    let mut latencies: Vec<Duration> = results.iter().map(|r| r.3).collect();
    latencies.sort_unstable();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "load: {total} calls ({repeats} repeats, {late_repeats} of answered calls), {CONCURRENCY} concurrent, {:.2} s, {:.0} calls/s, \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} build)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );
    sandbox.stop().await;
}
