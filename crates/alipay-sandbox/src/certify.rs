//! Business rules of `zhima.customer.certification.material.certify` (see the README).
//!
//! The request is parsed and validated through the generated type, so the sandbox
//! enforces exactly the rules the client enforces — from the same spec file.

use std::sync::Mutex;

use alipay_api::zhima_customer_certification_material_certify::{
    BizCode, CertType, IdentityType, ZhimaCustomerCertificationMaterialCertifyErrorCode as Code,
    ZhimaCustomerCertificationMaterialCertifyRequest as Request,
};
use alipay_api::{ApiMethod as _, FromJson as _};
use base64::Engine as _;
use sha2::Digest as _;

use crate::flow::Bounded;
use crate::gateway::{Gateway, MethodCall, NodeBody};
use crate::idcard::check_resident_id;

/// The substring of `transaction_id` that makes a certification fail.
pub const NOT_PASSED_MARKER: &str = "NOTPASS";

/// Results by `(app_id, transaction_id)`: a repeated transaction answers the same.
/// Bounded like the flows' ledger: the oldest result is forgotten to make room.
pub(crate) struct Ledger(Mutex<Bounded<(String, String), Outcome>>);

impl Ledger {
    pub(crate) fn new(capacity: usize) -> Ledger {
        Ledger(Mutex::new(Bounded::new(capacity)))
    }
}

#[derive(Clone)]
struct Outcome {
    biz_no: String,
    passed: bool,
    failed_reason: String,
}

fn invalid(field: &str, detail: Option<&str>) -> NodeBody {
    let mut msg = format!("参数[{field}]不是有效的入参");
    if let Some(d) = detail {
        msg.push_str(": ");
        msg.push_str(d);
    }
    // The business codes come from the spec's [[error_code]] table, so the sandbox
    // answers only codes the client documents.
    NodeBody::error("40004", Code::InvalidParameter.as_str(), msg)
}

pub(crate) fn handle(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    let request = match Request::from_json_str(call.biz_content) {
        Ok(r) => r,
        // The document itself (not JSON, not an object): the gateway names biz_content.
        Err(e) if e.path().is_empty() => {
            return invalid("biz_content", Some("不是有效的JSON对象"));
        }
        Err(e) => return invalid(e.top_field(), Some(&e.to_string())),
    };
    if let Err(e) = request.validate() {
        let detail = e.to_string();
        let field = e
            .field()
            .split('.')
            .next()
            .unwrap_or("biz_content")
            .to_owned();
        return invalid(&field, Some(&detail));
    }
    if request.product_code() != gateway.product_code {
        return NodeBody::error(
            "40004",
            Code::ArrangementError.as_str(),
            "合约异常：产品码与商户签约的产品不一致，请确定产品码正确且合约已经生效",
        );
    }
    if *request.biz_code() != BizCode::FaceApi {
        return NodeBody::error(
            "40004",
            Code::UnsupportedBizCode.as_str(),
            "不支持的认证场景，请使用已签约的认证场景(FACE_API)",
        );
    }
    let identity = request.identity_param();
    if *identity.identity_type() != IdentityType::CertInfo {
        return invalid("identity_param", Some("identity_type must be CERT_INFO"));
    }
    if *identity.cert_type() != CertType::IdentityCard {
        return invalid("identity_param", Some("cert_type must be IDENTITY_CARD"));
    }
    if let Err(problem) = check_resident_id(identity.cert_no()) {
        return invalid(
            "identity_param",
            Some(&format!("cert_no {}", problem.describe())),
        );
    }
    let key = (call.app_id.to_owned(), request.transaction_id().to_owned());
    let mut ledger = match gateway.certify.0.lock() {
        Ok(l) => l,
        Err(_) => return NodeBody::error("20000", "isp.unknow-error", "系统繁忙"),
    };
    let outcome = ledger
        .get_or_insert_with(key, || decide(call.app_id, &request))
        .clone();
    NodeBody::success(vec![
        ("biz_no", outcome.biz_no),
        ("passed", outcome.passed.to_string()),
        ("failed_reason", outcome.failed_reason),
    ])
}

fn decide(app_id: &str, request: &Request) -> Outcome {
    let digest = sha2::Sha256::digest(format!("{app_id}/{}", request.transaction_id()));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let biz_no = format!("ZM{}", &hex[..30]).to_uppercase();
    let photo = request.materials().facial_picture_front();
    let (passed, failed_reason) = if !is_jpeg_base64(photo) {
        (
            false,
            "认证材料FACIAL_PICTURE_FRONT不是base64编码的JPEG图片".to_owned(),
        )
    } else if request.transaction_id().contains(NOT_PASSED_MARKER) {
        (false, "人脸比对不通过".to_owned())
    } else {
        (true, "认证完成".to_owned())
    };
    Outcome {
        biz_no,
        passed,
        failed_reason,
    }
}

/// A JPEG starts with SOI (`FF D8 FF`) and ends with EOI (`FF D9`).
pub(crate) fn is_jpeg_base64(text: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text) else {
        return false;
    };
    bytes.len() >= 5 && bytes.starts_with(&[0xff, 0xd8, 0xff]) && bytes.ends_with(&[0xff, 0xd9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_detection() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        assert!(is_jpeg_base64(&b64(&[
            0xff, 0xd8, 0xff, 0xe0, 0, 0xff, 0xd9
        ])));
        assert!(!is_jpeg_base64(&b64(b"\x89PNG\r\n\x1a\n")));
        assert!(!is_jpeg_base64("/9j/4AAQSkZJR"));
        assert!(!is_jpeg_base64("not base64!"));
    }
}
