//! The certify page a browser meets: opened from a signed page URL
//! (`zhima.customer.certification.certify`, `alipay.user.certify.open.certify`) or from
//! the face `certify_url`; the person's choice (pass / fail) is posted back with the
//! page's token, fixes the verdict and sends the browser to the `return_url`.

use std::sync::Arc;

use alipay_api::alipay_user_certify_open_certify::AlipayUserCertifyOpenCertifyRequest as OpenCertify;
use alipay_api::zhima_customer_certification_certify::ZhimaCustomerCertificationCertifyRequest as ZhimaCertify;
use alipay_protocol::{Mask, Masked};
use axum::body::Body;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::Response;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::admit::Admitted;
use crate::flow::{self, Family, INVALID_PARAMETER, Record, Verdict};
use crate::gateway::{Gateway, NodeBody, Reply};

/// Where the page posts the person's choice.
pub(crate) const CHOOSE_PATH: &str = "/certify/choose";

/// The longest zhima `return_url` (the doc's common-parameter table: 256).
const ZHIMA_RETURN_URL_MAX: usize = 256;

/// The page's only styling, inline: the page loads nothing from anywhere.
const CSS: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}\
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;\
box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:1.3rem}dt{color:#667;font-size:.85rem}\
dd{margin:0 0 .8rem;font-family:ui-monospace,monospace}.buttons{display:flex;gap:1rem}\
button{flex:1;padding:.7rem;font-size:1rem;border:0;border-radius:6px;color:#fff;cursor:pointer}\
.pass{background:#1677ff}.fail{background:#d4380d}.error h1{color:#d4380d}\
p.note{color:#667;font-size:.8rem}";

/// The headers of every page: nothing may load, nothing leaks the URL (it carries a
/// signature or a ticket) to the merchant's page through `Referer`.
const PAGE_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'",
    ),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
];

fn layout(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { main { (body) } }
        }
    }
    .into_string()
}

fn html_reply(status: u16, body: String) -> Reply {
    Reply {
        status,
        content_type: "text/html;charset=utf-8".into(),
        body: body.into_bytes(),
        delay: None,
        headers: PAGE_HEADERS,
    }
}

/// An error page: what is wrong, escaped. Nothing was recorded.
fn error_page(status: u16, code: &str, what: &str) -> Reply {
    let body = html! {
        div.error {
            h1 { "认证无法进行 · Cannot certify" }
            p { strong #code { (code) } }
            p #reason { (what) }
            p.note { "Alipay sandbox: nothing was recorded." }
        }
    };
    html_reply(status, layout("认证无法进行", body))
}

/// The error page of a request refused by the common checks (signature, timestamp, …).
pub(crate) fn refused(node: &NodeBody) -> Reply {
    let code = node.sub_code.as_deref().unwrap_or(node.code);
    let what = node.sub_msg.as_deref().unwrap_or(node.msg);
    error_page(400, code, what)
}

fn into_response(reply: Reply) -> Response {
    let mut builder = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type);
    for (name, value) in reply.headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(reply.body)).unwrap_or_default()
}

/// Why a certification's page cannot be used now, or `None` when it can.
fn unusable(gateway: &Gateway, record: &Record) -> Option<Reply> {
    if record.verdict.is_some() {
        return Some(error_page(
            409,
            "CERTIFY_FINISHED",
            "这次认证已经完成，结果已确定，请回到商户页面查询 (this certification is already finished)",
        ));
    }
    if gateway.flows.expired(record, gateway.clock.now()) {
        return Some(error_page(
            410,
            "CERTIFY_EXPIRED",
            "这次认证已过期，请商户重新初始化 (this certification has expired)",
        ));
    }
    None
}

fn unknown(field: &str) -> Reply {
    error_page(
        404,
        INVALID_PARAMETER,
        &format!("{field}不存在：不是本应用初始化得到的，或已被沙箱清理 (unknown {field})"),
    )
}

/// Serves the certify page of an admitted (signed, fresh) page-method URL.
pub(crate) fn open(gateway: &Gateway, admitted: &Admitted<'_>) -> Reply {
    let (family, id, zhima_return) = match admitted.method.as_str() {
        crate::zhima::CERTIFY => {
            let request: ZhimaCertify = match flow::parse(&admitted.biz_content, INVALID_PARAMETER)
            {
                Ok(r) => r,
                Err(node) => return refused(&node),
            };
            // A common parameter of this method, signed with the rest.
            let Some(url) = admitted.param("return_url") else {
                return error_page(400, "isv.missing-return-url", "缺少公共参数return_url");
            };
            if let Err(why) = flow::check_return_url(url) {
                return error_page(400, "isv.invalid-return-url", &format!("return_url {why}"));
            }
            if url.chars().count() > ZHIMA_RETURN_URL_MAX {
                return error_page(
                    400,
                    "isv.invalid-return-url",
                    &format!("return_url is longer than {ZHIMA_RETURN_URL_MAX} characters"),
                );
            }
            (Family::Zhima, request.biz_no().to_owned(), Some(url))
        }
        _ => {
            let request: OpenCertify = match flow::parse(&admitted.biz_content, INVALID_PARAMETER) {
                Ok(r) => r,
                Err(node) => return refused(&node),
            };
            (Family::OpenCertify, request.certify_id().to_owned(), None)
        }
    };
    let id_field = if family == Family::Zhima {
        "biz_no"
    } else {
        "certify_id"
    };
    let mut ledger = gateway.flows.lock();
    let Some(record) = ledger
        .get_mut(&id)
        .filter(|r| r.family == family && r.app_id == admitted.app_id)
    else {
        return unknown(id_field);
    };
    if let Some(reply) = unusable(gateway, record) {
        return reply;
    }
    let Some(token) = flow::random_token() else {
        return error_page(500, "isp.unknow-error", "系统繁忙");
    };
    if let Some(url) = zhima_return {
        record.return_url = Some(url.to_owned());
    }
    record.page_token = Some(token.clone());
    html_reply(200, certify_page(&admitted.method, record, &id, &token))
}

#[derive(Deserialize)]
pub(crate) struct FaceParams {
    certify_id: String,
    ticket: String,
}

/// The face page of a `certify_url` answered by `face.certify.verify`.
pub(crate) async fn face_page(
    State(gateway): State<Arc<Gateway>>,
    params: Result<Query<FaceParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return into_response(error_page(
            400,
            INVALID_PARAMETER,
            "certify_url must carry certify_id and ticket",
        ));
    };
    let reply = {
        let mut ledger = gateway.flows.lock();
        match ledger
            .get_mut(&params.certify_id)
            .filter(|r| r.family == Family::Face)
        {
            None => unknown("certify_id"),
            Some(record) if !same_secret(record.ticket.as_deref(), &params.ticket) => error_page(
                403,
                "INVALID_TICKET",
                "certify_url的ticket不正确：请使用face.certify.verify返回的地址 (the ticket does not match)",
            ),
            Some(record) => match (unusable(&gateway, record), flow::random_token()) {
                (Some(reply), _) => reply,
                (None, None) => error_page(500, "isp.unknow-error", "系统繁忙"),
                (None, Some(token)) => {
                    record.page_token = Some(token.clone());
                    html_reply(
                        200,
                        certify_page(crate::face::VERIFY, record, &params.certify_id, &token),
                    )
                }
            },
        }
    };
    into_response(reply)
}

/// Constant-time comparison of a presented token with the one on record.
fn same_secret(expected: Option<&str>, presented: &str) -> bool {
    expected.is_some_and(|e| {
        aws_lc_rs::constant_time::verify_slices_are_equal(e.as_bytes(), presented.as_bytes())
            .is_ok()
    })
}

fn certify_page(method: &str, record: &Record, id: &str, token: &str) -> String {
    let body = html! {
        h1 { "身份认证 · Identity check" }
        dl {
            dt { "method" } dd #method { (method) }
            dt { "app_id" } dd #app-id { (record.app_id) }
            dt { "姓名 · name" } dd #cert-name { (Masked(&record.cert_name, Mask::Name)) }
            dt { "证件号 · ID number" } dd #cert-no { (Masked(&record.cert_no, Mask::IdNumber)) }
        }
        form method="post" action=(CHOOSE_PATH) {
            input type="hidden" name="id" value=(id);
            input type="hidden" name="token" value=(token);
            div.buttons {
                button.pass #pass type="submit" name="choice" value="pass" { "通过 · Pass" }
                button.fail #fail type="submit" name="choice" value="fail" { "不通过 · Fail" }
            }
        }
        p.note { "Alipay sandbox: no face is scanned; the choice decides the result." }
    };
    layout("身份认证", body)
}

#[derive(Deserialize)]
pub(crate) struct Choice {
    id: String,
    token: String,
    choice: String,
}

/// The person's choice: fixes the verdict, then sends the browser to the `return_url`.
pub(crate) async fn choose(
    State(gateway): State<Arc<Gateway>>,
    form: Result<Form<Choice>, FormRejection>,
) -> Response {
    let Ok(Form(choice)) = form else {
        return into_response(error_page(
            400,
            INVALID_PARAMETER,
            "the form must carry id, token and choice",
        ));
    };
    let passed = match choice.choice.as_str() {
        "pass" => true,
        "fail" => false,
        _ => {
            return into_response(error_page(
                400,
                INVALID_PARAMETER,
                "choice must be pass or fail",
            ));
        }
    };
    let target = {
        let mut ledger = gateway.flows.lock();
        let Some(record) = ledger.get_mut(&choice.id) else {
            return into_response(unknown("id"));
        };
        if let Some(reply) = unusable(&gateway, record) {
            return into_response(reply);
        }
        if !same_secret(record.page_token.as_deref(), &choice.token) {
            return into_response(error_page(
                403,
                "INVALID_PAGE_TOKEN",
                "页面令牌不正确：请从认证页面选择 (the page token does not match; open the certify page again)",
            ));
        }
        let reason = if passed {
            "认证通过"
        } else {
            flow::FAILED_ON_PAGE
        };
        let verdict = Verdict {
            passed,
            reason: reason.to_owned(),
        };
        record.verdict = Some(verdict.clone());
        record.page_token = None;
        return_target(record, &choice.id, &verdict)
    };
    match target {
        Some(url) => Response::builder()
            .status(303)
            .header(header::LOCATION, url)
            .header("referrer-policy", "no-referrer")
            .body(Body::empty())
            .unwrap_or_default(),
        // Every family keeps a checked return_url before its page can be opened.
        None => into_response(error_page(
            200,
            "CERTIFY_FINISHED",
            "认证已完成，没有return_url可以返回",
        )),
    }
}

/// The `return_url` with what the browser brings back: for zhima `biz_no`, `passed`
/// and (when not passed) `failed_reason`, as the doc describes; nothing for the others,
/// whose docs name no parameters.
fn return_target(record: &Record, id: &str, verdict: &Verdict) -> Option<String> {
    let url = record.return_url.as_deref()?;
    if record.family != Family::Zhima {
        return Some(url.to_owned());
    }
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    out.push(if base.contains('?') { '&' } else { '?' });
    {
        let mut query = form_urlencoded::Serializer::for_suffix(&mut out, base.len() + 1);
        query.append_pair("biz_no", id);
        query.append_pair("passed", if verdict.passed { "true" } else { "false" });
        if !verdict.passed {
            query.append_pair("failed_reason", &verdict.reason);
        }
        query.finish();
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}
