//! The key, app and gateway flags (and `ALIPAY_*` variables) shared by `alipay call`
//! and `alipay page`, and the client they build.

use alipay_api::protocol::{Charset, SignType};
use alipay_api::{AlipayClient, AlipayTrust, Gateway, KeySource};
use clap::Args;

use crate::CliError;

/// Who calls, with which keys, through which gateway.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// The app id.
    #[arg(long, env = "ALIPAY_APP_ID")]
    pub(crate) app_id: String,
    /// The app private key: a file, or the key itself (PEM or bare base64).
    #[arg(
        long,
        env = "ALIPAY_APP_PRIVATE_KEY",
        value_name = "FILE|KEY",
        hide_env_values = true
    )]
    pub(crate) app_private_key: String,
    /// The Alipay public key (支付宝公钥): a file, or the key itself.
    #[arg(
        long,
        env = "ALIPAY_PUBLIC_KEY",
        value_name = "FILE|KEY",
        hide_env_values = true
    )]
    pub(crate) alipay_public_key: String,
    /// `production`, `sandbox` (Alipay's), or a gateway URL (e.g. `alipay sandbox serve`'s).
    #[arg(long, env = "ALIPAY_GATEWAY", default_value = "production")]
    pub(crate) gateway: String,
    /// RSA2 or RSA.
    #[arg(long, default_value = "RSA2")]
    pub(crate) sign_type: String,
    /// utf-8 or gbk.
    #[arg(long, default_value = "utf-8")]
    pub(crate) charset: String,
    /// `app_auth_token` when calling for a merchant.
    #[arg(long, env = "ALIPAY_APP_AUTH_TOKEN", hide_env_values = true)]
    pub(crate) app_auth_token: Option<String>,
}

impl ClientArgs {
    /// The client these flags describe. Key mistakes are reported here, before any call.
    pub(crate) fn client(&self) -> Result<AlipayClient, CliError> {
        let gateway: Gateway = match self.gateway.parse() {
            Ok(g) => g,
            Err(never) => match never {},
        };
        let sign_type: SignType = self.sign_type.parse()?;
        let charset: Charset = self.charset.parse()?;
        Ok(AlipayClient::builder()
            .app_id(&self.app_id)
            .app_private_key(KeySource::path_or_value(&self.app_private_key))
            .alipay_trust(AlipayTrust::public_key(KeySource::path_or_value(
                &self.alipay_public_key,
            )))
            .gateway(gateway)
            .sign_type(sign_type)
            .charset(charset)
            .build()?)
    }
}
