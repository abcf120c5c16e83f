//! `alipay call` against an in-process sandbox gateway.

use std::process::{Command, Output};

use alipay_sandbox::{DEFAULT_APP_ID, KeySet, Sandbox, SandboxConfig};
use serde_json::{Value, json};

struct Fixture {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
    dir: std::path::PathBuf,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let keys = KeySet::generate().unwrap();
        let dir =
            std::env::temp_dir().join(format!("alipay-cli-call-{tag}-{}", std::process::id()));
        keys.write_to_dir(&dir).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sandbox = runtime.block_on(async {
            Sandbox::start_local(SandboxConfig::from_key_set(DEFAULT_APP_ID, &keys).unwrap())
                .await
                .unwrap()
        });
        Fixture {
            runtime,
            sandbox: Some(sandbox),
            dir,
        }
    }

    fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    fn call(&self, extra: &[&str], biz: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_alipay"))
            .arg("call")
            .args(["--method", "zhima.customer.certification.material.certify"])
            .args(extra)
            .arg(biz)
            .env("ALIPAY_APP_ID", DEFAULT_APP_ID)
            .env(
                "ALIPAY_APP_PRIVATE_KEY",
                self.dir.join("app_private_key.pem"),
            )
            .env("ALIPAY_PUBLIC_KEY", self.dir.join("alipay_public_key.pem"))
            .env("ALIPAY_GATEWAY", self.sandbox().url())
            .output()
            .unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            self.runtime.block_on(s.stop());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn biz(transaction_id: &str) -> String {
    json!({
        "transaction_id": transaction_id,
        "product_code": "w1010100000000002978",
        "biz_code": "FACE_API",
        "identity_param": json!({"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD",
                                  "cert_name": "收委", "cert_no": "260104197909275964"}).to_string(),
        "materials": json!({"FACIAL_PICTURE_FRONT": "/9j/4AAQSkZJRgABAQAAAQABAAD/2Q=="}).to_string(),
    })
    .to_string()
}

#[test]
fn call_prints_the_verified_response() {
    let f = Fixture::new("ok");
    let out = f.call(&["--json"], &biz("CLI_OK"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "verified");
    assert_eq!(v["response"]["passed"], "true");
    assert_eq!(v["response"]["code"], "10000");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("alipay.user.certify.open"), "{stderr}");

    let out = f.call(&[], &biz("CLI_NOTPASS"));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"passed\": \"false\""), "{text}");
}

#[test]
fn invalid_biz_content_is_never_sent() {
    let f = Fixture::new("invalid");
    let long = biz(&"A".repeat(33));
    let out = f.call(&[], &long);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("transaction_id") && err.contains("33") && err.contains("32"),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    let out = f.call(&[], "{not json");
    assert_eq!(out.status.code(), Some(2));
    assert!(f.sandbox().requests().is_empty());
}

#[test]
fn gateway_errors_exit_non_zero_with_codes() {
    let f = Fixture::new("gwerr");
    let wrong_product = biz("CLI_PRODUCT").replace("w1010100000000002978", "w1");
    let out = f.call(&["--json"], &wrong_product);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "40004");
    assert_eq!(v["sub_code"], "ARRANGEMENT_ERROR");
    assert_eq!(v["verified"], true);
}
