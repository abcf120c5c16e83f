//! Page and app calls: signed URLs, self-submitting forms and order strings, built by
//! the client without sending anything.

use super::*;
use alipay_transport::PageOptions;
use alipay_transport::protocol::envelope::verify_base64;
use alipay_transport::protocol::{AlipayPublicKey, Charset, SignType, sign_content};
use support::{APP_PUBLIC_PEM, TestAppMethod};

const GATEWAY: &str = "https://openapi.alipay.com/gateway.do";

fn fixed_client() -> AlipayClient {
    builder(GATEWAY)
        .clock(|| UNIX_EPOCH + Duration::from_secs(1_736_908_200))
        .build()
        .unwrap()
}

fn page() -> TestPageMethod {
    TestPageMethod {
        biz_no: "ZM201611253000000121200404215172".into(),
    }
}

/// Decodes a query and checks its signature with the app public key, as the gateway does.
fn verified_params(query: &str) -> Vec<(String, String)> {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let sign = &params.iter().find(|(k, _)| k == "sign").unwrap().1;
    let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let key = AlipayPublicKey::parse(APP_PUBLIC_PEM).unwrap();
    assert_eq!(
        verify_base64(&key, SignType::Rsa2, Charset::Utf8, &content, sign),
        Ok(true),
        "signature over {content}"
    );
    params
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn page_url_is_signed_sorted_and_deterministic_with_options() {
    let c = fixed_client();
    let options = PageOptions::new()
        .return_url("https://merchant.example/back?x=1&y=2")
        .notify_url("https://merchant.example/notify")
        .app_auth_token("isv-token");
    let url = c.page_url_with(&page(), &options).unwrap();
    assert_eq!(
        url,
        c.page_url_with(&page(), &options).unwrap(),
        "fixed clock"
    );
    let query = url.strip_prefix(&format!("{GATEWAY}?")).unwrap();
    let params = verified_params(query);
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        param(&params, "method"),
        Some("zhima.customer.certification.certify")
    );
    assert_eq!(
        param(&params, "return_url"),
        Some("https://merchant.example/back?x=1&y=2")
    );
    assert_eq!(
        param(&params, "notify_url"),
        Some("https://merchant.example/notify")
    );
    assert_eq!(param(&params, "app_auth_token"), Some("isv-token"));
    assert_eq!(param(&params, "timestamp"), Some("2025-01-15 10:30:00"));
    assert_eq!(
        param(&params, "biz_content"),
        Some(r#"{"biz_no":"ZM201611253000000121200404215172"}"#)
    );
    // Without options: none of them.
    let plain = c.page_url(&page()).unwrap();
    assert!(!plain.contains("return_url") && !plain.contains("app_auth_token"));
}

#[test]
fn page_form_posts_body_params_with_the_signed_query_in_the_action() {
    let c = fixed_client();
    let options = PageOptions::new().return_url("https://m.example/\"><script>alert(1)</script>");
    let form = c.page_form_with(&page(), &options).unwrap();
    assert_eq!(form, c.page_form_with(&page(), &options).unwrap());
    assert!(!form.contains("<script>alert"), "{form}");
    let action = form
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let query = action.strip_prefix(&format!("{GATEWAY}?")).unwrap();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert!(
        param(&params, "biz_content").is_none(),
        "biz_content is posted, not in the URL"
    );
    let hidden = form
        .lines()
        .find(|l| l.contains("name=\"biz_content\""))
        .unwrap();
    let value = hidden
        .split("value=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches("\">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    params.push(("biz_content".into(), value));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let params = verified_params(&query);
    assert_eq!(
        param(&params, "return_url"),
        Some("https://m.example/\"><script>alert(1)</script>")
    );
}

#[test]
fn app_order_string_carries_notify_url_and_verifies() {
    let c = fixed_client();
    let order = TestAppMethod {
        out_trade_no: "70501111111S001111119".into(),
        total_amount: "9.00".into(),
        subject: "大乐透 & more".into(),
    };
    let s = c
        .app_order_string_with(
            &order,
            &PageOptions::new().notify_url("https://merchant.example/notify"),
        )
        .unwrap();
    assert!(!s.contains(GATEWAY) && !s.starts_with('?'));
    let params = verified_params(&s);
    assert_eq!(param(&params, "method"), Some("alipay.trade.app.pay"));
    assert_eq!(
        param(&params, "notify_url"),
        Some("https://merchant.example/notify")
    );
    assert!(
        param(&params, "biz_content")
            .unwrap()
            .contains("大乐透 & more")
    );
}

#[test]
fn page_calls_validate_first() {
    let c = fixed_client();
    let err = c
        .page_url(&TestPageMethod {
            biz_no: String::new(),
        })
        .unwrap_err();
    let Error::InvalidRequest(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.field(), "biz_no");
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_builds_the_same_pages() {
    let c = fixed_client();
    let blocking = alipay_transport::blocking::AlipayClient::builder()
        .app_id("2021000000000001")
        .app_private_key(APP_PRIVATE_PEM)
        .alipay_trust(AlipayTrust::public_key(ALIPAY_PUBLIC_PEM))
        .gateway(Gateway::Custom(GATEWAY.into()))
        .clock(|| UNIX_EPOCH + Duration::from_secs(1_736_908_200))
        .build()
        .unwrap();
    assert_eq!(
        blocking.page_url(&page()).unwrap(),
        c.page_url(&page()).unwrap()
    );
    assert_eq!(
        blocking.page_form(&page()).unwrap(),
        c.page_form(&page()).unwrap()
    );
}
