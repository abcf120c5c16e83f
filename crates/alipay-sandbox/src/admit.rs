//! The common checks of `gateway.do` (charset, app, method, sign type, timestamp,
//! certificate serials, signature, encryption), shared by server calls and the page
//! methods' signed GET URLs. A request that passes is [`Admitted`]; one that fails is
//! a [`Refusal`], answered as JSON (signed when the app's algorithm is known) or, for a
//! page method, as an error page.

use alipay_protocol::envelope::sign_content;
use alipay_protocol::{Charset, SignType, Timestamp, form, model};

use crate::Fault;
use crate::gateway::{App, Gateway, NodeBody};
use crate::multipart::RequestBody;

/// A request that passed every common check.
pub(crate) struct Admitted<'g> {
    pub(crate) app: &'g App,
    pub(crate) app_id: String,
    pub(crate) method: String,
    /// The answer's node name, `<method>_response`.
    pub(crate) key: String,
    pub(crate) sign_type: SignType,
    pub(crate) charset: Charset,
    /// Decrypted when the app uses content encryption.
    pub(crate) biz_content: String,
    /// Whether the answer is to be encrypted.
    pub(crate) encrypt: bool,
    /// Every parameter as decoded, first occurrence of each name.
    pub(crate) params: Vec<(String, String)>,
}

impl Admitted<'_> {
    /// The value of one non-empty parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// Why a request was refused, and how to answer.
pub(crate) struct Refusal<'g> {
    pub(crate) node: NodeBody,
    pub(crate) charset: Charset,
    /// Sign the answer for this app under this node name with this algorithm; `None`:
    /// an unsigned `error_response`.
    pub(crate) signer: Option<(&'g App, String, SignType)>,
    /// The request named a page method: a browser is waiting for an error page.
    pub(crate) page: bool,
}

fn refuse_unsigned<'g>(
    page: bool,
    charset: Charset,
    node: NodeBody,
) -> Result<Admitted<'g>, Box<Refusal<'g>>> {
    Err(Box::new(Refusal {
        node,
        charset,
        signer: None,
        page,
    }))
}

/// The most parameters one request may carry (query and form body together).
const MAX_PARAMS: usize = 1000;

impl Gateway {
    /// Runs the common checks on one request's raw query and (form) body.
    pub(crate) fn admit<'g>(
        &'g self,
        query: &[u8],
        body: &RequestBody,
        fault: Option<&Fault>,
    ) -> Result<Admitted<'g>, Box<Refusal<'g>>> {
        let mut pairs = form::parse_bytes(query);
        match body {
            RequestBody::None => {}
            RequestBody::Form(bytes) => pairs.extend(form::parse_bytes(bytes)),
            // Text parts are parameters like any other: signed, decoded, counted.
            RequestBody::Multipart { text, .. } => pairs.extend(text.iter().cloned()),
        }
        // A request has a dozen parameters; hundreds of thousands of tiny ones are an
        // attack on the parser, refused before any of them is decoded or recorded.
        if pairs.len() > MAX_PARAMS {
            return refuse_unsigned(
                false,
                Charset::Utf8,
                NodeBody::error(
                    "40002",
                    "isv.invalid-parameter",
                    format!("参数过多(最多{MAX_PARAMS}个)"),
                ),
            );
        }
        let form::DecodedForm {
            charset,
            params: decoded,
        } = match form::decode(&pairs) {
            Ok(form) => form,
            // The charset itself parsed, so the client decodes answers with it.
            Err(form::FormError::Undecodable { charset, param }) => {
                return refuse_unsigned(
                    false,
                    charset,
                    NodeBody::error(
                        "40002",
                        "isv.invalid-charset",
                        format!("参数[{param}]不是有效的{charset}编码"),
                    ),
                );
            }
            // No charset the client could be decoding with is known: UTF-8, the
            // gateway's default, is the best guess.
            Err(_) => {
                return refuse_unsigned(
                    false,
                    Charset::Utf8,
                    NodeBody::error("40002", "isv.invalid-charset", "字符集错误"),
                );
            }
        };
        // First occurrence wins (query before body), as a servlet's getParameter does.
        let mut seen = std::collections::HashSet::with_capacity(decoded.len());
        let mut params: Vec<(String, String)> = Vec::with_capacity(decoded.len());
        for (k, v) in decoded {
            if seen.insert(k.clone()) {
                params.push((k, v));
            }
        }
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        self.record(&params);

        let Some(method) = get("method") else {
            return refuse_unsigned(
                false,
                charset,
                NodeBody::error("40001", "isv.missing-method", "缺少方法名参数"),
            );
        };
        let page = crate::flow::PAGE_METHODS.contains(&method);
        let Some(app_id) = get("app_id") else {
            return refuse_unsigned(
                page,
                charset,
                NodeBody::error("40001", "isv.missing-app-id", "缺少AppID参数"),
            );
        };
        let Some(app) = self.apps.get(app_id) else {
            return refuse_unsigned(
                page,
                charset,
                NodeBody::error("40002", "isv.invalid-app-id", "无效的AppID参数"),
            );
        };
        let requested_sign_type = get("sign_type").map(str::parse::<SignType>);
        if !crate::flow::SERVER_METHODS.contains(&method) && !page {
            let node = NodeBody::error("40002", "isv.invalid-method", "不存在的方法名");
            return match requested_sign_type {
                // Signed with the algorithm the client verifies with: an RSA (SHA-1)
                // app must see a gateway error here, not a signature mismatch.
                Some(Ok(sign_type)) => Err(Box::new(Refusal {
                    node,
                    charset,
                    signer: Some((app, "error_response".to_owned(), sign_type)),
                    page,
                })),
                // Without a usable sign_type no algorithm is the client's for sure; an
                // unsigned error_response is reported as an unverified gateway error
                // whichever algorithm the client uses, while a guessed one would show
                // up as a signature mismatch for every client that guessed otherwise.
                None | Some(Err(_)) => refuse_unsigned(page, charset, node),
            };
        }
        let key = model::response_key(method);
        let sign_type = match requested_sign_type {
            None => {
                let node =
                    NodeBody::error("40001", "isv.missing-signature-type", "缺少签名类型参数");
                return Err(Box::new(Refusal {
                    node,
                    charset,
                    signer: Some((app, key, SignType::Rsa2)),
                    page,
                }));
            }
            Some(Ok(t)) => t,
            Some(Err(_)) => {
                let node =
                    NodeBody::error("40002", "isv.invalid-signature-type", "无效的签名类型参数");
                return Err(Box::new(Refusal {
                    node,
                    charset,
                    signer: Some((app, key, SignType::Rsa2)),
                    page,
                }));
            }
        };
        let fail = |code, sub_code, sub_msg: &str| -> Result<Admitted<'g>, Box<Refusal<'g>>> {
            Err(Box::new(Refusal {
                node: NodeBody::error(code, sub_code, sub_msg),
                charset,
                signer: Some((app, key.clone(), sign_type)),
                page,
            }))
        };
        let Some(sign) = get("sign") else {
            return fail("40001", "isv.missing-signature", "缺少签名参数");
        };
        let Some(timestamp) = get("timestamp") else {
            return fail("40001", "isv.missing-timestamp", "缺少时间戳参数");
        };
        let Some(version) = get("version") else {
            return fail("40001", "isv.missing-version", "缺少版本参数");
        };
        if version != "1.0" {
            return fail("40002", "isv.invalid-version", "版本号错误");
        }
        // Node's SDK never sends `format`; when present it must be JSON (any case).
        if get("format").is_some_and(|f| !f.eq_ignore_ascii_case("json")) {
            return fail("40002", "isv.invalid-format", "无效的数据格式参数");
        }
        match Timestamp::parse_beijing(timestamp) {
            Err(_) => return fail("40002", "isv.invalid-timestamp", "非法的时间戳参数"),
            Ok(t) if t.abs_diff(self.clock.timestamp()) > self.timestamp_window => {
                return fail(
                    "40002",
                    "isv.invalid-timestamp",
                    "非法的时间戳参数，时间戳与支付宝服务器时间相差超过15分钟（北京时间 UTC+8）",
                );
            }
            Ok(_) => {}
        }
        if let Some(cert) = &app.cert {
            // Certificate mode: the serials say which certificates the app signs and
            // verifies with; checked before the signature, whose key they select.
            match get("app_cert_sn") {
                None => return fail("40001", "isv.missing-app-cert-sn", "缺少应用公钥证书序列号"),
                Some(sn) if !sn.eq_ignore_ascii_case(&cert.app_cert_sn) => {
                    return fail(
                        "40002",
                        "isv.invalid-app-cert-sn",
                        "应用公钥证书序列号不匹配，请检查应用公钥证书是否为该应用最新上传的证书",
                    );
                }
                Some(_) => {}
            }
            match get("alipay_root_cert_sn") {
                None => {
                    return fail(
                        "40001",
                        "isv.missing-alipay-root-cert-sn",
                        "缺少支付宝根证书序列号",
                    );
                }
                Some(sn) if !sn.eq_ignore_ascii_case(&cert.root_cert_sn) => {
                    return fail(
                        "40002",
                        "isv.invalid-alipay-root-cert-sn",
                        "支付宝根证书序列号不匹配，请使用开放平台下载的alipayRootCert.crt",
                    );
                }
                Some(_) => {}
            }
        }
        let content = sign_content(
            params
                .iter()
                .filter(|(k, _)| k != "sign")
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !self.signature_ok(app, sign_type, charset, &content, sign) {
            return fail(
                "40002",
                "isv.invalid-signature",
                &format!(
                    "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{}",
                    content.replace('&', "&amp;")
                ),
            );
        }
        match &fault {
            Some(Fault::UnknownError) => return fail("20000", "isp.unknow-error", "系统繁忙"),
            Some(Fault::BusinessError(sub_code)) => {
                return fail("40004", sub_code, "业务处理失败 (sandbox fault)");
            }
            _ => {}
        }
        // Content encryption is per app: an app that turned it on must encrypt, and the
        // ciphertext was signed, so it is decrypted only after the signature verified.
        let decrypted;
        let (biz_content, encrypt) = match (&app.aes, get("encrypt_type")) {
            (Some(aes), Some("AES")) => {
                decrypted = match get("biz_content") {
                    None => "{}".to_owned(),
                    Some(cipher) => match aes.decrypt(cipher, charset) {
                        Ok(plain) => plain,
                        Err(_) => {
                            return fail(
                                "40002",
                                "isv.decryption-error-unknown",
                                "解密出错，请检查biz_content是否用该应用的接口内容加密密钥以AES加密",
                            );
                        }
                    },
                };
                (decrypted.as_str(), true)
            }
            (None, Some("AES")) => {
                return fail(
                    "40002",
                    "isv.decryption-error-not-valid-encrypt-key",
                    "解密出错，该应用未设置接口内容加密密钥",
                );
            }
            (_, Some(_)) => {
                return fail(
                    "40002",
                    "isv.decryption-error-not-valid-encrypt-type",
                    "解密出错，不合法的加密类型，encrypt_type只支持AES",
                );
            }
            // A form-parameter method (an upload) has no biz_content to encrypt, and no
            // SDK sends `encrypt_type` for one (see the README); its answer is plain.
            (Some(_), None) if crate::flow::FORM_METHODS.contains(&method) => {
                (get("biz_content").unwrap_or("{}"), false)
            }
            (Some(_), None) => {
                return fail(
                    "40001",
                    "isv.missing-encrypt-type",
                    "该应用已开启接口内容加密，请求须加密biz_content并传encrypt_type=AES",
                );
            }
            (None, None) => (get("biz_content").unwrap_or("{}"), false),
        };
        Ok(Admitted {
            app,
            app_id: app_id.to_owned(),
            method: method.to_owned(),
            key: key.clone(),
            sign_type,
            charset,
            biz_content: biz_content.to_owned(),
            encrypt,
            params,
        })
    }
}
