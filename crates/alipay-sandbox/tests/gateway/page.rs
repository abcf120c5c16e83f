//! The certify page over real HTTP, as a browser meets it: signed page URLs made with
//! the protocol crate (pageExecute's GET format), the pass / fail choice, the redirect to
//! the return_url, and error pages for tampered, stale, unsigned and unknown URLs.

use std::time::Duration;

use super::flows::*;
use super::*;

/// A signed GET URL of a page method: every parameter, `biz_content` and `sign` in
/// the query string, as the official SDKs' `pageExecute(.., "GET")` builds it.
fn page_url(
    sandbox: &Sandbox,
    method: &str,
    biz_content: &str,
    return_url: Option<&str>,
    ts: Timestamp,
) -> String {
    let key = AppPrivateKey::parse(&keys().app_private_pem).unwrap();
    let mut common = CommonParams::new(DEFAULT_APP_ID);
    common.return_url = return_url.map(str::to_owned);
    let call = Call {
        method,
        biz_content: Some(biz_content),
        timestamp: ts,
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&common, &call, &key).unwrap();
    format!("{}?{}", sandbox.url(), signed.all_params_encoded())
}

struct Page {
    status: u16,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: String,
}

/// A browser that does not follow redirects, so the test sees where it is sent.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(resp: reqwest::Response) -> Page {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let location = headers
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    Page {
        status,
        location,
        headers,
        body: resp.text().await.unwrap(),
    }
}

async fn open(url: &str) -> Page {
    page(browser().get(url).send().await.unwrap()).await
}

/// The hidden `id` and `token` of a certify page's form.
fn form_of(page: &Page) -> (String, String) {
    let value = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("{}", page.body))
            + marker.len();
        let end = page.body[start..].find('"').unwrap();
        page.body[start..start + end].to_owned()
    };
    (value("id"), value("token"))
}

async fn choose(sandbox: &Sandbox, id: &str, token: &str, choice: &str) -> Page {
    let url = format!("http://{}/certify/choose", sandbox.addr());
    let mut body = String::new();
    for (k, v) in [("id", id), ("token", token), ("choice", choice)] {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(k);
        body.push('=');
        alipay_protocol::form::encode_into(&mut body, v.as_bytes());
    }
    let resp = browser()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    page(resp).await
}

fn biz_no_of(node: &Value) -> String {
    node["biz_no"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn zhima_pass_redirects_to_return_url_with_the_result_and_fixes_the_query() {
    let sandbox = sandbox().await;
    let biz_no = biz_no_of(&call_method(&sandbox, ZHIMA_INIT, &zhima_init("P1", ID_NO)).await);
    let biz = json!({ "biz_no": biz_no }).to_string();
    let url = page_url(
        &sandbox,
        "zhima.customer.certification.certify",
        &biz,
        Some("https://merchant.example/return?order=7"),
        Timestamp::now(),
    );
    let shown = open(&url).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("zhima.customer.certification.certify"));
    assert!(shown.body.contains(DEFAULT_APP_ID));
    assert!(shown.body.contains("收*"), "{}", shown.body);
    assert!(shown.body.contains("2601**********5964"), "{}", shown.body);
    assert!(!shown.body.contains(ID_NO) && !shown.body.contains("收委"));
    // No external resources: nothing with a src or an href, and a CSP that says so.
    assert!(!shown.body.contains("src=") && !shown.body.contains("href="));
    assert!(
        shown.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );

    let (id, token) = form_of(&shown);
    assert_eq!(id, biz_no);
    let back = choose(&sandbox, &id, &token, "pass").await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(
        back.location.as_deref(),
        Some(
            format!("https://merchant.example/return?order=7&biz_no={biz_no}&passed=true").as_str()
        )
    );
    let query = call_method(&sandbox, ZHIMA_QUERY, &biz).await;
    assert_eq!(query["passed"], "true", "{query}");
    assert!(query.get("failed_reason").is_none(), "{query}");
}

#[tokio::test]
async fn open_certify_fail_redirects_to_the_initialize_return_url() {
    let sandbox = sandbox().await;
    let return_url = "https://merchant.example/certified?o=OP1";
    let init = call_method(&sandbox, OPEN_INIT, &open_init("OP1", return_url)).await;
    let biz = json!({ "certify_id": init["certify_id"] }).to_string();
    let url = page_url(
        &sandbox,
        "alipay.user.certify.open.certify",
        &biz,
        None,
        Timestamp::now(),
    );
    let shown = open(&url).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("张*") && shown.body.contains("alipay.user.certify.open.certify"));
    let (id, token) = form_of(&shown);
    let back = choose(&sandbox, &id, &token, "fail").await;
    assert_eq!(
        (back.status, back.location.as_deref()),
        (303, Some(return_url))
    );
    let query = call_method(&sandbox, OPEN_QUERY, &biz).await;
    assert_eq!(query["passed"], "F");
    assert_eq!(query["fail_reason"], "人脸比对不通过");
}

#[tokio::test]
async fn face_page_from_the_verify_url_passes() {
    let sandbox = sandbox().await;
    let init = call_method(&sandbox, FACE_INIT, &face_init("FP1")).await;
    let biz = json!({ "certify_id": init["certify_id"] }).to_string();
    let certify_url = call_method(&sandbox, FACE_VERIFY, &biz).await["certify_url"]
        .as_str()
        .unwrap()
        .to_owned();
    // The ticket is the capability: another one opens nothing.
    let (head, _) = certify_url.split_once("&ticket=").unwrap();
    let forged = open(&format!("{head}&ticket={}", "0".repeat(32))).await;
    assert_eq!(forged.status, 403, "{}", forged.body);

    let shown = open(&certify_url).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let (id, token) = form_of(&shown);
    let back = choose(&sandbox, &id, &token, "pass").await;
    assert_eq!(
        back.location.as_deref(),
        Some("https://merchant.example/face-done")
    );
    let query = call_method(&sandbox, FACE_QUERY, &biz).await;
    assert_eq!(query["passed"], "T", "{query}");
}

#[tokio::test]
async fn tampered_unsigned_and_stale_urls_get_an_error_page_and_record_nothing() {
    let sandbox = sandbox().await;
    let biz_no = biz_no_of(&call_method(&sandbox, ZHIMA_INIT, &zhima_init("T1", ID_NO)).await);
    let other = biz_no_of(&call_method(&sandbox, ZHIMA_INIT, &zhima_init("T2", ID_NO)).await);
    let biz = json!({ "biz_no": biz_no }).to_string();
    let hostile_return = "https://merchant.example/r?<script>alert(1)</script>";
    let method = "zhima.customer.certification.certify";
    let url = page_url(
        &sandbox,
        method,
        &biz,
        Some(hostile_return),
        Timestamp::now(),
    );

    // Another biz_no under the original signature.
    let tampered = open(&url.replace(&biz_no, &other)).await;
    assert_eq!(tampered.status, 400);
    assert!(
        tampered.body.contains("isv.invalid-signature"),
        "{}",
        tampered.body
    );
    // The gateway's sign-content echo holds the hostile text: escaped, never markup.
    assert!(
        tampered.body.contains("&lt;script&gt;"),
        "{}",
        tampered.body
    );
    assert!(!tampered.body.contains("<script>"));

    let (without_sign, _) = url.split_once("&sign=").unwrap();
    let unsigned = open(without_sign).await;
    assert!(
        unsigned.body.contains("isv.missing-signature"),
        "{}",
        unsigned.body
    );

    let stale_ts =
        Timestamp::from_system_time(std::time::SystemTime::now() - Duration::from_secs(20 * 60));
    let stale = open(&page_url(
        &sandbox,
        method,
        &biz,
        Some("https://m.example/"),
        stale_ts,
    ))
    .await;
    assert!(
        stale.body.contains("isv.invalid-timestamp"),
        "{}",
        stale.body
    );

    for refused in [&tampered, &unsigned, &stale] {
        assert_eq!(refused.status, 400);
        assert!(!refused.body.contains("name=\"token\""));
    }
    // Nothing was recorded: both are still not certified.
    for id in [&biz_no, &other] {
        let query = call_method(&sandbox, ZHIMA_QUERY, &json!({ "biz_no": id }).to_string()).await;
        assert_eq!(query["passed"], "false");
        assert!(query["failed_reason"].as_str().unwrap().contains("尚未"));
    }
}

#[tokio::test]
async fn unknown_ids_and_expired_certifications_get_an_error_page() {
    let clock = TestClock::new();
    let sandbox_clock = clock.clone();
    let sandbox = sandbox_with(|c| {
        c.clock(move || sandbox_clock.now())
            .certify_ttl(Duration::from_secs(300))
    })
    .await;
    let unknown = open(&page_url(
        &sandbox,
        "zhima.customer.certification.certify",
        &json!({ "biz_no": "ZM000000000000000000000000000000" }).to_string(),
        Some("https://m.example/"),
        clock.timestamp(),
    ))
    .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("biz_no"), "{}", unknown.body);

    let init = call_at(
        &sandbox,
        OPEN_INIT,
        &open_init("E1", "https://m.example/"),
        clock.timestamp(),
    )
    .await;
    let biz = json!({ "certify_id": init["certify_id"] }).to_string();
    clock.advance(Duration::from_secs(301));
    // A freshly signed URL, but the certification itself has expired.
    let url = page_url(
        &sandbox,
        "alipay.user.certify.open.certify",
        &biz,
        None,
        clock.timestamp(),
    );
    let expired = open(&url).await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert!(expired.body.contains("CERTIFY_EXPIRED"));
    let query = call_at(&sandbox, OPEN_QUERY, &biz, clock.timestamp()).await;
    assert_eq!(query["passed"], "F");
}

#[tokio::test]
async fn a_choice_is_fixed_once_and_needs_the_current_page_token() {
    let sandbox = sandbox().await;
    let init = call_method(&sandbox, OPEN_INIT, &open_init("R1", "https://m.example/")).await;
    let biz = json!({ "certify_id": init["certify_id"] }).to_string();
    let url = page_url(
        &sandbox,
        "alipay.user.certify.open.certify",
        &biz,
        None,
        Timestamp::now(),
    );
    let (id, first_token) = form_of(&open(&url).await);
    // Opening the page again issues a new token; the old page's is void.
    let (_, token) = form_of(&open(&url).await);
    assert_ne!(first_token, token);
    let stale = choose(&sandbox, &id, &first_token, "pass").await;
    assert_eq!(stale.status, 403, "{}", stale.body);
    let forged = choose(&sandbox, &id, &"f".repeat(32), "pass").await;
    assert_eq!(forged.status, 403);
    let still = call_method(&sandbox, OPEN_QUERY, &biz).await;
    assert_eq!(still["passed"], "F");

    let bad_choice = choose(&sandbox, &id, &token, "maybe").await;
    assert_eq!(bad_choice.status, 400);
    let passed = choose(&sandbox, &id, &token, "pass").await;
    assert_eq!(passed.status, 303);
    let again = choose(&sandbox, &id, &token, "fail").await;
    assert_eq!(again.status, 409, "{}", again.body);
    let reopened = open(&url).await;
    assert_eq!(reopened.status, 409);
    let query = call_method(&sandbox, OPEN_QUERY, &biz).await;
    assert_eq!(query["passed"], "T", "{query}");
}
