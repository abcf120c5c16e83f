//! `cargo xtask import-doc` on real pages (`api-specs/docs/`) and on hand-written pages
//! of other families (`tests/pages/`, see its README): every page imports, and the facts
//! the pages state come out as the spec format says (`api-specs/README.md`).

mod common;

use common::*;

const SHARED: [&str; 11] = [
    "alipay.user.certify.open.certify",
    "alipay.user.certify.open.initialize",
    "alipay.user.certify.open.query",
    "datadigital.fincloud.generalsaas.face.certify.initialize",
    "datadigital.fincloud.generalsaas.face.certify.query",
    "datadigital.fincloud.generalsaas.face.certify.verify",
    "datadigital.fincloud.generalsaas.face.source.certify",
    "zhima.customer.certification.certify",
    "zhima.customer.certification.initialize",
    "zhima.customer.certification.material.certify",
    "zhima.customer.certification.query",
];

fn every_page_in(dir: &str) -> usize {
    let pages = pages(&root().join(dir));
    for path in &pages {
        let text = import_text(path);
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: not TOML: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(str_of(&table, "method"), Some(stem), "{}", path.display());
    }
    pages.len()
}

#[test]
fn every_shared_page_imports() {
    for m in SHARED {
        assert!(
            root().join(format!("api-specs/docs/{m}.txt")).exists(),
            "{m} is missing from api-specs/docs"
        );
    }
    assert!(every_page_in("api-specs/docs") >= SHARED.len());
}

#[test]
fn every_hand_written_page_of_other_families_imports() {
    assert!(every_page_in("xtask/tests/pages") >= 4);
}

#[test]
fn an_empty_max_length_cell_is_no_limit_and_the_description_stays_a_description() {
    let (_, t) = import("datadigital.fincloud.generalsaas.face.certify.query");
    let f = field(&t, "request", "certify_id");
    assert!(!f.contains_key("max_length"), "{f:?}");
    assert_eq!(
        str_of(f, "description"),
        Some(
            "本次申请操作的唯一标识,通过datadigital.fincloud.generalsaas.face.certify.initialize接口同步响应获取。"
        )
    );
    assert_eq!(str_of(f, "example"), Some("03cdsfsss20048373"));
    // The same field with the cell filled in.
    let (_, t) = import("alipay.user.certify.open.query");
    assert_eq!(
        field(&t, "request", "certify_id")["max_length"].as_integer(),
        Some(32)
    );
    // An object row has no length on the page.
    let (_, t) = import("alipay.user.certify.open.initialize");
    assert!(!field(&t, "request", "identity_param").contains_key("max_length"));
}

#[test]
fn an_empty_example_cell_is_no_example() {
    let (_, t) = import("zhima.customer.certification.query");
    let f = field(&t, "response", "failed_reason");
    assert!(!f.contains_key("example"));
    assert_eq!(str_of(f, "description"), Some("认证不通过的原因"));
}

#[test]
fn an_empty_required_cell_is_unstated_optional_and_flagged() {
    let (text, t) = import("zhima.customer.certification.query");
    let f = field(&t, "request", "biz_no");
    assert_eq!(f["required"].as_bool(), Some(false));
    assert_eq!(f["required_unstated"].as_bool(), Some(true));
    assert_eq!(f["max_length"].as_integer(), Some(32));
    let b = block(&text, "[[request.field]]", "biz_no");
    assert!(
        b.contains(
            "# REVIEW: the page's required cell is empty; chose required = false\nrequired = false"
        ),
        "{b}"
    );
    // A stated cell is not flagged and has no required_unstated key.
    let (text, t) = import("zhima.customer.certification.material.certify");
    assert!(!field(&t, "request", "transaction_id").contains_key("required_unstated"));
    assert!(!block(&text, "[[request.field]]", "transaction_id").contains("required cell"));
}

#[test]
fn required_words() {
    let req = |m: &str, s: &str, n: &str| {
        let (_, t) = import(m);
        field(&t, s, n)["required"].as_bool().unwrap()
    };
    assert!(req(
        "alipay.user.certify.open.query",
        "request",
        "certify_id"
    )); // 必选
    assert!(req("alipay.user.certify.open.query", "response", "passed")); // 必填
    assert!(!req(
        "alipay.user.certify.open.query",
        "response",
        "fail_reason"
    )); // 可选
    assert!(!req("alipay.system.oauth.token", "response", "open_id")); // 选填
    assert!(req("alipay.system.oauth.token", "response", "user_id"));
    // 特殊可选: optional, the condition stays in the description, and it is flagged.
    let (text, t) = import("alipay.trade.query");
    let f = field(&t, "request", "trade_no");
    assert_eq!(f["required"].as_bool(), Some(false));
    assert!(!f.contains_key("required_unstated"));
    assert!(
        str_of(f, "description")
            .unwrap()
            .contains("和商户订单号不能同时为空")
    );
    assert!(block(&text, "[[request.field]]", "trade_no").contains("# REVIEW: 特殊可选"));
}

#[test]
fn nested_rows_become_objects() {
    let (_, t) = import("alipay.user.certify.open.initialize");
    let f = field(&t, "request", "identity_param");
    assert_eq!(str_of(f, "type"), Some("OpenCertifyIdentityParam"));
    assert_eq!(f["required"].as_bool(), Some(true));
    let o = object(&t, "OpenCertifyIdentityParam");
    assert_eq!(str_of(o, "description"), Some("需要验证的身份信息"));
    assert_eq!(
        names(&array(o, "field")),
        ["identity_type", "cert_type", "cert_name", "cert_no"]
    );
    let it = object_field(&t, "OpenCertifyIdentityParam", "identity_type");
    assert_eq!(
        (it["required"].as_bool(), it["max_length"].as_integer()),
        (Some(true), Some(30))
    );
    // A nested return_url is a field of the object, not a call option.
    assert_eq!(
        names(&array(object(&t, "OpenCertifyMerchantConfig"), "field")),
        ["face_reserve_strategy", "return_url"]
    );
    // The child rows are not top-level fields too.
    assert_eq!(
        names(&fields(&t, "request")),
        [
            "outer_order_no",
            "biz_code",
            "identity_param",
            "merchant_config",
            "face_contrast_picture"
        ]
    );
}

#[test]
fn nested_rows_two_levels_deep() {
    let (_, t) = import("alipay.fund.trans.uni.transfer");
    assert_eq!(
        str_of(field(&t, "request", "payee_info"), "type"),
        Some("Participant")
    );
    assert_eq!(
        names(&array(object(&t, "Participant"), "field")),
        ["identity", "identity_type", "name", "bankcard_ext_info"]
    );
    let b = object_field(&t, "Participant", "bankcard_ext_info");
    assert_eq!(str_of(b, "type"), Some("BankcardExtInfo"));
    assert_eq!(
        names(&array(object(&t, "BankcardExtInfo"), "field")),
        [
            "inst_name",
            "account_type",
            "inst_province",
            "inst_city",
            "inst_branch_name",
            "bank_code"
        ]
    );
    assert_eq!(
        object_field(&t, "BankcardExtInfo", "inst_name")["required"].as_bool(),
        Some(true)
    );
    // After the └ └ rows, a top-level row again.
    assert_eq!(
        names(&fields(&t, "request")).last().unwrap(),
        "business_params"
    );

    let (_, t) = import("alipay.trade.page.pay");
    assert_eq!(
        names(&array(object(&t, "InvoiceInfo"), "field")),
        ["key_info", "details"]
    );
    assert_eq!(
        str_of(object_field(&t, "InvoiceInfo", "key_info"), "type"),
        Some("InvoiceKeyInfo")
    );
    let s = object_field(&t, "InvoiceKeyInfo", "is_support_invoice");
    assert_eq!(str_of(s, "type"), Some("bool"));
    // Parents come before their children.
    let order = names(&array(&t, "object"));
    assert_eq!(
        order,
        [
            "GoodsDetail",
            "ExtendParams",
            "InvoiceInfo",
            "InvoiceKeyInfo"
        ]
    );
}

#[test]
fn carried_follows_the_examples_and_description() {
    // The Java request example shows "identity_param":{ : a JSON object.
    let (_, t) = import("alipay.user.certify.open.initialize");
    assert_eq!(
        str_of(field(&t, "request", "identity_param"), "carried"),
        Some("object")
    );
    // The response example shows "fund_bill_list": [ {...} ].
    let (_, t) = import("alipay.trade.query");
    let f = field(&t, "response", "fund_bill_list");
    assert_eq!(str_of(f, "type"), Some("TradeFundBill[]"));
    assert_eq!(str_of(f, "carried"), Some("object"));
    // "json格式" in the description against a bare array in the example: unsure.
    let (text, t) = import("alipay.trade.page.pay");
    assert_eq!(
        str_of(field(&t, "request", "goods_detail"), "carried"),
        Some("json_string")
    );
    assert!(
        block(&text, "[[request.field]]", "goods_detail")
            .contains("# REVIEW: the description or an example says JSON text")
    );
    // Scalars get no carried key.
    assert!(!field(&t, "request", "business_params").contains_key("carried"));
}

#[test]
fn types_seen_on_real_pages() {
    let ty = |m: &str, s: &str, n: &str| {
        let (_, t) = import(m);
        str_of(field(&t, s, n), "type").unwrap().to_owned()
    };
    assert_eq!(
        ty("alipay.trade.page.pay", "request", "total_amount"),
        "price"
    );
    assert_eq!(
        ty("alipay.trade.page.pay", "request", "time_expire"),
        "date"
    );
    assert_eq!(
        ty("alipay.trade.page.pay", "request", "qrcode_width"),
        "number"
    );
    assert_eq!(
        ty("alipay.trade.page.pay", "request", "goods_detail"),
        "GoodsDetail[]"
    );
    assert_eq!(
        ty("alipay.system.oauth.token", "response", "re_expires_in"),
        "integer"
    );
    assert_eq!(
        ty("alipay.trade.query", "request", "query_options"),
        "string[]"
    );
    assert_eq!(
        ty(
            "datadigital.fincloud.generalsaas.face.source.certify",
            "request",
            "reserved"
        ),
        "bool"
    );
    let (_, t) = import("alipay.trade.page.pay");
    let e = field(&t, "request", "time_expire");
    assert_eq!(str_of(e, "example"), Some("2016-12-31 10:05:01"));
}

#[test]
fn the_multipart_upload_page_has_form_parameters_an_unlimited_file_and_encryption() {
    let (text, t) = import("datadigital.fincloud.generalsaas.face.source.certify");
    assert_eq!(str_of(&t, "parameters"), Some("form"));
    assert_eq!(str_of(&t, "encryption"), Some("required"));
    assert_eq!(str_of(&t, "call_style"), Some("server"));
    let f = field(&t, "request", "file_content");
    assert_eq!(str_of(f, "type"), Some("file"));
    // "大小限制1M" is in the description, not in the length cell: no limit is invented.
    assert!(!f.contains_key("max_length"));
    assert_eq!(str_of(f, "description"), Some("二进制流图片,大小限制1M"));
    assert!(block(&text, "[[request.field]]", "file_content").contains("max_length is in bytes"));
    assert_eq!(names(&fields(&t, "request")).len(), 11);
    // A biz_content page.
    let (_, t) = import("zhima.customer.certification.initialize");
    assert_eq!(str_of(&t, "parameters"), Some("biz_content"));
    assert!(!t.contains_key("encryption"));
}

#[test]
fn top_level_parameters_without_words_for_it_are_flagged() {
    let (text, t) = import("alipay.system.oauth.token");
    assert_eq!(str_of(&t, "parameters"), Some("form"));
    assert!(
        text.contains("the prose does not confirm it\nparameters = \"form\""),
        "{text}"
    );
}

#[test]
fn call_styles() {
    let style = |m: &str| str_of(&import(m).1, "call_style").unwrap().to_owned();
    assert_eq!(
        style("zhima.customer.certification.certify"),
        "page_redirect"
    );
    assert_eq!(style("alipay.user.certify.open.certify"), "page_redirect");
    assert_eq!(style("alipay.trade.page.pay"), "page_redirect");
    assert_eq!(style("alipay.trade.app.pay"), "app_order");
    // verify returns a URL in its answer but is called with execute.
    assert_eq!(
        style("datadigital.fincloud.generalsaas.face.certify.verify"),
        "server"
    );
    assert_eq!(
        style("zhima.customer.certification.material.certify"),
        "server"
    );
}

#[test]
fn return_and_notify_urls_of_page_methods_are_call_options() {
    let page = "a.b.page(T)\n\n页面跳转接口,pageExecute\n\n公共参数\n\n公共请求参数\n\n参数 类型\nbiz_content String 集合\n\n请求参数\n\n参数 类型 是否必填 最大长度 描述 示例值\nx String 必选 8 说明 1\nreturn_url String 可选 256 回跳地址 https://a\nnotify_url String 可选 256 通知地址 https://b\n\n响应参数\n\n参数 类型 是否必填 最大长度 描述 示例值\n";
    let text = xtask::import_doc::import(page, "t").unwrap();
    let t: toml::Table = text.parse().unwrap();
    assert_eq!(names(&fields(&t, "request")), ["x"]);
    assert!(
        text.contains("line 16: `return_url` is a call option of this page_redirect method"),
        "{text}"
    );
    assert!(
        text.contains("line 17: `notify_url` is a call option"),
        "{text}"
    );
    // A server method keeps them as fields.
    let server = page.replace("页面跳转接口,pageExecute", "普通接口");
    let t: toml::Table = xtask::import_doc::import(&server, "t")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        names(&fields(&t, "request")),
        ["x", "return_url", "notify_url"]
    );
}

#[test]
fn an_empty_response_table_is_no_response_fields() {
    let (_, t) = import("alipay.user.certify.open.certify");
    assert!(fields(&t, "response").is_empty());
    assert_eq!(names(&fields(&t, "request")), ["certify_id"]);
}

#[test]
fn business_error_codes() {
    let (text, t) = import("zhima.customer.certification.material.certify");
    let codes = array(&t, "error_code");
    let listed: Vec<_> = codes.iter().map(|c| str_of(c, "code").unwrap()).collect();
    assert_eq!(
        listed,
        [
            "SYSTEM_ERROR",
            "INVALID_PARAMETER",
            "BIZ_ERROR",
            "ARRANGEMENT_ERROR",
            "TRANSACTION_ERROR",
            "UNSUPPORTED_BIZ_CODE"
        ]
    );
    assert_eq!(str_of(codes[0], "description"), Some("系统繁忙"));
    assert_eq!(str_of(codes[0], "solution"), Some("系统繁忙,请稍后再试"));
    let retryable: Vec<_> = codes
        .iter()
        .map(|c| c["retryable"].as_bool().unwrap())
        .collect();
    assert_eq!(retryable, [true, false, false, false, false, false]);
    // The page footer after the table is noted, not read as a code.
    assert!(text.contains("# REVIEW: line 102: `onlineServer` after the 业务错误码 table"));

    let (_, t) = import("alipay.trade.page.pay");
    let codes = array(&t, "error_code");
    assert_eq!(str_of(codes[0], "code"), Some("ACQ.SYSTEM_ERROR"));
    assert_eq!(codes[0]["retryable"].as_bool(), Some(true));
    assert_eq!(codes.len(), 5);
    // Lower-case dotted codes are codes too.
    let (_, t) = import("alipay.system.oauth.token");
    assert_eq!(
        str_of(array(&t, "error_code")[0], "code"),
        Some("isv.code-invalid")
    );
    // No table, no codes.
    let (_, t) = import("zhima.customer.certification.query");
    assert!(!t.contains_key("error_code"));
}

#[test]
fn idempotency_keys_come_from_the_uniqueness_wording_and_are_flagged() {
    let (text, t) = import("alipay.user.certify.open.initialize");
    assert_eq!(str_of(&t, "idempotency_key"), Some("outer_order_no"));
    assert!(
        text.contains("`outer_order_no` is described as the merchant's unique request id; confirm")
    );
    let (_, t) = import("zhima.customer.certification.material.certify");
    assert_eq!(str_of(&t, "idempotency_key"), Some("transaction_id"));
    // "唯一标识" without a promise of uniqueness by the merchant: no key.
    assert!(
        !import("alipay.user.certify.open.query")
            .1
            .contains_key("idempotency_key")
    );
    assert!(
        !import("alipay.fund.trans.uni.transfer")
            .1
            .contains_key("idempotency_key")
    );
    // 幂等 alone is enough.
    let page = "a.b.c(T)\n\n请求参数\n\n参数\nno String 必选 32 请求号,用于幂等控制 1\n\n响应参数\n\n参数\n";
    let t: toml::Table = xtask::import_doc::import(page, "t")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(str_of(&t, "idempotency_key"), Some("no"));
}

#[test]
fn page_text_is_escaped_not_pasted() {
    let desc = "说明 \"引号\" \\反斜杠\\ '单引号' ''' \"\"\" \u{7}响铃";
    let page = format!(
        "a.b.c(标题 \"q\")\n\n描述\\n \"\"\"\n\n请求参数\n\n参数\nx String 必选 8 {desc} 1\n\n响应参数\n\n参数\n"
    );
    let text = xtask::import_doc::import(&page, "src \"quoted\"").unwrap();
    let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    // The description cell has spaces, so the split is a guess; what was read survives.
    let f = field(&t, "request", "x");
    assert_eq!(str_of(f, "example"), Some("1"));
    assert_eq!(str_of(f, "description"), Some(desc));
    assert_eq!(str_of(&t, "title"), Some("标题 \"q\""));
    assert_eq!(str_of(&t, "source"), Some("src \"quoted\""));
    assert_eq!(str_of(&t, "description"), Some("描述\\n \"\"\""));
}

fn err(page: &str) -> String {
    xtask::import_doc::import(page, "t").unwrap_err()
}

/// A page with one request row, at line 6.
fn with_row(row: &str) -> String {
    format!(
        "a.b.c(T)\n\n请求参数\n\n参数 类型 是否必填 最大长度 描述 示例值\n{row}\n\n响应参数\n\n参数\n"
    )
}

#[test]
fn unreadable_lines_name_the_line_and_what_was_expected() {
    let cases = [
        (
            "x Strin 必选 32 说明 例",
            "line 6: field `x`: unsupported type `Strin`: an object name must be followed by its `└ ` rows",
        ),
        (
            "x map<a> 必选 32 说明",
            "line 6: field `x`: unsupported type `map<a>`",
        ),
        (
            "x List<List<String>> 必选 说明",
            "line 6: field `x`: unsupported type `List<List<String>>` (an array of arrays)",
        ),
        (
            "x-y String 必选 32 说明",
            "line 6: expected a parameter name",
        ),
        (
            "x String",
            "line 6: expected `name type [required] [max_length] description [example]`, found 2 cell(s)",
        ),
        (
            "x String 必选",
            "line 6: field `x`: expected a description after the required cell",
        ),
        (
            "x String 必选 0 说明",
            "line 6: field `x`: the max length `0` is not a positive integer",
        ),
        (
            "x String 必选 99999999999999999999 说明",
            "line 6: field `x`: the max length `99999999999999999999`",
        ),
        (
            "└ x String 必选 3 说明",
            "line 6: expected a row at depth 0 or less",
        ),
        (
            "x String 必选 3 说明\n└ y String 必选 3 说明",
            "line 7: `└` rows follow field `x` of type `string`, expected an object type",
        ),
        (
            "x Obj 必选 说明\n└ └ y String 必选 3 说明",
            "line 7: expected a row at depth 1 or less",
        ),
        (
            "x String 必选 3 说明\nx String 必选 3 说明",
            "line 7: field `x` appears twice at this level (first on line 6)",
        ),
    ];
    for (row, want) in cases {
        let e = err(&with_row(row));
        assert!(e.starts_with(want), "{row:?}:\n got  {e}\n want {want}");
    }
    assert!(err("not a heading\n").starts_with("line 1: expected `<method>(<title>)`"));
    assert!(err("").starts_with("line 1: the page is empty"));
    let e = err("a.b.c(T)\n\n请求参数\n\nx String 必选 3 说明\n");
    assert!(e.starts_with("line 5: expected the `参数 类型 是否必填 最大长度 描述 示例值` header of the 请求参数 table"), "{e}");
    let e = err("a.b.c(T)\n\n请求参数\n\n参数\n\n");
    assert_eq!(e, "no `响应参数` section found");
    let e = err(&format!(
        "{}\n业务错误码\n\n错误码错误描述解决方案\nA 甲 乙\nA 丙 丁\n",
        with_row("x String 必选 3 说明")
    ));
    assert!(
        e.starts_with("line 16: error code `A` is listed twice"),
        "{e}"
    );
}
