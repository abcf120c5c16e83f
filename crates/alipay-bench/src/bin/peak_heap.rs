//! Peak heap while preparing the certify request with the largest photo the spec
//! allows, as a multiple of the photo's size (`peak_heap_large`), and what is still held
//! once the request is ready to send. Runs under dhat's counting allocator, which is
//! why it is its own process: the timing rows use the system allocator.

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

use alipay_bench::Fixture;

fn main() {
    let fx = Fixture::new();
    let photo = fx.large_photo.len() as f64;
    // Counted from here: the photo bytes and the client exist before the call.
    let profiler = dhat::Profiler::builder().testing().build();
    let request = fx.large_request();
    let signed = fx.client.prepare(&request).expect("prepare");
    drop(request);
    let body = signed.body();
    let query = signed.query();
    let held = dhat::HeapStats::get().curr_bytes as f64;
    std::hint::black_box((&body, &query, &signed));
    let peak = dhat::HeapStats::get().max_bytes as f64;
    drop(profiler);
    println!(
        "{}",
        serde_json::json!({
            "name": "peak_heap_large",
            "ratio": (peak / photo * 1000.0).round() / 1000.0,
            "goal": 3.0,
            "floor": "the photo's size in bytes (153,579): building, validating, signing and encoding the request",
            "held_when_ready": (held / photo * 1000.0).round() / 1000.0,
        })
    );
}
