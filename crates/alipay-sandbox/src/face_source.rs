//! `datadigital.fincloud.generalsaas.face.source.certify` (see the README): an upload
//! whose fields are top-level form parameters and whose photo is a file part. The
//! fields are checked through the generated request type's builder, the photo by its
//! JPEG structure, and the answer is the verdict of one call (nothing is kept).

use alipay_api::UploadFile;
use alipay_api::datadigital_fincloud_generalsaas_face_source_certify::{
    BizCode, CertType, DatadigitalFincloudGeneralsaasFaceSourceCertifyRequest as Request,
    LivenessStrategy, SecurityStrategy,
};

use crate::certify::NOT_PASSED_MARKER;
use crate::flow::{INVALID_PARAMETER, invalid, invalid_with};
use crate::gateway::{Gateway, MethodCall, NodeBody};
use crate::idcard::check_resident_id;
use crate::jpeg;

pub(crate) const METHOD: &str = "datadigital.fincloud.generalsaas.face.source.certify";

/// The file part the photo travels in.
const FILE_FIELD: &str = "file_content";
/// `mismatch_reason` when the photo is not a readable JPEG (the doc page's example).
pub(crate) const UNABLE_GET_IMAGE: &str = "UNABLE_GET_IMAGE";
/// `mismatch_reason` when `outer_biz_no` asks for a failed comparison.
pub(crate) const FACE_NOT_MATCH: &str = "FACE_NOT_MATCH";
/// The shorter side, in pixels, from which the quality score is 100.
const FULL_QUALITY_SIDE: u32 = 480;

pub(crate) fn certify(gateway: &Gateway, call: &MethodCall<'_>) -> NodeBody {
    // The method requires content encryption: the app must have turned it on (an AES
    // key), whether or not the request says `encrypt_type=AES` (see the README).
    if gateway
        .apps
        .get(call.app_id)
        .is_none_or(|app| app.aes.is_none())
    {
        return NodeBody::error(
            "40002",
            "isv.encryption-required",
            "该接口要求接口内容加密：请为应用设置接口内容加密密钥(AES)",
        );
    }
    let request = match parse(call) {
        Ok(r) => r,
        Err(node) => return node,
    };
    if *request.biz_code() != BizCode::DataSource {
        return invalid("biz_code", "业务产品码须为DATA_SOURCE");
    }
    if *request.cert_type() != CertType::IdentityCard {
        return invalid("cert_type", "证件类型须为IDENTITY_CARD");
    }
    if let Err(problem) = check_resident_id(request.cert_no()) {
        return invalid("cert_no", &problem.describe());
    }
    if let Some(LivenessStrategy::Other(_)) = request.liveness_strategy() {
        return invalid("liveness_strategy", "须为OFF或CHECK");
    }
    if let Some(SecurityStrategy::Other(_)) = request.security_strategy() {
        return invalid("security_strategy", "须为ON或OFF");
    }
    let Some(certify_no) = crate::flow::random_token() else {
        return NodeBody::error("20000", "isp.unknow-error", "系统繁忙");
    };
    let liveness = request.liveness_strategy() != Some(&LivenessStrategy::Off);
    // `parse` made sure the file parts are exactly one `file_content`.
    let photo = call.files.first().map(|f| &f.bytes[..]).unwrap_or_default();
    let mut fields = vec![("certify_no", certify_no)];
    match jpeg::inspect(photo) {
        Err(problem) => {
            // The answer has only the documented code; the log says what was wrong
            // (the problem, never the photo).
            tracing::debug!(method = METHOD, "photo refused: it {}", problem.describe());
            fields.push(("passed", "F".into()));
            fields.push(("mismatch_reason", UNABLE_GET_IMAGE.into()));
        }
        Ok(info) => {
            let not_passed = request
                .outer_biz_no()
                .is_some_and(|no| no.contains(NOT_PASSED_MARKER));
            let side = u32::from(info.width.min(info.height));
            let quality = (side * 100 / FULL_QUALITY_SIDE).min(100);
            fields.push(("passed", if not_passed { "F" } else { "T" }.into()));
            if liveness {
                fields.push(("score", if not_passed { "30" } else { "95" }.into()));
            }
            fields.push(("quality", quality.to_string()));
            if not_passed {
                fields.push(("mismatch_reason", FACE_NOT_MATCH.into()));
            }
        }
    }
    NodeBody::success(fields)
}

/// The request from the text parameters and the one `file_content` part, through the
/// generated builder: the client's own field rules (required fields, the 1 MB limit).
fn parse(call: &MethodCall<'_>) -> Result<Request, NodeBody> {
    let mut photo = None;
    for file in call.files {
        if file.name != FILE_FIELD {
            return Err(invalid(
                &crate::multipart::shown_part_name(&file.name),
                "不是此接口的文件参数(file_content)",
            ));
        }
        if photo.replace(file).is_some() {
            return Err(invalid(FILE_FIELD, "只能上传一个文件"));
        }
    }
    let get = |name: &str| {
        call.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if get(FILE_FIELD).is_some() {
        return Err(invalid(
            FILE_FIELD,
            "须以文件上传(multipart/form-data的文件部分)",
        ));
    }
    let mut b = Request::builder();
    if let Some(v) = get("biz_code") {
        b = b.biz_code(v);
    }
    if let Some(v) = get("cert_name") {
        b = b.cert_name(v);
    }
    if let Some(v) = get("cert_no") {
        b = b.cert_no(v);
    }
    if let Some(v) = get("cert_type") {
        b = b.cert_type(v);
    }
    if let Some(v) = get("liveness_strategy") {
        b = b.liveness_strategy(v);
    }
    if let Some(v) = get("nation") {
        b = b.nation(v);
    }
    if let Some(v) = get("outer_biz_no") {
        b = b.outer_biz_no(v);
    }
    if let Some(v) = get("phone") {
        b = b.phone(v);
    }
    if let Some(v) = get("security_strategy") {
        b = b.security_strategy(v);
    }
    match get("reserved") {
        None => {}
        Some("true") => b = b.reserved(true),
        Some("false") => b = b.reserved(false),
        Some(_) => return Err(invalid("reserved", "须为true或false")),
    }
    if let Some(file) = photo {
        b = b.file_content(UploadFile::from_bytes(file.bytes.to_vec(), FILE_FIELD));
    }
    b.build().map_err(|e| {
        let field = e.field().split('.').next().unwrap_or(FILE_FIELD).to_owned();
        invalid_with(INVALID_PARAMETER, &field, Some(&e.to_string()))
    })
}
