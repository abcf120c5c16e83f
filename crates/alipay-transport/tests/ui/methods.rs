// Shared by the compile-fail cases: one method of each call style.
use alipay_transport::protocol::{ApiMethod, AppMethod, CallStyle, PageMethod, ServerMethod, ValidationError};

pub struct Server;
impl ServerMethod for Server {}
impl ApiMethod for Server {
    const METHOD: &'static str = "alipay.user.certify.open.query";
    const CALL_STYLE: CallStyle = CallStyle::ServerCall;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), ValidationError> { Ok(()) }
    fn to_biz_content(&self) -> Result<String, ValidationError> { Ok("{}".into()) }
}

pub struct Page;
impl PageMethod for Page {}
impl ApiMethod for Page {
    const METHOD: &'static str = "alipay.user.certify.open.certify";
    const CALL_STYLE: CallStyle = CallStyle::PageRedirect;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), ValidationError> { Ok(()) }
    fn to_biz_content(&self) -> Result<String, ValidationError> { Ok("{}".into()) }
}

pub struct App;
impl AppMethod for App {}
impl ApiMethod for App {
    const METHOD: &'static str = "alipay.trade.app.pay";
    const CALL_STYLE: CallStyle = CallStyle::AppOrder;
    type Response = serde_json::Value;
    fn validate(&self) -> Result<(), ValidationError> { Ok(()) }
    fn to_biz_content(&self) -> Result<String, ValidationError> { Ok("{}".into()) }
}
