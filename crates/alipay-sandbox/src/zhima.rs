//! `zhima.customer.certification.{initialize, certify, query}` (see the README): a
//! `biz_no` from initialize, the certify page, and the verdict the page fixed.

use alipay_api::zhima_customer_certification_initialize::{
    BizCode, CertType, IdentityType, ZhimaCustomerCertificationInitializeRequest as Initialize,
};
use alipay_api::zhima_customer_certification_query::ZhimaCustomerCertificationQueryRequest as Query;

use crate::flow::{self, Family, INVALID_PARAMETER, Record, Status};
use crate::gateway::{Gateway, MethodCall, NodeBody};

pub(crate) const INITIALIZE: &str = "zhima.customer.certification.initialize";
pub(crate) const CERTIFY: &str = "zhima.customer.certification.certify";
pub(crate) const QUERY: &str = "zhima.customer.certification.query";

/// `ZM` + 30 upper-case hex digits, like the doc's `ZM2016120130000003939...`; derived
/// from app and `transaction_id` so a repeat finds the same certification.
pub(crate) fn biz_no(app_id: &str, transaction_id: &str) -> String {
    let hex = flow::derived_id(INITIALIZE, app_id, transaction_id);
    format!("ZM{}", &hex[..30]).to_uppercase()
}

pub(crate) fn initialize(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Initialize = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    if request.product_code() != gateway.product_code {
        return flow::invalid(
            "product_code",
            "产品码与商户签约的产品不一致，请确定产品码正确且合约已经生效",
        );
    }
    if matches!(request.biz_code(), BizCode::Other(_)) {
        return flow::invalid("biz_code", "沙箱支持的认证场景码: FACE");
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
    if let Some(photo) = request.face_contrast_picture()
        && !crate::certify::is_jpeg_base64(photo)
    {
        return flow::invalid("face_contrast_picture", "不是base64编码的JPEG图片");
    }
    let id = biz_no(call.app_id, request.transaction_id());
    let now = gateway.clock.now();
    flow::start(
        gateway,
        id,
        || Record {
            family: Family::Zhima,
            app_id: call.app_id.to_owned(),
            cert_name: identity.cert_name().to_owned(),
            cert_no: identity.cert_no().to_owned(),
            // The page URL brings it (a common parameter of `certify`).
            return_url: None,
            created: now,
            verdict: None,
            page_token: None,
            ticket: None,
        },
        "biz_no",
    )
}

pub(crate) fn query(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Query = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    let ledger = gateway.flows.lock();
    let Some(record) = flow::find(&ledger, Family::Zhima, call.app_id, request.biz_no()) else {
        return flow::unknown_id("biz_no");
    };
    // identity_info / attribute_info: "一般的认证场景返回为空", so they are left out.
    let (passed, reason) = match gateway.flows.status(record, gateway.clock.now()) {
        Status::Decided(v) => (v.passed, (!v.passed).then_some(v.reason)),
        Status::Pending => (false, Some(flow::NOT_YET_CERTIFIED.to_owned())),
        Status::Expired => (false, Some(flow::EXPIRED_UNCERTIFIED.to_owned())),
    };
    let mut fields = vec![("passed", passed.to_string())];
    if let Some(reason) = reason {
        fields.push(("failed_reason", reason));
    }
    NodeBody::success(fields)
}
