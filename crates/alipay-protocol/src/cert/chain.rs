//! Path building from a certificate to a root of the bundle, with bounded work.
//!
//! The search is breadth-first over the intermediates, and each intermediate enters the
//! search at most once (the first, shortest time it is linked), so a path never uses a
//! certificate twice and a bundle of look-alike CAs (same subject, same key, each
//! verifying the others) costs one signature check per CA instead of one per ordering of
//! them. Every link is still fully checked: names, the signature with the issuer's key,
//! and the issuer's validity and CA flag. Whether an intermediate can be an issuer does
//! not depend on the path that reached it (no name or path-length constraints are
//! evaluated here), so visiting it once loses no path.
//!
//! On top of that, one search makes at most [`MAX_CHAIN_SIGNATURE_CHECKS`] signature
//! checks; an input that needs more is refused with
//! [`CertError::ChainSearchTooExpensive`]. The search runs on certificates from the
//! network (a rotated Alipay certificate) and at client build time, so its cost must
//! not be the attacker's choice.

use std::collections::HashSet;

use super::{CertError, Certificate, shown_dn};
use crate::keys::AlipayPublicKey;
use crate::time::Timestamp;

/// How many CA certificates may sit between a leaf and a root. Alipay uses one; the
/// limit only keeps a hostile chain from being arbitrarily long.
pub const MAX_INTERMEDIATES: usize = 8;

/// The most signature checks one chain search makes (one per candidate issuer tried).
///
/// Alipay's chain needs two (leaf by intermediate, intermediate by root); a root bundle
/// and a pool of intermediates gathered over many rotations stay far below this. The
/// cap bounds the cost of a hostile bundle: 64 RSA verifications are a few
/// milliseconds even with 8192-bit keys.
pub const MAX_CHAIN_SIGNATURE_CHECKS: usize = 64;

/// The chain check over parsed certificates: `leaf` must be valid at `now` and reach one
/// of `roots` through zero or more (at most [`MAX_INTERMEDIATES`]) of `intermediates`.
///
/// Each link checks issuer/subject name equality and the RSA PKCS#1 v1.5 signature
/// (SHA-1/256/384/512) with the issuer's key; each intermediate must be valid at `now`
/// and be a CA. Roots are trust anchors: their own validity is not checked (as in RFC
/// 5280 path validation), and roots without an RSA key (ECDSA, SM2) are skipped because
/// their signatures cannot be checked here.
///
/// The work is bounded: each intermediate is used at most once, and a search that would
/// need more than [`MAX_CHAIN_SIGNATURE_CHECKS`] signature checks fails with
/// [`CertError::ChainSearchTooExpensive`].
///
/// This proves the certificate was issued under the configured roots; it does not
/// prove that it is an *Alipay* certificate rather than another certificate issued under
/// the same roots.
pub fn verify_chain_parsed(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    now: Timestamp,
) -> Result<(), CertError> {
    leaf.check_validity(now)?;
    let mut search = Search::new(leaf, intermediates, roots, now);
    let result = search.run();
    #[cfg(test)]
    tests::LAST_SEARCH_CHECKS.with(|c| c.set(search.checks));
    result
}

struct Search<'a> {
    leaf: &'a Certificate,
    /// The intermediates without duplicates and without the leaf.
    pool: Vec<&'a Certificate>,
    roots: &'a [Certificate],
    now: Timestamp,
    /// Parsed once per certificate: a look-alike tried from many children costs one parse.
    pool_keys: Vec<Option<Result<AlipayPublicKey, CertError>>>,
    root_keys: Vec<Option<Option<AlipayPublicKey>>>,
    checks: usize,
}

impl<'a> Search<'a> {
    fn new(
        leaf: &'a Certificate,
        intermediates: &'a [Certificate],
        roots: &'a [Certificate],
        now: Timestamp,
    ) -> Self {
        let mut seen: HashSet<&[u8]> = HashSet::from([leaf.der()]);
        let pool: Vec<&Certificate> = intermediates
            .iter()
            .filter(|c| seen.insert(c.der()))
            .collect();
        Search {
            leaf,
            pool_keys: vec![None; pool.len()],
            pool,
            roots,
            now,
            root_keys: vec![None; roots.len()],
            checks: 0,
        }
    }

    /// Breadth-first from the leaf; returns the first specific failure (a bad signature
    /// or an expired intermediate says more than "no issuer") when no path exists, else
    /// "no issuer" for the first certificate the search could not link.
    fn run(&mut self) -> Result<(), CertError> {
        let mut used = vec![false; self.pool.len()];
        let mut level: Vec<&'a Certificate> = vec![self.leaf];
        let mut failure: Option<CertError> = None;
        let mut dead_end: Option<CertError> = None;
        for depth in 0..=MAX_INTERMEDIATES {
            let mut next = Vec::new();
            for current in level {
                for r in 0..self.roots.len() {
                    let root = &self.roots[r];
                    if !names_match(&current.issuer_der, &current.issuer_dn, root) {
                        continue;
                    }
                    // Non-RSA roots (ECDSA, SM2) cannot be checked with aws-lc's RSA
                    // verifier: skip.
                    let Some(key) = self.root_key(r) else {
                        continue;
                    };
                    self.charge()?;
                    match check_signature(current, root, &key) {
                        Ok(()) => return Ok(()),
                        Err(e) => {
                            failure.get_or_insert(e);
                        }
                    }
                }
                let mut linked = false;
                if depth < MAX_INTERMEDIATES {
                    for (i, used) in used.iter_mut().enumerate() {
                        let ca = self.pool[i];
                        if *used
                            || ca == current
                            || !names_match(&current.issuer_der, &current.issuer_dn, ca)
                        {
                            continue;
                        }
                        match self.link(current, i) {
                            Ok(()) => {
                                *used = true;
                                linked = true;
                                next.push(ca);
                            }
                            Err(Stop(e)) => return Err(e),
                            Err(Step(e)) => {
                                failure.get_or_insert(e);
                            }
                        }
                    }
                }
                if !linked {
                    dead_end.get_or_insert_with(|| CertError::UntrustedChain {
                        subject: shown_dn(&current.subject_dn),
                        sn: current.sn(),
                        issuer: shown_dn(&current.issuer_dn),
                    });
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        Err(failure
            .or(dead_end)
            .unwrap_or_else(|| CertError::UntrustedChain {
                subject: shown_dn(&self.leaf.subject_dn),
                sn: self.leaf.sn(),
                issuer: shown_dn(&self.leaf.issuer_dn),
            }))
    }

    /// Whether `self.pool[i]` may issue `current`: its key, the signature, its validity
    /// and its CA flag, in that order (as users expect the most specific complaint).
    fn link(&mut self, current: &Certificate, i: usize) -> Result<(), LinkError> {
        let ca = self.pool[i];
        let key = match self.pool_keys[i].get_or_insert_with(|| ca.rsa_public_key()) {
            Ok(key) => key.clone(),
            Err(e) => return Err(Step(e.clone())),
        };
        self.charge().map_err(Stop)?;
        check_signature(current, ca, &key).map_err(Step)?;
        ca.check_validity(self.now).map_err(Step)?;
        if !ca.is_ca() {
            return Err(Step(CertError::IssuerNotCa {
                subject: shown_dn(&ca.subject_dn),
                sn: ca.sn(),
            }));
        }
        Ok(())
    }

    fn root_key(&mut self, r: usize) -> Option<AlipayPublicKey> {
        let root = &self.roots[r];
        self.root_keys[r]
            .get_or_insert_with(|| root.rsa_public_key().ok())
            .clone()
    }

    /// Counts one signature check, refusing the search when the budget is spent.
    fn charge(&mut self) -> Result<(), CertError> {
        if self.checks >= MAX_CHAIN_SIGNATURE_CHECKS {
            return Err(CertError::ChainSearchTooExpensive {
                subject: shown_dn(&self.leaf.subject_dn),
                sn: self.leaf.sn(),
                limit: MAX_CHAIN_SIGNATURE_CHECKS,
            });
        }
        self.checks += 1;
        Ok(())
    }
}

/// Why a candidate issuer was not linked: it does not qualify ([`Step`]), or the search
/// must stop ([`Stop`], the budget is spent).
enum LinkError {
    Step(CertError),
    Stop(CertError),
}
use LinkError::{Step, Stop};

/// Names are compared by their DER bytes; equal RFC 2253 renderings also match, so a CA
/// that re-encoded its name as UTF8String instead of PrintableString is still found.
pub(super) fn names_match(issuer_der: &[u8], issuer_dn: &str, candidate: &Certificate) -> bool {
    candidate.subject_der == issuer_der || candidate.subject_dn == issuer_dn
}

fn check_signature(
    cert: &Certificate,
    issuer: &Certificate,
    issuer_key: &AlipayPublicKey,
) -> Result<(), CertError> {
    use aws_lc_rs::signature::{
        RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
        RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512, RsaParameters, UnparsedPublicKey,
    };
    let oid = cert.signature_algorithm_oid();
    let unsupported = || CertError::UnsupportedSignature {
        subject: shown_dn(&cert.subject_dn),
        sn: cert.sn(),
        algorithm: cert.signature_algorithm_name(),
    };
    let alg: &RsaParameters = match oid.as_str() {
        "1.2.840.113549.1.1.5" => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        "1.2.840.113549.1.1.11" => &RSA_PKCS1_2048_8192_SHA256,
        "1.2.840.113549.1.1.12" => &RSA_PKCS1_2048_8192_SHA384,
        "1.2.840.113549.1.1.13" => &RSA_PKCS1_2048_8192_SHA512,
        _ => return Err(unsupported()),
    };
    let bad = || CertError::BadSignature {
        subject: shown_dn(&cert.subject_dn),
        sn: cert.sn(),
        issuer: shown_dn(&issuer.subject_dn),
    };
    // RFC 5280 §4.1.1.2: the signed TBS must name the same algorithm as the outer
    // field, otherwise an attacker could swap the algorithm outside the signature.
    if cert.x509.tbs_certificate().signature() != cert.x509.signature_algorithm() {
        return Err(bad());
    }
    let signature = cert.x509.signature().as_bytes().ok_or_else(bad)?;
    UnparsedPublicKey::new(alg, &issuer_key.pkcs1_der)
        .verify(&cert.tbs_der, signature)
        .map_err(|_| bad())
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;
    use std::str::FromStr as _;
    use std::time::{Duration, Instant, SystemTime};

    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey as _;
    use sha2::Sha256;
    use x509_cert::builder::profile::BuilderProfile;
    use x509_cert::builder::{Builder as _, CertificateBuilder};
    use x509_cert::certificate::TbsCertificate;
    use x509_cert::der::{Decode as _, Encode as _};
    use x509_cert::ext::pkix::BasicConstraints;
    use x509_cert::ext::{Extension, ToExtension as _};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
    use x509_cert::time::Validity;

    use super::*;
    use crate::cert::{CertMaterial, parse_certificates};

    thread_local! {
        /// Signature checks made by this thread's last chain search.
        pub(in crate::cert) static LAST_SEARCH_CHECKS: Cell<usize> = const { Cell::new(0) };
    }

    fn last_checks() -> usize {
        LAST_SEARCH_CHECKS.with(Cell::get)
    }

    fn data(path: &str) -> String {
        let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A PKCS#8 PEM test key as a RustCrypto signing key.
    fn signing_key(file: &str) -> SigningKey<Sha256> {
        let text = data(file);
        let (block, _) = crate::armor::next_block(&text).unwrap().unwrap();
        SigningKey::new(rsa::PrivateKey::from_pkcs8_der(&block.decode().unwrap()).unwrap())
    }

    fn spki(file: &str) -> SubjectPublicKeyInfoOwned {
        let key = AlipayPublicKey::parse(data(file)).unwrap();
        SubjectPublicKeyInfoOwned::from_der(&key.to_spki_der()).unwrap()
    }

    struct Profile {
        issuer: Name,
        subject: Name,
        ca: bool,
    }

    impl BuilderProfile for Profile {
        fn get_issuer(&self, _subject: &Name) -> Name {
            self.issuer.clone()
        }

        fn get_subject(&self) -> Name {
            self.subject.clone()
        }

        fn build_extensions(
            &self,
            _spk: SubjectPublicKeyInfoRef<'_>,
            _issuer_spk: SubjectPublicKeyInfoRef<'_>,
            tbs: &TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<Extension>> {
            let constraints = BasicConstraints {
                ca: self.ca,
                path_len_constraint: None,
            };
            Ok(vec![constraints.to_extension(tbs.subject(), &[])?])
        }
    }

    /// A certificate for `subject` with the key `spki`, issued under the name `issuer`
    /// and signed with `signer`, valid from a day ago for a year.
    fn issue(
        subject: &str,
        issuer: &str,
        ca: bool,
        spki: &SubjectPublicKeyInfoOwned,
        signer: &SigningKey<Sha256>,
        serial: u32,
    ) -> Certificate {
        let profile = Profile {
            issuer: Name::from_str(issuer).unwrap(),
            subject: Name::from_str(subject).unwrap(),
            ca,
        };
        let now = SystemTime::now();
        let validity = Validity::new(
            (now - Duration::from_secs(86_400)).try_into().unwrap(),
            (now + Duration::from_secs(365 * 86_400))
                .try_into()
                .unwrap(),
        );
        let serial = SerialNumber::from(serial);
        let cert = CertificateBuilder::new(profile, serial, validity, spki.clone())
            .unwrap()
            .build::<_, rsa::pkcs1v15::Signature>(signer)
            .unwrap();
        Certificate::from_der(&cert.to_der().unwrap()).unwrap()
    }

    const LOOK_ALIKE: &str = "CN=Look-alike CA,O=Hostile Bundle,C=CN";
    const LEAF: &str = "CN=Alipay Look-alike Leaf,O=Hostile Bundle,C=CN";

    /// The issue's bundle: a leaf plus `n` self-signed CAs that share one subject and
    /// one key, each of which verifies the leaf and every other one.
    fn look_alike_bundle(n: u32) -> (Certificate, Vec<Certificate>) {
        let ca_key = signing_key("keys/alipay_private_pkcs8.pem");
        let ca_spki = spki("keys/alipay_public.pem");
        // Any key but the app certificate's (CertMaterial refuses that mix-up).
        let leaf = issue(LEAF, LOOK_ALIKE, false, &ca_spki, &ca_key, 1);
        let cas = (0..n)
            .map(|i| issue(LOOK_ALIKE, LOOK_ALIKE, true, &ca_spki, &ca_key, 100 + i))
            .collect();
        (leaf, cas)
    }

    fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    fn roots() -> Vec<Certificate> {
        parse_certificates(data("certs/alipayRootCert.crt")).unwrap()
    }

    fn pem(certs: &[&Certificate]) -> String {
        use base64::Engine as _;
        certs
            .iter()
            .map(|c| {
                let b64 = base64::engine::general_purpose::STANDARD.encode(c.der());
                format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
            })
            .collect()
    }

    /// Issue 10, defect 5: this search tried every ordering of the CAs (7.8 s at n = 8,
    /// factorial growth). Now each CA is linked once: one signature check per CA.
    #[test]
    fn look_alike_cas_cost_one_check_each() {
        let (leaf, cas) = look_alike_bundle(16);
        let started = Instant::now();
        let err = verify_chain_parsed(&leaf, &cas, &roots(), now()).unwrap_err();
        let elapsed = started.elapsed();
        let CertError::UntrustedChain { subject, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(subject, LOOK_ALIKE);
        // The leaf against each CA; each CA's own issuers are all in the search already.
        assert_eq!(last_checks(), 16);
        eprintln!("16 look-alike CAs: {elapsed:?}, {} checks", last_checks());
    }

    /// The same bundle through the two public entry points: `build()`'s check of the
    /// configured Alipay certificate, and a rotated certificate from the network.
    #[test]
    fn look_alike_bundle_is_bounded_at_build_and_rotation() {
        let (leaf, cas) = look_alike_bundle(16);
        let mut bundle = vec![&leaf];
        bundle.extend(&cas);
        let app = data("certs/appCertPublicKey_2021000000000001.crt");
        let mut material =
            CertMaterial::new(&app, pem(&bundle), data("certs/alipayRootCert.crt")).unwrap();
        let err = material.verify_alipay_cert(now()).unwrap_err();
        assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");
        assert_eq!(last_checks(), 16);

        let err = material.accept_rotated(pem(&bundle), now()).unwrap_err();
        assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");
        assert_eq!(last_checks(), 16);
    }

    /// Look-alikes in front of the real issuer do not hide it.
    #[test]
    fn a_real_path_behind_look_alikes_is_found() {
        let (leaf, mut cas) = look_alike_bundle(16);
        let root_key = signing_key("keys/app_private_pkcs8.pem");
        let root_spki = spki("keys/app_public.pem");
        let root_dn = "CN=Chain Test Root,C=CN";
        let root = issue(root_dn, root_dn, true, &root_spki, &root_key, 7);
        // The real intermediate: the look-alikes' name and key, issued by the root.
        cas.push(issue(
            LOOK_ALIKE,
            root_dn,
            true,
            &spki("keys/alipay_public.pem"),
            &root_key,
            8,
        ));
        verify_chain_parsed(&leaf, &cas, &[root], now()).unwrap();
        // 17 links from the leaf, then the real intermediate against the root.
        assert_eq!(last_checks(), 18);
    }

    /// Candidates that all fail cannot buy unbounded work either: the search stops at
    /// the cap with an error that names it.
    #[test]
    fn the_signature_check_budget_is_enforced() {
        let (leaf, _) = look_alike_bundle(0);
        // Same name as the leaf's issuer, another key: every link fails its signature.
        let other_key = signing_key("keys/app_private_pkcs8.pem");
        let other_spki = spki("keys/app_public.pem");
        let n = u32::try_from(MAX_CHAIN_SIGNATURE_CHECKS).unwrap() + 6;
        let cas: Vec<Certificate> = (0..n)
            .map(|i| {
                issue(
                    LOOK_ALIKE,
                    LOOK_ALIKE,
                    true,
                    &other_spki,
                    &other_key,
                    500 + i,
                )
            })
            .collect();
        let err = verify_chain_parsed(&leaf, &cas, &roots(), now()).unwrap_err();
        assert_eq!(
            err,
            CertError::ChainSearchTooExpensive {
                subject: LEAF.to_owned(),
                sn: leaf.sn(),
                limit: MAX_CHAIN_SIGNATURE_CHECKS,
            }
        );
        assert_eq!(last_checks(), MAX_CHAIN_SIGNATURE_CHECKS);
        let message = err.to_string();
        assert!(message.contains("64 signature checks"), "{message}");
        assert!(message.contains("too many candidate issuers"), "{message}");

        // Below the cap the same kind of bundle gets the specific answer.
        let err = verify_chain_parsed(&leaf, &cas[..10], &roots(), now()).unwrap_err();
        assert!(matches!(err, CertError::BadSignature { .. }), "{err:?}");
        assert_eq!(last_checks(), 10);
    }

    /// A duplicate of a certificate, or the leaf itself in the pool, is not tried twice.
    #[test]
    fn duplicates_are_tried_once() {
        let (leaf, cas) = look_alike_bundle(2);
        let pool = vec![
            cas[0].clone(),
            leaf.clone(),
            cas[0].clone(),
            cas[1].clone(),
            cas[1].clone(),
        ];
        let err = verify_chain_parsed(&leaf, &pool, &roots(), now()).unwrap_err();
        assert!(matches!(err, CertError::UntrustedChain { .. }), "{err:?}");
        assert_eq!(last_checks(), 2);
    }
}
