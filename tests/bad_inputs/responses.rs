//! Rows about gateway answers: forged, unsigned, malformed, oversized, slow and
//! hostile bodies, each served byte for byte by the local server.

use super::*;

pub(crate) fn response_rows() -> Vec<Row> {
    use Area::Response as R;
    vec![
        row(
            R,
            "a correctly signed success (control)",
            |fx| call(fx, "control", http("200 OK", &fx.signed(SUCCESS_NODE))),
            Expect::Accepted,
        ),
        row(
            R,
            "truncated body",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                call(fx, "truncated", http("200 OK", &body[..body.len() / 2]))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["truncated"]
            ),
        ),
        row(
            R,
            "body shorter than its Content-Length",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let mut bytes = head.into_bytes();
                bytes.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
                call(fx, "short_body", Reply::Bytes(bytes))
            },
            refused!(Got::Call(Error::Transport(_)), ["response body"]),
        ),
        row(
            R,
            "HTML page with status 200",
            |fx| {
                call(
                    fx,
                    "html_200",
                    http_typed(
                        "200 OK",
                        "text/html",
                        "<html><head><title>Login</title></head><body>Please sign in</body></html>",
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON"]
            ),
        ),
        row(
            R,
            "HTML error page with status 502",
            |fx| {
                call(
                    fx,
                    "html_502",
                    http_typed(
                        "502 Bad Gateway",
                        "text/html",
                        "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["502"]
            ),
        ),
        row(
            R,
            "error page whose title holds an ID number and escapes",
            |fx| {
                let page = format!(
                    "<html><head><title>Denied for {ID_NUMBER_2}\u{1b}[31m</title></head></html>"
                );
                call(
                    fx,
                    "html_503_pii",
                    http_typed("503 Service Unavailable", "text/html", &page),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["503"]
            ),
        ),
        row(
            R,
            "redirect (not followed)",
            |fx| {
                let bytes = b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
                call(fx, "redirect", Reply::Bytes(bytes))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::HttpStatus(_))),
                ["302"]
            ),
        ),
        row(
            R,
            "empty body",
            |fx| call(fx, "empty", http("200 OK", "")),
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["empty|truncated"]
            ),
        ),
        row(
            R,
            "10 MiB + 1 body with its Content-Length",
            |fx| {
                let size = 10 * 1024 * 1024 + 1;
                let mut body = format!(r#"{{"{NODE_KEY}":{{"x":""#).into_bytes();
                body.resize(size - 3, b'A');
                body.extend_from_slice(br#""}}"#);
                call(
                    fx,
                    "ten_mib",
                    http_bytes("200 OK", "application/json", &body),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::TooLarge { limit: 10_485_760 })),
                ["larger than"]
            ),
        ),
        row(
            R,
            "endless body without Content-Length",
            |fx| call(fx, "endless", Reply::Endless),
            refused!(
                Got::Call(Error::Answer(AnswerError::TooLarge { .. })),
                ["larger than"]
            ),
        )
        .after(|fx| {
            // Reading stopped near the limit: the server could write at most the limit
            // plus what the loopback socket buffers hold.
            let sent = fx.server.wait_sent("endless")?;
            if sent > 32 * 1024 * 1024 {
                return Err(format!("the client read {sent} bytes of an endless body"));
            }
            Ok(())
        }),
        row(
            R,
            "duplicate response node",
            |fx| {
                let sign = fx.sign(SUCCESS_NODE.as_bytes());
                let forged = SUCCESS_NODE.replace(r#""passed":"true""#, r#""passed":"false""#);
                let body = format!(
                    r#"{{"{NODE_KEY}":{SUCCESS_NODE},"{NODE_KEY}":{forged},"sign":"{sign}"}}"#
                );
                call(fx, "dup_node", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["more than once"]
            ),
        ),
        row(
            R,
            "duplicate sign",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let body = body.replacen(r#","sign":"#, r#","sign":"AAAA","sign":"#, 1);
                call(fx, "dup_sign", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["more than once"]
            ),
        ),
        row(
            R,
            "GBK body to a UTF-8 client",
            |fx| {
                let body = fx.signed(SUCCESS_NODE);
                let gbk = Charset::Gbk.encode(&body).unwrap().into_owned();
                call(
                    fx,
                    "gbk_to_utf8",
                    http_bytes("200 OK", "application/json;charset=GBK", &gbk),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["utf-8"]
            ),
        ),
        row(
            R,
            "bytes invalid in GBK to a GBK client",
            |fx| {
                let mut body = format!(r#"{{"{NODE_KEY}":{{"code":"10000","msg":""#).into_bytes();
                body.extend_from_slice(&[0xff, 0xff, 0x80]);
                body.extend_from_slice(br#""},"sign":"AAAA"}"#);
                call_with(
                    fx,
                    "bad_gbk",
                    http_bytes("200 OK", "application/json;charset=GBK", &body),
                    |b| b.charset(Charset::Gbk),
                )
            },
            refused!(Got::Call(Error::Answer(AnswerError::Malformed(_))), ["gbk"]),
        ),
        row(
            R,
            "hostile nesting depth: the node is 100k nested arrays",
            |fx| {
                let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
                call(fx, "deep_node", http("200 OK", &fx.signed(&deep)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither an object"]
            ),
        ),
        row(
            R,
            "hostile nesting depth: 100k nested objects inside a signed node",
            |fx| {
                let deep = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
                let node = SUCCESS_NODE.replacen('{', &format!(r#"{{"deep":{deep},"#), 1);
                call(fx, "deep_inside", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["recursion|nest|depth"]
            ),
        ),
        row(
            R,
            "hostile nesting depth: 100k unclosed `[` as the body",
            |fx| call(fx, "deep_top", http("200 OK", &"[".repeat(100_000))),
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON object"]
            ),
        ),
        row(
            R,
            "UTF-8 BOM before a signed body",
            |fx| {
                let body = format!("\u{feff}{}", fx.signed(SUCCESS_NODE));
                call(fx, "bom", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["BOM|byte order mark"]
            ),
        ),
        row(
            R,
            "trailing data after a signed body",
            |fx| {
                let body = format!(
                    r#"{}{{"{NODE_KEY}":{{"passed":"false"}}}}"#,
                    fx.signed(SUCCESS_NODE)
                );
                call(fx, "trailing", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["trailing"]
            ),
        ),
        row(
            R,
            "top-level JSON string holding a name and ID number",
            |fx| {
                let body = serde_json::to_string(&format!("{NAME_2} {ID_NUMBER_2}")).unwrap();
                call(fx, "top_string", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["JSON object"]
            ),
        ),
        row(
            R,
            "unsigned error_response with a newline, ANSI escape and ID number in sub_msg",
            |fx| {
                let sub_msg = format!(
                    "参数无效\n2030-01-01T00:00:00Z INFO payment approved \u{1b}[32mcert_no={ID_NUMBER_2}\u{1b}[0m"
                );
                let body = serde_json::json!({"error_response": {
                    "code": "40004", "msg": "Business Failed",
                    "sub_code": "isv.invalid-param", "sub_msg": sub_msg,
                }})
                .to_string();
                call(fx, "hostile_sub_msg", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Gateway(_)),
                ["unsigned|not verified|unverified"]
            ),
        ),
        row(
            R,
            "unsigned error_response with a 100 KB sub_msg",
            |fx| {
                let body = serde_json::json!({"error_response": {
                    "code": "40004", "msg": "Business Failed",
                    "sub_code": "isv.invalid-param", "sub_msg": "错".repeat(100_000),
                }})
                .to_string();
                call(fx, "huge_sub_msg", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Gateway(_)),
                ["unsigned|not verified|unverified"]
            ),
        ),
        row(
            R,
            "unsigned error_response whose code is a number (ID digits)",
            |fx| {
                let body = format!(
                    r#"{{"error_response":{{"code":{ID_NUMBER_2:.17},"msg":"Business Failed"}}}}"#
                );
                call(fx, "numeric_code", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["code|result fields"]
            ),
        ),
        row(
            R,
            "signature over other content",
            |fx| {
                let body = fx.signed(SUCCESS_NODE).replacen(
                    r#""passed":"true""#,
                    r#""passed":"false""#,
                    1,
                );
                call(fx, "bad_signature", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Verify(VerifyError::SignatureMismatch(_))),
                ["does not verify"]
            ),
        ),
        row(
            R,
            "unsigned success",
            |fx| {
                let body = format!(r#"{{"{NODE_KEY}":{SUCCESS_NODE}}}"#);
                call(fx, "unsigned_success", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Verify(VerifyError::SignatureMismatch(_))),
                ["no signature"]
            ),
        ),
        row(
            R,
            "sign that is not base64",
            |fx| {
                let body =
                    format!(r#"{{"{NODE_KEY}":{SUCCESS_NODE},"sign":"%%% not base64 %%%"}}"#);
                call(fx, "sign_not_base64", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["base64"]
            ),
        ),
        row(
            R,
            "neither the method node nor error_response",
            |fx| {
                call(
                    fx,
                    "no_node",
                    http(
                        "200 OK",
                        r#"{"alipay_trade_query_response":{"code":"10000"},"sign":"AAAA"}"#,
                    ),
                )
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither"]
            ),
        ),
        row(
            R,
            "response node is a number",
            |fx| {
                let body = format!(r#"{{"{NODE_KEY}":{ID_NUMBER_2:.17},"sign":"AAAA"}}"#);
                call(fx, "node_number", http("200 OK", &body))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["neither an object"]
            ),
        ),
        row(
            R,
            "signed success whose `passed` holds a name and ID number",
            |fx| {
                let node = SUCCESS_NODE.replace(
                    r#""passed":"true""#,
                    &format!(r#""passed":"{NAME_2} {ID_NUMBER_2}""#),
                );
                call(fx, "typed_mismatch", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["passed"]
            ),
        ),
        row(
            R,
            "signed success without the required biz_no",
            |fx| {
                let node =
                    SUCCESS_NODE.replace(r#""biz_no":"ZM201612013000000393900404029253","#, "");
                call(fx, "missing_field", http("200 OK", &fx.signed(&node)))
            },
            refused!(
                Got::Call(Error::Answer(AnswerError::Malformed(_))),
                ["biz_no"]
            ),
        ),
        row(
            R,
            "signed AES-encrypted answer to a client without an AES key",
            |fx| {
                let node = r#""qq3oNf5TcLZl3dP2uVZyNw==""#;
                call(fx, "aes_unexpected", http("200 OK", &fx.signed(node)))
            },
            refused!(Got::Call(Error::Answer(AnswerError::Malformed(_))), ["AES"]),
        ),
        row(
            R,
            "answer slower than the timeout",
            |fx| {
                let reply = Reply::Slow(
                    Duration::from_secs(3),
                    http_raw(
                        "200 OK",
                        "application/json",
                        fx.signed(SUCCESS_NODE).as_bytes(),
                    ),
                );
                call_with(fx, "slow", reply, |b| b.timeout(Duration::from_millis(300)))
            },
            refused!(Got::Call(Error::Transport(_)), ["timed out"]),
        ),
    ]
}
