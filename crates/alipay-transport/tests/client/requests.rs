//! The request side and the client itself: requests refused before sending, the
//! `app_auth_token`, the shared connection pool and `Send` futures.

use super::*;

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    let err = c.execute(&TestCertify::new("")).await.unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("expected InvalidRequest, got {err:?}")
    };
    assert_eq!(v.field(), "transaction_id");
    // A page method cannot be executed at all: a compile error (tests/ui).
    let err = c.execute_raw(METHOD, "{not json").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = c.execute_raw("bad method name", "{}").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(gw.attempts(), 0, "nothing was sent");
}

#[tokio::test]
async fn app_auth_token_per_client_and_per_call_is_signed_and_in_the_body() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = builder(&gw.url)
        .app_auth_token("client-token")
        .build()
        .unwrap();
    c.execute(&TestCertify::new("tx-17")).await.unwrap();
    c.execute_with(
        &TestCertify::new("tx-18"),
        CallOptions::new()
            .app_auth_token("call-token")
            .auth_token("user-token")
            .connect_timeout(Duration::from_secs(3)),
    )
    .await
    .unwrap();
    let received = gw.received();
    assert!(received.iter().all(|r| r.signature_ok));
    assert_eq!(received[0].param("app_auth_token"), Some("client-token"));
    assert_eq!(received[1].param("app_auth_token"), Some("call-token"));
    assert_eq!(received[1].param("auth_token"), Some("user-token"));
    // Tokens are credentials: not in the URL.
    for r in &received {
        assert!(r.query.iter().all(|(k, _)| !k.ends_with("auth_token")));
    }
}

#[tokio::test]
async fn one_connection_pool_is_reused_across_calls_and_clones() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    for i in 0..3 {
        c.clone()
            .execute(&TestCertify::new(&format!("tx-19-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(gw.attempts(), 3);
    assert_eq!(gw.connections(), 1);
}

#[tokio::test]
async fn futures_are_send_and_can_be_spawned() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = client(&gw.url);
    let request = TestCertify::new("tx-20");
    let future = c.execute(&request);
    drop(request); // the future does not borrow the request
    assert_send(&future);
    let response = tokio::spawn(future).await.unwrap().unwrap();
    assert_eq!(response.code, "10000");
}
