//! Typed methods, implemented by hand (the generated API crate is not a dependency): a
//! server method, a page-redirect method, an app method and a multipart upload.

use super::*;

/// A cut-down `zhima.customer.certification.material.certify` request.
#[derive(Clone, Serialize)]
pub struct TestCertify {
    pub transaction_id: String,
    pub cert_name: String,
    pub cert_no: String,
    pub photo_base64: String,
}

impl TestCertify {
    pub fn new(transaction_id: &str) -> Self {
        TestCertify {
            transaction_id: transaction_id.into(),
            cert_name: CERT_NAME.into(),
            cert_no: CERT_NO.into(),
            photo_base64: photo_base64(),
        }
    }
}

impl fmt::Debug for TestCertify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCertify")
            .field("transaction_id", &self.transaction_id)
            .field("cert_name", &Masked(&self.cert_name, Mask::Name))
            .field("cert_no", &Masked(&self.cert_no, Mask::IdNumber))
            .field("photo_base64", &Masked(&self.photo_base64, Mask::Length))
            .finish()
    }
}

/// The response node, with `passed` as the gateway sends it (a string).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TestCertifyResponse {
    pub code: String,
    pub msg: String,
    #[serde(default)]
    pub certify_id: Option<String>,
    #[serde(default)]
    pub passed: Option<String>,
    #[serde(default)]
    pub failed_reason: Option<String>,
}

impl ServerMethod for TestCertify {}

impl ApiMethod for TestCertify {
    const METHOD: &'static str = METHOD;
    const CALL_STYLE: CallStyle = CallStyle::ServerCall;
    // As the real spec declares: a repeated transaction_id gets the original answer.
    const IDEMPOTENCY_KEY: Option<&'static str> = Some("transaction_id");
    type Response = TestCertifyResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        for (field, value) in [
            ("transaction_id", &self.transaction_id),
            ("identity_param.cert_name", &self.cert_name),
            ("identity_param.cert_no", &self.cert_no),
            ("materials.FACIAL_PICTURE_FRONT", &self.photo_base64),
        ] {
            if value.is_empty() {
                return Err(ValidationError::Missing {
                    field: field.into(),
                });
            }
        }
        check_max_len(
            "transaction_id",
            &self.transaction_id,
            64,
            LengthUnit::Utf16,
        )
    }

    fn to_biz_content(&self) -> Result<String, ValidationError> {
        self.validate()?;
        // identity_param and materials travel as JSON strings inside biz_content.
        let identity = serde_json::json!({
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": self.cert_name,
            "cert_no": self.cert_no,
        })
        .to_string();
        let materials =
            serde_json::json!({ "FACIAL_PICTURE_FRONT": self.photo_base64 }).to_string();
        Ok(serde_json::json!({
            "transaction_id": self.transaction_id,
            "product_code": "w1010100000000002978",
            "biz_code": "FACE_API",
            "identity_param": identity,
            "materials": materials,
        })
        .to_string())
    }
}

/// A page-redirect method (`zhima.customer.certification.certify`): `biz_no` only.
#[derive(Debug)]
pub struct TestPageMethod {
    pub biz_no: String,
}

impl PageMethod for TestPageMethod {}

impl ApiMethod for TestPageMethod {
    const METHOD: &'static str = "zhima.customer.certification.certify";
    const CALL_STYLE: CallStyle = CallStyle::PageRedirect;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), ValidationError> {
        if self.biz_no.is_empty() {
            return Err(ValidationError::Missing {
                field: "biz_no".into(),
            });
        }
        check_max_len("biz_no", &self.biz_no, 64, LengthUnit::Utf16)
    }
    fn to_biz_content(&self) -> Result<String, ValidationError> {
        self.validate()?;
        Ok(serde_json::json!({ "biz_no": self.biz_no }).to_string())
    }
}

/// An app method (`alipay.trade.app.pay`, cut down).
#[derive(Debug)]
pub struct TestAppMethod {
    pub out_trade_no: String,
    pub total_amount: String,
    pub subject: String,
}

impl AppMethod for TestAppMethod {}

impl ApiMethod for TestAppMethod {
    const METHOD: &'static str = "alipay.trade.app.pay";
    const CALL_STYLE: CallStyle = CallStyle::AppOrder;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    fn to_biz_content(&self) -> Result<String, ValidationError> {
        Ok(serde_json::json!({
            "out_trade_no": self.out_trade_no,
            "total_amount": self.total_amount,
            "subject": self.subject,
        })
        .to_string())
    }
}

/// A multipart upload, as the lead's generator writes one for a `parameters = "form"`
/// spec: `datadigital.fincloud.generalsaas.face.source.certify`, cut down (text
/// parameters at the top level, the face photo as a file part, 1 MB limit).
#[derive(Debug, Clone)]
pub struct TestUpload {
    pub outer_biz_no: String,
    pub cert_name: String,
    pub cert_no: String,
    pub reserved: Option<bool>,
    pub file_content: UploadFile,
}

/// The documented file limit of face.source.certify: 1 MB.
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

impl ServerMethod for TestUpload {}

impl ApiMethod for TestUpload {
    const METHOD: &'static str = "datadigital.fincloud.generalsaas.face.source.certify";
    const CALL_STYLE: CallStyle = CallStyle::ServerCall;
    const PARAMETERS: Placement = Placement::Form;
    const ENCRYPTION_REQUIRED: bool = true;
    const FILE_FIELDS: &'static [&'static str] = &["file_content"];
    type Response = serde_json::Value;

    fn validate(&self) -> Result<(), ValidationError> {
        if self.outer_biz_no.is_empty() {
            return Err(ValidationError::Missing {
                field: "outer_biz_no".into(),
            });
        }
        self.file_content
            .check_max_len("file_content", UPLOAD_LIMIT)
    }

    fn to_biz_content(&self) -> Result<String, ValidationError> {
        Err(ValidationError::Invalid {
            field: "biz_content".into(),
            reason: "this method takes top-level form parameters".into(),
        })
    }

    fn request_params(&self) -> Result<RequestParams<'_>, ValidationError> {
        self.validate()?;
        let mut params = RequestParams::form()
            .text("outer_biz_no", &*self.outer_biz_no)
            .text("cert_name", &*self.cert_name)
            .text("cert_no", &*self.cert_no);
        if let Some(reserved) = self.reserved {
            params = params.text("reserved", reserved.to_string());
        }
        Ok(params.file("file_content", &self.file_content))
    }
}
