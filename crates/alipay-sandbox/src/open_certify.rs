//! `alipay.user.certify.open.{initialize, certify, query}` (see the README): a
//! `certify_id` from initialize, the certify page, and the verdict (`T`/`F`) it fixed.

use alipay_api::alipay_user_certify_open_initialize::{
    AlipayUserCertifyOpenInitializeRequest as Initialize, BizCode, CertType, IdentityType,
};
use alipay_api::alipay_user_certify_open_query::AlipayUserCertifyOpenQueryRequest as Query;

use crate::flow::{self, Family, INVALID_PARAMETER};
use crate::gateway::{Gateway, MethodCall, NodeBody};

pub(crate) const INITIALIZE: &str = "alipay.user.certify.open.initialize";
pub(crate) const CERTIFY: &str = "alipay.user.certify.open.certify";
pub(crate) const QUERY: &str = "alipay.user.certify.open.query";

pub(crate) fn initialize(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Initialize = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    if matches!(request.biz_code(), BizCode::Other(_)) {
        return flow::invalid(
            "biz_code",
            "认证场景码须为FACE、CERT_PHOTO、CERT_PHOTO_FACE或SMART_FACE",
        );
    }
    let identity = request.identity_param();
    if matches!(identity.identity_type(), IdentityType::Other(_)) {
        return flow::invalid(
            "identity_param",
            "identity_type must be CERT_INFO or AGENT_CERT_INFO",
        );
    }
    // Both known identity types need all three (the doc: 该字段必填).
    let (Some(cert_type), Some(cert_name), Some(cert_no)) = (
        identity.cert_type(),
        identity.cert_name(),
        identity.cert_no(),
    ) else {
        return flow::invalid(
            "identity_param",
            "cert_type, cert_name and cert_no are required for CERT_INFO and AGENT_CERT_INFO",
        );
    };
    match cert_type {
        CertType::IdentityCard => {
            if let Err(node) = flow::check_identity_card(cert_no) {
                return node;
            }
        }
        // Permit numbers have formats of their own; the sandbox checks resident IDs only.
        CertType::Other(_) => {
            return flow::invalid(
                "identity_param",
                "cert_type is not a known certificate type",
            );
        }
        _ => {}
    }
    flow::start_t_f(
        gateway,
        call,
        flow::NewCertification {
            family: Family::OpenCertify,
            method: INITIALIZE,
            outer_order_no: request.outer_order_no(),
            cert_name,
            cert_no,
            return_url: request.merchant_config().return_url(),
            face_contrast_picture: request.face_contrast_picture(),
        },
    )
}

pub(crate) fn query(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request: Query = match flow::parse(call.biz_content, INVALID_PARAMETER) {
        Ok(r) => r,
        Err(node) => return node,
    };
    flow::query_t_f(
        gateway,
        Family::OpenCertify,
        call.app_id,
        request.certify_id(),
    )
}
