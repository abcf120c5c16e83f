//! `datadigital.fincloud.generalsaas.face.certify.{initialize, verify, query}` (see the
//! README): a `certify_id`, a `certify_url` to the sandbox's own face page, and the
//! verdict (`T`/`F`) the page fixed.

use alipay_api::datadigital_fincloud_generalsaas_face_certify_initialize::{
    BizCode, CertType, DatadigitalFincloudGeneralsaasFaceCertifyInitializeRequest as Initialize,
    IdentityType,
};
use alipay_api::datadigital_fincloud_generalsaas_face_certify_query::DatadigitalFincloudGeneralsaasFaceCertifyQueryRequest as Query;
use alipay_api::datadigital_fincloud_generalsaas_face_certify_verify::DatadigitalFincloudGeneralsaasFaceCertifyVerifyRequest as Verify;

use crate::flow::{self, Family, INVALID_PARAMETER};
use crate::gateway::{Gateway, MethodCall, NodeBody};

pub(crate) const INITIALIZE: &str = "datadigital.fincloud.generalsaas.face.certify.initialize";
pub(crate) const VERIFY: &str = "datadigital.fincloud.generalsaas.face.certify.verify";
pub(crate) const QUERY: &str = "datadigital.fincloud.generalsaas.face.certify.query";

/// The path of the face page a `certify_url` points at.
pub(crate) const FACE_PAGE_PATH: &str = "/certify/face";

pub(crate) fn initialize(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Initialize = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    if matches!(request.biz_code(), BizCode::Other(_)) {
        return flow::invalid("biz_code", "H5人脸核身场景码须为FUTURE_TECH_BIZ_FACE_SDK");
    }
    let identity = request.identity_param();
    if *identity.identity_type() != IdentityType::CertInfo {
        return flow::invalid("identity_param", "identity_type must be CERT_INFO");
    }
    if *identity.cert_type() != CertType::IdentityCard {
        return flow::invalid("identity_param", "cert_type must be IDENTITY_CARD");
    }
    if let Err(node) = flow::check_identity_card(identity.cert_no()) {
        return node;
    }
    flow::start_t_f(
        gateway,
        call,
        flow::NewCertification {
            family: Family::Face,
            method: INITIALIZE,
            outer_order_no: request.outer_order_no(),
            cert_name: identity.cert_name(),
            cert_no: identity.cert_no(),
            return_url: request.merchant_config().return_url(),
            face_contrast_picture: request.face_contrast_picture(),
        },
    )
}

/// Answers the face page's URL. Its `ticket` (random, one per certification, the same
/// for a repeated `verify`) is what lets a browser open the page: the URL is not signed.
pub(crate) fn verify(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Verify = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    let id = request.certify_id();
    let mut ledger = gateway.flows.lock();
    let Some(record) = ledger
        .get_mut(&id.to_owned())
        .filter(|r| r.family == Family::Face && r.app_id == call.app_id)
    else {
        return flow::unknown_id("certify_id");
    };
    if record.verdict.is_some() {
        return flow::invalid("certify_id", "认证已完成，请调用查询接口获取结果");
    }
    if gateway.flows.expired(record, gateway.clock.now()) {
        return flow::invalid("certify_id", "认证已过期，请重新初始化");
    }
    let ticket = match &record.ticket {
        Some(t) => t.clone(),
        None => match flow::random_token() {
            Some(t) => record.ticket.insert(t).clone(),
            None => return NodeBody::error("20000", "isp.unknow-error", "系统繁忙"),
        },
    };
    let mut url = format!("{}{FACE_PAGE_PATH}?", gateway.base_url);
    let start = url.len();
    form_urlencoded::Serializer::for_suffix(&mut url, start)
        .append_pair("certify_id", id)
        .append_pair("ticket", &ticket);
    NodeBody::success(vec![("certify_url", url)])
}

pub(crate) fn query(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Query = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    flow::query_t_f(gateway, Family::Face, call.app_id, request.certify_id())
}
