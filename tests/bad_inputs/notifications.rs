//! Rows about asynchronous notifications, verified by the app from the raw form body.

use super::*;

fn notification(body: &str) -> Attempt {
    let key = AlipayPublicKey::parse(ALIPAY_PUBLIC).unwrap();
    Attempt::from(verify_notification(body.as_bytes(), SignType::Rsa2, &key).map_err(Got::Notify))
}

/// A plausible trade notification (its signature made up), with `extra` prepended.
fn notification_body(extra: &str) -> String {
    format!(
        "{extra}notify_time=2030-01-01+00%3A00%3A00&notify_type=trade_status_sync\
         &notify_id=ac05099524730693a8b330c5ecf72da9786&app_id={APP_ID}&charset=utf-8\
         &version=1.0&trade_no=2030010122001400000000000001&out_trade_no=CATALOGUE_0001\
         &trade_status=TRADE_SUCCESS&total_amount=88.88\
         &sign=c2lnbmF0dXJlIHRoYXQgZG9lcyBub3QgdmVyaWZ5"
    )
}

/// Percent-encodes every byte of `text` (enough for a form value).
fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

pub(crate) fn notification_rows() -> Vec<Row> {
    use Area::Notification as N;
    vec![
        row(
            N,
            "notification: empty body",
            |_| notification(""),
            refused!(Got::Notify(NotifyError::MissingSign), ["no `sign`"]),
        ),
        row(
            N,
            "notification: unsigned empty trade_status prepended",
            |_| notification(&notification_body("trade_status=&refund_fee=&")),
            refused!(
                Got::Notify(NotifyError::Duplicate(_)),
                ["`trade_status`", "more than once"]
            ),
        ),
        row(
            N,
            "notification: duplicate parameter named by an ID number",
            |_| {
                notification(&notification_body(&format!(
                    "{ID_NUMBER_2}=1&{ID_NUMBER_2}=2&"
                )))
            },
            refused!(Got::Notify(NotifyError::Duplicate(_)), ["more than once"]),
        ),
        row(
            N,
            "notification: duplicate parameter whose name holds a newline and escape",
            |_| notification(&notification_body("x%0A%1B%5B31m=1&x%0A%1B%5B31m=2&")),
            refused!(Got::Notify(NotifyError::Duplicate(_)), ["more than once"]),
        ),
        row(
            N,
            "notification: a value that re-splits into other parameters",
            |_| {
                let body = notification_body("")
                    .replace("&total_amount=88.88", "")
                    .replace(
                        "out_trade_no=CATALOGUE_0001",
                        "out_trade_no=CATALOGUE_0001%26total_amount%3D0.01",
                    );
                notification(&body)
            },
            refused!(
                Got::Notify(NotifyError::Ambiguous(_)),
                ["`out_trade_no`", "ambiguous"]
            ),
        ),
        row(
            N,
            "notification: sign_type RSA to an RSA2 app",
            |_| notification(&notification_body("sign_type=RSA&")),
            refused!(
                Got::Notify(NotifyError::SignTypeMismatch { .. }),
                ["sign_type=RSA"]
            ),
        ),
        row(
            N,
            "notification: unknown charset",
            |_| notification(&notification_body("").replace("charset=utf-8", "charset=big5")),
            refused!(
                Got::Notify(NotifyError::Unsupported { param: "charset" }),
                ["`charset`", "not supported"]
            ),
        ),
        row(
            N,
            "notification: bytes invalid in GBK",
            |_| {
                let body =
                    notification_body("subject=%FF%FF%80&").replace("charset=utf-8", "charset=gbk");
                notification(&body)
            },
            refused!(
                Got::Notify(NotifyError::Undecodable(_)),
                ["`subject`", "charset"]
            ),
        ),
        row(
            N,
            "notification: personal data under a signature that does not verify",
            |_| {
                let extra = format!("buyer_name={}&cert_no={ID_NUMBER}&", percent_encode(NAME));
                notification(&notification_body(&extra))
            },
            refused!(
                Got::Notify(NotifyError::SignatureInvalid),
                ["does not verify"]
            ),
        ),
        row(
            N,
            "notification: sign that is not base64",
            |_| notification(&notification_body("").replace("sign=c2lnbmF0dXJl", "sign=%25%25%25")),
            refused!(
                Got::Notify(NotifyError::SignatureInvalid),
                ["does not verify"]
            ),
        ),
    ]
}
