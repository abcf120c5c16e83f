//! Page URLs, self-submitting forms and app order strings against the official SDKs'
//! `page_execute` / `pageExecute` / `sdk_execute` / `sdkExecute` outputs in
//! `tests/data/envelope.json`, and against the Java order a doc page shows.
//!
//! Where the outputs differ from ours by a documented decision (parameter order: sorted,
//! as Java; a space as `+`, as Java and Python, not Node's `%20`) the tests check that
//! this is the only difference: same signature, same decoded parameters, and every
//! encoded `name=value` pair byte-identical (up to that space encoding).

use std::path::PathBuf;

use alipay_protocol::{
    AppPrivateKey, Call, Charset, CommonParams, SignType, SignedRequest, Timestamp,
};
use serde_json::Value;

fn read(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read_to_string(p).unwrap()
}

fn vectors() -> Value {
    serde_json::from_str(&read("envelope.json")).unwrap()
}

fn key() -> AppPrivateKey {
    AppPrivateKey::parse(read("keys/app_private_pkcs8.b64")).unwrap()
}

/// 2025-01-15 10:30:00 in UTC+8, the vectors' fixed clock.
const FIXED: i64 = 1_736_908_200;

fn biz_content(v: &Value) -> String {
    let py = &v["python_alipay_sdk_3_7_1411"]["body_params_in_order"];
    py.as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "biz_content")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned()
}

fn signed(common: &CommonParams, biz: &str) -> SignedRequest {
    let call = Call {
        method: "zhima.customer.certification.material.certify",
        biz_content: Some(biz),
        timestamp: Timestamp::from_unix(FIXED),
        app_auth_token: None,
    };
    SignedRequest::new(common, &call, &key()).unwrap()
}

/// `name=value` segments sorted by name.
fn by_name(query: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = query.split('&').collect();
    segs.sort_by_key(|s| s.split_once('=').map_or(*s, |(k, _)| k));
    segs
}

fn decoded(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    pairs.sort();
    pairs
}

fn assert_sorted_by_name(query: &str) {
    let names: Vec<&str> = query
        .split('&')
        .map(|s| s.split('=').next().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "parameters in name order, sign included");
}

#[test]
fn page_url_and_order_string_match_python_up_to_order() {
    let v = vectors();
    let py = &v["python_alipay_sdk_3_7_1411"]["other_forms"];
    let mut common = CommonParams::new("2021000000000001");
    common.format = "json".into(); // Python's value; ours is JSON
    let signed = signed(&common, &biz_content(&v));

    let theirs = py["page_execute GET"].as_str().unwrap();
    let ours = signed.page_url("https://openapi.alipay.com/gateway.do");
    let (their_base, their_query) = theirs.split_once('?').unwrap();
    let (our_base, our_query) = ours.split_once('?').unwrap();
    assert_eq!(our_base, their_base);
    assert_sorted_by_name(our_query);
    // Byte-identical once Python's insertion order is replaced by ours.
    assert_eq!(our_query, by_name(their_query).join("&"));

    let theirs = py["sdk_execute (app-pay order string)"].as_str().unwrap();
    assert_eq!(signed.order_string(), by_name(theirs).join("&"));
    assert_eq!(signed.order_string(), our_query);
}

#[test]
fn order_string_and_page_url_match_node_up_to_order_and_space_encoding() {
    let v = vectors();
    let node = &v["node_alipay_sdk_4_14_0"]["other_forms"];
    let mut common = CommonParams::new("2021000000000001");
    common.format = String::new(); // Node sends no `format`
    let biz = biz_content(&v);

    let sdk = signed(&common, &biz);
    let theirs = node["sdkExecute"].as_str().unwrap();
    let ours = sdk.order_string();
    assert_eq!(
        decoded(&ours),
        decoded(theirs),
        "same parameters, same sign"
    );
    assert_eq!(ours, by_name(&theirs.replace("%20", "+")).join("&"));

    // Node's pageExecute adds a signed `alipay_sdk`.
    common
        .extra
        .push(("alipay_sdk".into(), "alipay-sdk-nodejs-4.0.0".into()));
    let page = signed(&common, &biz);
    let theirs = node["pageExecute GET"].as_str().unwrap();
    let ours = page.page_url("http://127.0.0.1/gateway.do");
    let (their_base, their_query) = theirs.split_once('?').unwrap();
    let (our_base, our_query) = ours.split_once('?').unwrap();
    assert_eq!(our_base, their_base);
    assert_eq!(decoded(our_query), decoded(their_query));
    assert_eq!(
        our_query,
        by_name(&their_query.replace("%20", "+")).join("&")
    );
}

#[test]
fn page_url_has_the_java_order_a_doc_page_shows() {
    // alipay.user.certify.open.certify's 响应示例 (Java pageExecute GET), sign aside.
    let doc = "https://openapi.alipay.com/gateway.do?app_id=2018120462437271&biz_content=%7B%22certify_id%22%3A%2209916bea6d3a2983db962e76c06fb71b%22%7D&charset=utf-8&format=JSON&method=alipay.user.certify.open.certify&sign=SIGN&sign_type=RSA2&timestamp=2019-11-07+15%3A35%3A33&version=1.0";
    let common = CommonParams::new("2018120462437271");
    let call = Call {
        method: "alipay.user.certify.open.certify",
        biz_content: Some(r#"{"certify_id":"09916bea6d3a2983db962e76c06fb71b"}"#),
        timestamp: Timestamp::from_unix(1_573_112_133),
        app_auth_token: None,
    };
    let signed = SignedRequest::new(&common, &call, &key()).unwrap();
    let ours = signed.page_url("https://openapi.alipay.com/gateway.do");
    let sign: String = form_urlencoded::byte_serialize(signed.sign().as_bytes()).collect();
    assert_eq!(ours, doc.replace("SIGN", &sign));
    // A gateway URL that already has a query gets `&`.
    assert!(
        signed
            .page_url("https://gw.example/g?x=1")
            .starts_with("https://gw.example/g?x=1&app_id=")
    );
}

#[test]
fn page_form_posts_the_body_params_escaped_and_deterministically() {
    let v = vectors();
    let mut common = CommonParams::new("2021000000000001");
    common.return_url = Some("https://m.example.com/back?a=1&b=\"<x>\"".into());
    common.app_auth_token = Some("tok'en".into());
    let biz = biz_content(&v);
    let signed = signed(&common, &biz);
    let form = signed.page_form("https://openapi.alipay.com/gateway.do");
    assert_eq!(
        form,
        self::signed(&common, &biz).page_form("https://openapi.alipay.com/gateway.do")
    );

    let action = signed
        .url("https://openapi.alipay.com/gateway.do")
        .replace('&', "&amp;");
    assert!(
        form.starts_with(&format!(
            "<form name=\"punchout_form\" method=\"post\" action=\"{action}\" accept-charset=\"utf-8\">\n"
        )),
        "{form}"
    );
    let escaped_biz = biz.replace('&', "&amp;").replace('"', "&quot;");
    let fields: Vec<&str> = form
        .lines()
        .filter(|l| l.starts_with("<input type=\"hidden\""))
        .collect();
    assert_eq!(
        fields,
        [
            "<input type=\"hidden\" name=\"app_auth_token\" value=\"tok&#39;en\">".to_owned(),
            format!("<input type=\"hidden\" name=\"biz_content\" value=\"{escaped_biz}\">"),
        ]
    );
    assert!(form.ends_with(
        "<input type=\"submit\" value=\"立即支付\" style=\"display:none\" >\n</form>\n<script>document.forms[0].submit();</script>"
    ));
    // The return_url rides in the action (form-encoded), never raw markup.
    assert!(!form.contains("<x>") && !form.contains("\"<"));
    assert!(
        form.contains("return_url=https%3A%2F%2Fm.example.com%2Fback%3Fa%3D1%26b%3D%22%3Cx%3E%22")
    );
}

#[test]
fn gbk_pages_encode_gbk_bytes() {
    let mut common = CommonParams::new("2021000000000001");
    common.charset = Charset::Gbk;
    common.sign_type = SignType::Rsa2;
    let signed = signed(&common, r#"{"cert_name":"收委"}"#);
    assert!(
        signed.order_string().contains("%CA%D5%CE%AF"),
        "收委 in GBK"
    );
    assert!(
        signed
            .page_form("https://gw/")
            .contains("accept-charset=\"gbk\"")
    );
}
