//! What the HTTP layer can hand back instead of an answer: error pages, short and cut
//! bodies, non-JSON bodies and bodies over the size limit.

use super::*;

#[tokio::test]
async fn html_5xx_is_an_http_status_error_with_a_safe_excerpt() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>\
                <p>request id 12345</p><hr><center>Tengine</center></body></html>";
    let gw = TestGateway::always(Reply::Http {
        status: 502,
        reason: "Bad Gateway",
        headers: vec![
            ("content-type", "text/html".into()),
            ("eagleeye-traceid", "0bb1c2d3".into()),
        ],
        body: page.as_bytes().to_vec(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-5"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::HttpStatus(h)) = &err else {
        panic!("expected HttpStatus, got {err:?}")
    };
    assert_eq!(h.status(), 502);
    assert_eq!(h.excerpt(), "502 Bad Gateway");
    assert_eq!(err.trace_id(), Some("0bb1c2d3"));
    assert!(!err.to_string().contains('<'), "{err}");
    assert_eq!(gw.attempts(), 1, "HTTP errors are not retried");

    // Without a title: the text, tags stripped, bounded.
    let body = format!(
        "<html><body><p>Service <b>down</b></p>{}</body></html>",
        "x".repeat(5000)
    );
    let gw = TestGateway::always(Reply::Http {
        status: 503,
        reason: "Service Unavailable",
        headers: vec![],
        body: body.into_bytes(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-5b"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::HttpStatus(h)) = &err else {
        panic!("expected HttpStatus, got {err:?}")
    };
    assert!(h.excerpt().starts_with("Service down x"), "{}", h.excerpt());
    assert!(h.excerpt().chars().count() <= 201);
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_transport_body_error() {
    let body = format!(
        r#"{{"{}_response":{{"code":"10000""#,
        METHOD.replace('.', "_")
    );
    let gw = TestGateway::always(Reply::LyingLength {
        declared: body.len() + 500,
        body: body.into_bytes(),
    });
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-6"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Body, "{err:?}"),
        other => panic!("expected Transport(Body), got {other:?}"),
    }
    assert_eq!(
        gw.attempts(),
        1,
        "a failure after the answer began is not retried"
    );
}

#[tokio::test]
async fn a_body_cut_mid_json_is_malformed() {
    let body = format!(
        r#"{{"{}_response":{{"code":"10000","msg":"Succ"#,
        METHOD.replace('.', "_")
    );
    let gw = TestGateway::always(Reply::Body(body));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-7"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(m)) = &err else {
        panic!("expected MalformedResponse, got {err:?}")
    };
    assert!(m.reason().contains("truncated"), "{}", m.reason());
    assert_eq!(m.path(), None);
    assert_eq!(gw.attempts(), 1);
}

#[tokio::test]
async fn an_html_page_with_status_200_is_malformed() {
    let gw = TestGateway::always(Reply::Body(
        "<html><body>login required</body></html>".into(),
    ));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-7b"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::Malformed(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_cut_off_at_the_limit() {
    // Declared too large: refused before reading.
    let gw = TestGateway::always(Reply::LyingLength {
        declared: 50 * 1024 * 1024,
        body: b"{".to_vec(),
    });
    let err = builder(&gw.url)
        .max_response_size(64 * 1024)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-8"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::TooLarge { limit: 65536 })),
        "{err:?}"
    );

    // Streamed without a length: reading stops at the limit, long before the end.
    let total = 64 * 1024 * 1024;
    let gw = TestGateway::always(Reply::Chunked { total });
    let err = builder(&gw.url)
        .max_response_size(64 * 1024)
        .build()
        .unwrap()
        .execute(&TestCertify::new("tx-8b"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Answer(AnswerError::TooLarge { limit: 65536 })),
        "{err:?}"
    );
    assert_eq!(gw.attempts(), 1);
    // The client stopped reading (and closed), so the server could not push it all.
    assert!(
        gw.chunked_bytes_written() < total / 2,
        "{}",
        gw.chunked_bytes_written()
    );
}

#[tokio::test]
async fn default_limit_accepts_normal_answers() {
    let gw = TestGateway::always(Reply::Signed(success_node(true)));
    let c = builder(&gw.url).max_response_size(600).build().unwrap();
    // A signed success is ~500 bytes: under 600, accepted.
    assert!(c.execute(&TestCertify::new("tx-8c")).await.is_ok());
    let c = builder(&gw.url).max_response_size(100).build().unwrap();
    assert!(matches!(
        c.execute(&TestCertify::new("tx-8d")).await,
        Err(Error::Answer(AnswerError::TooLarge { limit: 100 }))
    ));
}

/// Issue 10, defect 7: a top-level JSON string was quoted in the decode error.
#[tokio::test]
async fn a_json_string_body_is_malformed_without_being_quoted() {
    let gw = TestGateway::always(Reply::Body(format!("\"{CERT_NAME} {CERT_NO}\"")));
    let err = client(&gw.url)
        .execute(&TestCertify::new("tx-12c"))
        .await
        .unwrap_err();
    let Error::Answer(AnswerError::Malformed(m)) = &err else {
        panic!("expected MalformedResponse, got {err:?}")
    };
    assert!(m.reason().contains("found a string"), "{}", m.reason());
    let shown = format!("{err} {err:?}");
    for secret in [CERT_NAME, CERT_NO, &CERT_NO[..6]] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}
