//! Who signs requests: the app private key, a custom [`Signer`], or an
//! [`AsyncSigner`] that awaits a remote service. The protocol crate builds the sign
//! content ([`UnsignedRequest`]); this module turns it into a [`SignedRequest`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use alipay_protocol::keys::{KeyRole, MIN_RSA2_BITS};
use alipay_protocol::v3::{SignedV3Request, UnsignedV3Request};
use alipay_protocol::{
    AlipayPublicKey, AppPrivateKey, KeyError, SignError, SignType, SignedRequest, Signer,
    UnsignedRequest,
};

use crate::config::KeySource;
use crate::error::BuildError;

/// The future an [`AsyncSigner`] returns: the raw signature bytes.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, SignError>> + Send + 'a>>;

/// A signer that awaits a remote service (a cloud KMS, a network HSM, a signing
/// microservice) instead of blocking the calling thread.
///
/// The async client awaits the returned future between building the request and
/// sending it, so other tasks on the runtime keep running while the remote call is in
/// flight (a blocking [`Signer`] holds its runtime thread for the whole call). The
/// blocking client drives the same code on its private runtime, so it accepts an
/// async signer too. Set it with
/// [`ClientBuilder::async_signer`](crate::ClientBuilder::async_signer).
///
/// ```
/// use alipay_transport::protocol::{AlipayPublicKey, SignError, SignType};
/// use alipay_transport::{AsyncSigner, SignFuture};
///
/// struct Kms { /* a KMS client */ }
///
/// impl Kms {
///     async fn sign_pkcs1(&self, _alg: &str, message: &[u8]) -> Result<Vec<u8>, std::io::Error> {
///         // e.g. an HTTPS call that signs `message` with RSASSA-PKCS1-v1_5
///         # Ok(message.to_vec())
///     }
/// }
///
/// impl AsyncSigner for Kms {
///     fn sign<'a>(&'a self, sign_type: SignType, message: &'a [u8]) -> SignFuture<'a> {
///         Box::pin(async move {
///             let alg = match sign_type {
///                 SignType::Rsa2 => "RSASSA_PKCS1_V1_5_SHA_256",
///                 SignType::Rsa => "RSASSA_PKCS1_V1_5_SHA_1",
///             };
///             // The KMS error stays reachable through `source()`.
///             self.sign_pkcs1(alg, message).await.map_err(SignError::backend)
///         })
///     }
/// }
/// ```
pub trait AsyncSigner: Send + Sync {
    /// Signs `message` (the sign content in the request charset) with `sign_type` and
    /// returns the raw signature bytes (the client base64-encodes them).
    fn sign<'a>(&'a self, sign_type: SignType, message: &'a [u8]) -> SignFuture<'a>;

    /// The public half of the signing key, when known: lets `build()` catch an Alipay
    /// public key or an app certificate that does not belong with it.
    fn public_key(&self) -> Option<&AlipayPublicKey> {
        None
    }
}

/// The signer a client holds.
#[derive(Clone)]
pub(crate) enum AnySigner {
    /// Signs on the calling task (the app private key, or a custom [`Signer`]).
    Sync(Arc<dyn Signer>),
    /// Signs by awaiting a remote service.
    Async(Arc<dyn AsyncSigner>),
}

impl AnySigner {
    /// The builder method that set it, for error messages.
    pub(crate) fn setting(&self) -> &'static str {
        match self {
            AnySigner::Sync(_) => "signer",
            AnySigner::Async(_) => "async_signer",
        }
    }

    fn public_key(&self) -> Option<&AlipayPublicKey> {
        match self {
            AnySigner::Sync(s) => s.public_key(),
            AnySigner::Async(s) => s.public_key(),
        }
    }

    /// Signs `unsigned`, awaiting an async signer.
    pub(crate) async fn sign(&self, unsigned: UnsignedRequest) -> Result<SignedRequest, SignError> {
        match self {
            AnySigner::Sync(signer) => unsigned.sign(&**signer),
            AnySigner::Async(signer) => {
                let signature = signer
                    .sign(unsigned.sign_type(), unsigned.message())
                    .await?;
                Ok(unsigned.with_signature(&signature))
            }
        }
    }

    /// Signs an OpenAPI v3 request (always SHA256withRSA), awaiting an async signer.
    pub(crate) async fn sign_v3(
        &self,
        unsigned: UnsignedV3Request,
    ) -> Result<SignedV3Request, SignError> {
        let signature = match self {
            AnySigner::Sync(signer) => signer.sign(SignType::Rsa2, unsigned.message())?,
            AnySigner::Async(signer) => signer.sign(SignType::Rsa2, unsigned.message()).await?,
        };
        Ok(unsigned.with_signature(&signature))
    }

    /// Signs `unsigned` without awaiting, for `prepare()`: an async signer cannot.
    pub(crate) fn sign_now(&self, unsigned: UnsignedRequest) -> Result<SignedRequest, SignError> {
        match self {
            AnySigner::Sync(signer) => unsigned.sign(&**signer),
            AnySigner::Async(_) => Err(SignError::backend(
                "prepare() signs synchronously and this client signs with an async signer; \
                 snapshot envelopes with a client that signs with a local key",
            )),
        }
    }
}

/// The app's signing identity, resolved by `build()`.
pub(crate) struct AppKey {
    pub(crate) signer: AnySigner,
    /// The parsed app private key, when the client holds it (for the own-key checks).
    pub(crate) private: Option<Arc<AppPrivateKey>>,
    /// The public half, when known.
    pub(crate) public: Option<AlipayPublicKey>,
}

/// The build step for signing: exactly one of the app private key and a custom signer.
pub(crate) fn resolve(
    private_key: Option<KeySource>,
    signer: Option<AnySigner>,
    sign_type: SignType,
) -> Result<AppKey, BuildError> {
    match (private_key, signer) {
        (Some(_), Some(signer)) => Err(BuildError::Conflict {
            first: "app_private_key",
            second: signer.setting(),
        }),
        (None, None) => Err(BuildError::MissingField {
            field: "app_private_key",
        }),
        (Some(source), None) => {
            let key = Arc::new(AppPrivateKey::parse(
                source.read_key(KeyRole::AppPrivateKey)?,
            )?);
            key.check_sign_type(sign_type)?;
            Ok(AppKey {
                public: Some(AppPrivateKey::public_key(&key).clone()),
                private: Some(Arc::clone(&key)),
                signer: AnySigner::Sync(key),
            })
        }
        (None, Some(signer)) => {
            let public = signer.public_key().cloned();
            if let Some(public) = &public
                && sign_type == SignType::Rsa2
                && public.bits() < MIN_RSA2_BITS
            {
                return Err(KeyError::TooSmall {
                    role: KeyRole::AppPrivateKey,
                    bits: public.bits(),
                    min: MIN_RSA2_BITS,
                }
                .into());
            }
            Ok(AppKey {
                signer,
                private: None,
                public,
            })
        }
    }
}
