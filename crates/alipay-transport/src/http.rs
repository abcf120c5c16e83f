//! The HTTP side of a client: the gateway URL, the proxy, and the reqwest clients
//! (one per connect timeout) built from them.

use std::time::Duration;

use crate::config::{ProxySetting, redact_userinfo};
use crate::error::BuildError;

/// The build step for the gateway URL: a URL this client may post signed requests to.
pub(crate) fn check_gateway(url: &str, allow_plain_http: bool) -> Result<GatewayUrl, BuildError> {
    let gateway = parse_gateway(url)?;
    if gateway.plain_http && !is_loopback_url(&gateway.url) && !allow_plain_http {
        return Err(BuildError::InvalidField {
            field: "gateway",
            reason: format!(
                "`{}` is plain http:// to another machine: signed requests with personal data \
                 would cross the network unencrypted; use https://, or allow_plain_http() for \
                 a sandbox on a private test network",
                redact_userinfo(&gateway.url)
            ),
        });
    }
    Ok(gateway)
}

impl HttpSettings {
    /// The build step for the HTTP stack: checks the user agent and the proxy.
    pub(crate) fn new(
        gateway: &GatewayUrl,
        proxy: ProxySetting,
        user_agent: String,
    ) -> Result<HttpSettings, BuildError> {
        if reqwest::header::HeaderValue::from_str(&user_agent).is_err() {
            return Err(BuildError::InvalidField {
                field: "user_agent",
                reason: "is not a valid HTTP header value (visible ASCII only)".into(),
            });
        }
        let reqwest_proxy = match &proxy {
            ProxySetting::Url(url) => {
                Some(
                    reqwest::Proxy::all(url.as_str()).map_err(|_| BuildError::InvalidField {
                        field: "proxy",
                        reason: format!("`{}` is not a valid proxy URL", redact_userinfo(url)),
                    })?,
                )
            }
            _ => None,
        };
        // A system proxy (HTTP_PROXY and friends) is meant for the outside world; a
        // gateway on this machine (the sandbox) is never reachable through it.
        let proxy = match proxy {
            ProxySetting::System if is_loopback_url(&gateway.url) => ProxySetting::None,
            other => other,
        };
        Ok(HttpSettings {
            proxy,
            reqwest_proxy,
            user_agent,
        })
    }
}

/// What the HTTP client is built from; kept to build extra pools for per-call
/// connect timeouts.
pub(crate) struct HttpSettings {
    proxy: ProxySetting,
    reqwest_proxy: Option<reqwest::Proxy>,
    user_agent: String,
}

impl HttpSettings {
    pub(crate) fn client(&self, connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(self.user_agent.as_str())
            .connect_timeout(connect_timeout)
            // The gateway never redirects a POST; following one would resend the
            // signed request (with personal data) to another host.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60));
        match (&self.proxy, &self.reqwest_proxy) {
            (ProxySetting::None, _) => builder = builder.no_proxy(),
            (ProxySetting::Url(_), Some(proxy)) => builder = builder.proxy(proxy.clone()),
            _ => {}
        }
        builder.build()
    }
}

/// Whether the URL's host is `localhost`, in `127.0.0.0/8` or `::1`.
fn is_loopback_url(url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A checked gateway URL.
pub(crate) struct GatewayUrl {
    pub(crate) url: String,
    pub(crate) host: String,
    /// The parsed scheme is `http` (the text may spell it `HTTP://`).
    plain_http: bool,
}

fn parse_gateway(url: &str) -> Result<GatewayUrl, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidField {
        field: "gateway",
        reason: format!("`{}` {reason}", redact_userinfo(url).escape_debug()),
    };
    // The URL parser would quietly percent-encode a space or drop a line break: a
    // gateway URL with either was mistyped or pasted with junk.
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("contains whitespace or control characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(
            "must start with https:// (or http:// for a local gateway)",
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("has no host"))?;
    if parsed.fragment().is_some() {
        return Err(invalid("must not have a #fragment"));
    }
    let host = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    Ok(GatewayUrl {
        url: url.to_owned(),
        host,
        plain_http: parsed.scheme() == "http",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_recognised_however_the_scheme_is_spelt() {
        for url in [
            "http://gw.example/gateway.do",
            "HTTP://gw.example/gateway.do",
        ] {
            assert!(parse_gateway(url).unwrap().plain_http, "{url}");
        }
        assert!(
            !parse_gateway("HTTPS://gw.example/gateway.do")
                .unwrap()
                .plain_http
        );
    }

    #[test]
    fn loopback_gateways_bypass_the_system_proxy() {
        assert!(is_loopback_url("http://127.0.0.1:8080/gateway.do"));
        assert!(is_loopback_url("http://127.3.2.1/gateway.do"));
        assert!(is_loopback_url("http://localhost:1/gateway.do"));
        assert!(is_loopback_url("http://[::1]:9/gateway.do"));
        assert!(!is_loopback_url("https://openapi.alipay.com/gateway.do"));
        assert!(!is_loopback_url("http://10.0.0.1/gateway.do"));
    }
}
