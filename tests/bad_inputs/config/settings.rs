//! Configuration rows: the gateway URL, timeouts and limits, the app identity and the
//! other settings.

use super::*;

pub(super) fn rows() -> Vec<Row> {
    use Area::Config as C;
    vec![
        // --- the gateway URL ---
        row(
            C,
            "gateway: ftp://",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "ftp://openapi.alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["https://"]
            ),
        ),
        row(
            C,
            "gateway: empty",
            |fx| build(fx.base().gateway(Gateway::Custom(String::new()))),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["not a URL"]
            ),
        ),
        row(
            C,
            "gateway: space inside the host",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://openapi .alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["whitespace"]
            ),
        ),
        row(
            C,
            "gateway: space inside the path",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://openapi.alipay.com/gate way.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["space|whitespace"]
            ),
        ),
        row(
            C,
            "gateway: scheme only, no host",
            |fx| build(fx.base().gateway(Gateway::Custom("https://".into()))),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["host|not a URL"]
            ),
        ),
        row(
            C,
            "gateway: credentials and a fragment",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "https://merchant:hunter2secret@openapi.alipay.com/gateway.do#top".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["fragment"]
            ),
        )
        .forbid(&["hunter2secret"]),
        row(
            C,
            "gateway: plain http to a non-loopback host",
            |fx| {
                build(fx.base().gateway(Gateway::Custom(
                    "http://openapi.alipay.com/gateway.do".into(),
                )))
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "gateway",
                    ..
                }),
                ["https"]
            ),
        ),
        // --- timeouts and limits ---
        row(
            C,
            "timeout: zero",
            |fx| build(fx.base().timeout(Duration::ZERO)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "timeout",
                    ..
                }),
                ["`timeout`", "zero"]
            ),
        ),
        row(
            C,
            "connect timeout: zero",
            |fx| build(fx.base().connect_timeout(Duration::ZERO)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "connect_timeout",
                    ..
                }),
                ["`connect_timeout`", "zero"]
            ),
        ),
        row(
            C,
            "timeout: absurd (Duration::MAX)",
            |fx| build(fx.base().timeout(Duration::MAX)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "timeout",
                    ..
                }),
                ["`timeout`"]
            ),
        ),
        row(
            C,
            "connect timeout: absurd (100 years)",
            |fx| {
                build(
                    fx.base()
                        .connect_timeout(Duration::from_secs(100 * 365 * 86_400)),
                )
            },
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "connect_timeout",
                    ..
                }),
                ["`connect_timeout`"]
            ),
        ),
        row(
            C,
            "max response size: zero",
            |fx| build(fx.base().max_response_size(0)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "max_response_size",
                    ..
                }),
                ["`max_response_size`", "at least 1 byte"]
            ),
        ),
        row(
            C,
            "retry: first backoff longer than the cap",
            |fx| {
                build(fx.base().retry(RetryPolicy {
                    max_retries: 2,
                    initial_backoff: Duration::from_secs(10),
                    max_backoff: Duration::from_secs(1),
                }))
            },
            refused!(
                Got::Build(BuildError::InvalidField { field: "retry", .. }),
                ["initial_backoff", "max_backoff"]
            ),
        ),
        // --- identity and other settings ---
        row(
            C,
            "app_id: empty",
            |fx| build(fx.base().app_id("")),
            refused!(
                Got::Build(BuildError::MissingField { field: "app_id" }),
                ["`app_id`", "required"]
            ),
        ),
        row(
            C,
            "app_id: dashes",
            |fx| build(fx.base().app_id("2021-0000-0000-0001")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "app_id",
                    ..
                }),
                ["`app_id`", "ASCII letters and digits"]
            ),
        ),
        row(
            C,
            "app_id: a person's name pasted into it",
            // Not `build`: the builder's `Debug` shows the app_id as given, which is fine.
            |fx| Attempt::from(fx.base().app_id(NAME).build().map_err(Got::Build)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "app_id",
                    ..
                }),
                ["`app_id`", "ASCII letters and digits"]
            ),
        ),
        row(
            C,
            "aes_key: garbage",
            |fx| build(fx.base().aes_key("not-an-aes-key")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "aes_key",
                    ..
                }),
                ["`aes_key`", "16 or 32 bytes"]
            ),
        ),
        row(
            C,
            "aes_key: the app private key pasted into it",
            |fx| build(fx.base().aes_key(APP_PRIVATE_PKCS8_B64)),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "aes_key",
                    ..
                }),
                ["`aes_key`", "16 or 32 bytes"]
            ),
        ),
        row(
            C,
            "user agent: header injection",
            |fx| build(fx.base().user_agent("sdk\r\nX-Injected: 1")),
            refused!(
                Got::Build(BuildError::InvalidField {
                    field: "user_agent",
                    ..
                }),
                ["`user_agent`", "header value"]
            ),
        ),
        row(
            C,
            "proxy: not a URL, with a password",
            |fx| build(fx.base().proxy("http://user:hunter2secret@[::1")),
            refused!(
                Got::Build(BuildError::InvalidField { field: "proxy", .. }),
                ["`proxy`", "proxy URL"]
            ),
        )
        .forbid(&["hunter2secret"]),
    ]
}
