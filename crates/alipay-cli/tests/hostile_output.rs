//! What the CLI prints of answers nobody signed: marked, one line, capped, no control
//! characters, no ID numbers.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use serde_json::Value;

mod common;

use common::{DATA, alipay};

const ID: &str = "110101199003077777";

fn hostile_error_body() -> String {
    let forged = format!("ok\n[INFO] payment ok \u{1b}[32mPAID\u{1b}[0m {ID} \u{202e}evil");
    serde_json::json!({"error_response": {
        "code": "40004",
        "msg": forged,
        "sub_code": format!("ACQ.X\u{1b}]0;pwned\u{7}{ID}"),
        "sub_msg": format!("\u{1b}[2J{forged}{}", "A".repeat(5000)),
        "cert_no": ID,
    }})
    .to_string()
}

fn assert_clean(what: &str, text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(!text.contains(bad), "{what}: {bad:?} in {text:?}");
    }
    assert!(!text.contains(ID), "{what}: ID number in {text}");
    assert!(!text.contains(&"A".repeat(1000)), "{what}: not capped");
}

#[test]
fn verify_shows_an_unsigned_error_sanitised() {
    let key = format!("{DATA}/keys/alipay_public.pem");
    let body = hostile_error_body();
    for json in [true, false] {
        let mut args = vec![
            "verify",
            "--alipay-public-key",
            &key,
            "--method",
            "alipay.trade.query",
        ];
        if json {
            args.push("--json");
        }
        args.push("-");
        let out = alipay(&args, Some(body.as_bytes()));
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_clean("stdout", &stdout);
        assert_clean("stderr", &String::from_utf8_lossy(&out.stderr));
        if json {
            let v: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["outcome"], "unsigned_error_response");
            assert_eq!(v["code"], "40004");
            // The fields are still there to read, made safe.
            assert!(v["fields"]["msg"].as_str().unwrap().contains("payment ok"));
        }
    }
}

/// A server on 127.0.0.1 that answers every request with `body` (unsigned).
fn hostile_gateway(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = vec![0u8; 64 * 1024];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn call_shows_an_unsigned_error_marked_and_sanitised() {
    let url = hostile_gateway(hostile_error_body());
    let app_key = format!("{DATA}/keys/app_private_pkcs8.pem");
    let alipay_key = format!("{DATA}/keys/alipay_public.pem");
    for json in [true, false] {
        let mut args = vec![
            "call",
            "--raw",
            "--method",
            "alipay.trade.query",
            "--app-id",
            "2021000000000001",
            "--app-private-key",
            &app_key,
            "--alipay-public-key",
            &alipay_key,
            "--gateway",
            &url,
        ];
        if json {
            args.push("--json");
        }
        args.push(r#"{"out_trade_no":"1"}"#);
        let out = alipay(&args, None);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_clean("stdout", &stdout);
        assert_clean("stderr", &stderr);
        if json {
            let v: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["verified"], false);
            assert_eq!(v["code"], "40004");
        } else {
            let marker = stderr.find("unverified").expect("marked unverified");
            let text = stderr.find("payment ok").expect("the text is shown");
            assert!(marker < text, "the marker comes first: {stderr}");
        }
    }
}
