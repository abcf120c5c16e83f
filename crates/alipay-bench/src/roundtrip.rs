//! A full call over loopback HTTP against the in-process sandbox, at 1 and 16 callers:
//! throughput and CPU per call against the floor of a call, 2 signs + 2 verifies
//! (the client signs and the sandbox verifies the request; the sandbox signs and the
//! client verifies the answer).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_api::{AlipayClient, AlipayTrust, ApiMethod, Gateway};
use alipay_sandbox::{DEFAULT_APP_ID, Sandbox, SandboxConfig};

use crate::Fixture;

/// Process CPU time (user + system, all threads) so far, from `getrusage`.
pub fn cpu_time() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike as _;
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage(RUSAGE_SELF)");
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    Duration::from_micros(micros.max(0) as u64)
}

/// What a round-trip run measured.
#[derive(Debug, Clone, Copy)]
pub struct RoundTrip {
    /// Concurrent callers.
    pub callers: usize,
    /// Calls completed per second.
    pub calls_per_sec: f64,
    /// Process CPU per call (client and sandbox together).
    pub cpu_per_call: Duration,
    /// The floor's calls per second at this concurrency on this machine's cores.
    pub floor_calls_per_sec: f64,
    /// CPU of 2 signs + 2 verifies of a call's bytes.
    pub floor_cpu_per_call: Duration,
}

impl RoundTrip {
    /// Throughput as a fraction of the floor's (higher is better).
    pub fn throughput_ratio(&self) -> f64 {
        self.calls_per_sec / self.floor_calls_per_sec
    }

    /// CPU per call as a multiple of the floor's (lower is better).
    pub fn cpu_ratio(&self) -> f64 {
        self.cpu_per_call.as_secs_f64() / self.floor_cpu_per_call.as_secs_f64()
    }
}

/// `calls` certify calls by `callers` concurrent tasks, after a warm-up.
pub fn run(fixture: &Fixture, callers: usize, calls: usize) -> RoundTrip {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (calls_per_sec, cpu_per_call) = runtime.block_on(async {
        let config = SandboxConfig::from_key_set(DEFAULT_APP_ID, &fixture.keys)
            .expect("sandbox config")
            .record_requests(0);
        let sandbox = Sandbox::start_local(config).await.expect("sandbox");
        let client = Arc::new(
            AlipayClient::builder()
                .app_id(DEFAULT_APP_ID)
                .app_private_key(fixture.keys.app_private_pem.as_str())
                .alipay_trust(AlipayTrust::public_key(
                    fixture.keys.alipay_public_pem.as_str(),
                ))
                .gateway(Gateway::Custom(sandbox.url()))
                .build()
                .expect("client"),
        );
        let request = Arc::new(fixture.small_request());
        for _ in 0..callers.max(4) {
            client.execute(&*request).await.expect("warm-up call");
        }
        let per_caller = calls.div_ceil(callers);
        let cpu0 = cpu_time();
        let start = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let client = Arc::clone(&client);
                let request = Arc::clone(&request);
                tokio::spawn(async move {
                    for _ in 0..per_caller {
                        client.execute(&*request).await.expect("call");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("caller");
        }
        let wall = start.elapsed();
        let cpu = cpu_time() - cpu0;
        let total = (per_caller * callers) as f64;
        sandbox.stop().await;
        (total / wall.as_secs_f64(), cpu.div_f64(total))
    });
    let floor_cpu_per_call = floor_of_a_call(fixture);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parallel = callers.min(cores) as f64;
    RoundTrip {
        callers,
        calls_per_sec,
        cpu_per_call,
        floor_calls_per_sec: parallel / floor_cpu_per_call.as_secs_f64(),
        floor_cpu_per_call,
    }
}

/// 2 signs + 2 verifies of the bytes one call signs and verifies, on one thread, in
/// CPU time (so other load on the machine does not inflate it).
fn floor_of_a_call(fixture: &Fixture) -> Duration {
    let request = fixture.small_request();
    let signed = fixture.client.prepare(&request).expect("prepare");
    let content = signed.sign_content().as_bytes().to_vec();
    let body = fixture.response_body(false).to_vec();
    let iterations = 200;
    let start = cpu_time();
    for _ in 0..iterations {
        let sig = fixture.sign_floor(&content);
        assert!(fixture.verify_floor_of(&content, &sig));
        std::hint::black_box(fixture.sign_floor(&body));
        assert!(fixture.verify_floor(&body));
    }
    (cpu_time() - start) / iterations
}

/// The method the round trip calls (for reports).
pub const METHOD: &str = alipay_api::ZhimaCustomerCertificationMaterialCertifyRequest::METHOD;
