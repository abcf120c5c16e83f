//! An `AsyncSigner` (a KMS/HSM behind a network call) is awaited by the client, never
//! blocked on: signing completes only when another task on the same single-threaded
//! runtime runs.

mod support;

use std::error::Error as _;
use std::time::Duration;

use alipay_transport::protocol::{AlipayPublicKey, AppPrivateKey, SignError};
use alipay_transport::{
    AlipayClient, AlipayTrust, AsyncSigner, BuildError, ClientBuilder, Error, Gateway, RetryPolicy,
    SignFuture, SignType, Signer as _,
};
use support::{
    ALIPAY_PUBLIC_PEM, APP_PRIVATE_PEM, APP_PUBLIC_PEM, Reply, TestCertify, TestGateway,
    success_node,
};
use tokio::sync::{mpsc, oneshot};

/// A remote signer: hands the message to a "KMS" task over a channel and awaits its
/// answer. Nothing in it blocks a thread.
struct RemoteSigner {
    kms: mpsc::UnboundedSender<(Vec<u8>, oneshot::Sender<Vec<u8>>)>,
    public: AlipayPublicKey,
}

impl AsyncSigner for RemoteSigner {
    fn sign<'a>(&'a self, sign_type: SignType, message: &'a [u8]) -> SignFuture<'a> {
        Box::pin(async move {
            assert_eq!(sign_type, SignType::Rsa2);
            let (reply, answer) = oneshot::channel();
            self.kms
                .send((message.to_vec(), reply))
                .map_err(SignError::backend)?;
            answer.await.map_err(SignError::backend)
        })
    }

    fn public_key(&self) -> Option<&AlipayPublicKey> {
        Some(&self.public)
    }
}

/// The "KMS": a task on the caller's runtime that signs after a timer, i.e. only if
/// the runtime keeps running other tasks while the client waits for the signature.
fn spawn_kms() -> mpsc::UnboundedSender<(Vec<u8>, oneshot::Sender<Vec<u8>>)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<u8>, oneshot::Sender<Vec<u8>>)>();
    let key = AppPrivateKey::parse(APP_PRIVATE_PEM).unwrap();
    tokio::spawn(async move {
        while let Some((message, reply)) = rx.recv().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = reply.send(key.sign(SignType::Rsa2, &message).unwrap());
        }
    });
    tx
}

fn builder(url: &str) -> ClientBuilder {
    AlipayClient::builder()
        .app_id("2021000000000001")
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(url.into()))
        .no_proxy()
        .retry(RetryPolicy::none())
}

fn public_key() -> AlipayPublicKey {
    AlipayPublicKey::parse(APP_PUBLIC_PEM).unwrap()
}

#[test]
fn an_async_signer_is_awaited_without_blocking_the_runtime() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let url = gw.url.clone();
    // One thread runs the client and the KMS task: the KMS can answer only while the
    // call is suspended. Run it on its own thread so that a client that blocked
    // (and so deadlocked) fails this test instead of hanging it.
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(async {
            let client = builder(&url)
                .async_signer(RemoteSigner {
                    kms: spawn_kms(),
                    public: public_key(),
                })
                .build()
                .unwrap();
            client.execute(&TestCertify::new("tx-async-kms")).await
        });
        let _ = done.send(result.map(|_| ()).map_err(|e| e.to_string()));
    });
    outcome
        .recv_timeout(Duration::from_secs(30))
        .expect("signing blocked the runtime the KMS task runs on")
        .unwrap();
    let received = gw.received();
    assert_eq!(received.len(), 1);
    assert!(
        received[0].signature_ok,
        "the gateway checked the signature"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_remote_signer_sends_nothing_and_keeps_its_error() {
    struct Unreachable;
    impl AsyncSigner for Unreachable {
        fn sign<'a>(&'a self, _: SignType, _: &'a [u8]) -> SignFuture<'a> {
            Box::pin(async {
                tokio::task::yield_now().await;
                Err(SignError::backend(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "KMS unreachable",
                )))
            })
        }
    }
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let client = builder(&gw.url).async_signer(Unreachable).build().unwrap();
    let err = client
        .execute(&TestCertify::new("tx-async-kms-2"))
        .await
        .unwrap_err();
    let Error::Signing(sign_error) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(sign_error.to_string(), "the signer failed");
    let io = sign_error
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the KMS error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(gw.attempts(), 0, "nothing was sent");

    // prepare() signs synchronously, which an async signer cannot do.
    let err = client
        .prepare(&TestCertify::new("tx-async-kms-3"))
        .unwrap_err();
    assert!(matches!(err, Error::Signing(_)), "{err:?}");
}

#[test]
fn an_async_signer_is_checked_like_a_key_and_excludes_one() {
    let signer = || RemoteSigner {
        kms: mpsc::unbounded_channel().0,
        public: public_key(),
    };
    let url = "http://127.0.0.1:9/gateway.do";
    // Its public half is checked against the Alipay key like a local key's.
    let e = builder(url)
        .async_signer(signer())
        .alipay_trust(AlipayTrust::public_key(APP_PUBLIC_PEM))
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::AlipayKeyIsAppKey(_)), "{e:?}");
    let e = builder(url)
        .app_private_key(APP_PRIVATE_PEM)
        .async_signer(signer())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            BuildError::Conflict {
                first: "app_private_key",
                second: "async_signer"
            }
        ),
        "{e:?}"
    );
    // The builder's Debug names the kind of signer, nothing more.
    let shown = format!("{:?}", builder(url).async_signer(signer()));
    assert!(shown.contains("async_signer"), "{shown}");
}
