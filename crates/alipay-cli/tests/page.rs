//! `alipay page`: the signed URL or form on stdout and nothing else; nothing is sent.

use std::path::PathBuf;
use std::process::{Command, Output};

use alipay_protocol::envelope::verify_base64;
use alipay_protocol::{AlipayPublicKey, Charset, SignType, sign_content};
use alipay_sandbox::{DEFAULT_APP_ID, KeySet};

const GATEWAY: &str = "https://openapi.alipay.com/gateway.do";

struct Keys(PathBuf);

impl Keys {
    fn new(tag: &str) -> Keys {
        let dir =
            std::env::temp_dir().join(format!("alipay-cli-page-{tag}-{}", std::process::id()));
        KeySet::generate().unwrap().write_to_dir(&dir).unwrap();
        Keys(dir)
    }

    fn page(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_alipay"))
            .arg("page")
            .args(args)
            .env("ALIPAY_APP_ID", DEFAULT_APP_ID)
            .env("ALIPAY_APP_PRIVATE_KEY", self.0.join("app_private_key.pem"))
            .env("ALIPAY_PUBLIC_KEY", self.0.join("alipay_public_key.pem"))
            .env("ALIPAY_GATEWAY", GATEWAY)
            .env_remove("ALIPAY_APP_AUTH_TOKEN")
            .output()
            .unwrap()
    }

    /// Decodes `query` and checks its signature with the app public key.
    fn verified(&self, query: &str) -> Vec<(String, String)> {
        let pem = std::fs::read_to_string(self.0.join("app_public_key.pem")).unwrap();
        let key = AlipayPublicKey::parse(pem).unwrap();
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let sign = &params.iter().find(|(k, _)| k == "sign").unwrap().1;
        let content = sign_content(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(
            verify_base64(&key, SignType::Rsa2, Charset::Utf8, &content, sign),
            Ok(true)
        );
        params
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

const BIZ: &str = r#"{"certify_id":"OC201809253000000393900404029253"}"#;

#[test]
fn get_prints_only_the_signed_url() {
    let keys = Keys::new("get");
    let out = keys.page(&[
        "--method",
        "alipay.user.certify.open.certify",
        "--raw",
        "--http-method",
        "GET",
        "--return-url",
        "https://merchant.example/back?a=1",
        "--notify-url",
        "https://merchant.example/notify",
        BIZ,
    ]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let query = text
        .trim_end()
        .strip_prefix(&format!("{GATEWAY}?"))
        .unwrap();
    let params = keys.verified(query);
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    assert_eq!(get("method"), Some("alipay.user.certify.open.certify"));
    assert_eq!(get("biz_content"), Some(BIZ));
    assert_eq!(get("return_url"), Some("https://merchant.example/back?a=1"));
    assert_eq!(get("notify_url"), Some("https://merchant.example/notify"));
    assert_eq!(get("app_id"), Some(DEFAULT_APP_ID));
}

#[test]
fn post_prints_only_the_self_submitting_form() {
    let keys = Keys::new("post");
    let out = keys.page(&[
        "--method",
        "alipay.user.certify.open.certify",
        "--raw",
        "--http-method",
        "post",
        BIZ,
    ]);
    let text = stdout(&out);
    assert!(
        text.starts_with("<form name=\"punchout_form\" method=\"post\" action=\""),
        "{text}"
    );
    assert!(
        text.ends_with("<script>document.forms[0].submit();</script>\n"),
        "{text}"
    );
    let escaped = BIZ.replace('"', "&quot;");
    assert!(
        text.contains(&format!(
            "<input type=\"hidden\" name=\"biz_content\" value=\"{escaped}\">"
        )),
        "{text}"
    );
}

#[test]
fn server_and_unknown_methods_are_refused_with_nothing_on_stdout() {
    let keys = Keys::new("refuse");
    let out = keys.page(&[
        "--method",
        "zhima.customer.certification.material.certify",
        "{}",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alipay call"), "{err}");

    // A method without a spec is refused unless `--raw` says to sign it unchecked.
    let out = keys.page(&["--method", "alipay.trade.wap.pay", BIZ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--raw"));
}
