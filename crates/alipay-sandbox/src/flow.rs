//! What the certification flows share: the bounded ledger of certifications, request
//! parsing through the generated types, identity checks, ids and tokens, and the
//! dispatch of every served method to its family module.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use alipay_api::{ApiMethod, FromJson};
use sha2::Digest as _;

use crate::gateway::{Gateway, MethodCall, NodeBody};
use crate::idcard::check_resident_id;

/// Server methods the gateway answers, each handled by its family module.
pub(crate) const SERVER_METHODS: &[&str] = &[
    "zhima.customer.certification.material.certify",
    crate::zhima::INITIALIZE,
    crate::zhima::QUERY,
    crate::open_certify::INITIALIZE,
    crate::open_certify::QUERY,
    crate::face::INITIALIZE,
    crate::face::VERIFY,
    crate::face::QUERY,
    crate::face_source::METHOD,
];

/// Server methods whose fields are top-level form parameters (uploads, sent as
/// `multipart/form-data` with file parts), not `biz_content`.
pub(crate) const FORM_METHODS: &[&str] = &[crate::face_source::METHOD];

/// Page methods: a browser opens their signed GET URL and gets the certify page.
pub(crate) const PAGE_METHODS: &[&str] = &[crate::zhima::CERTIFY, crate::open_certify::CERTIFY];

/// Answers one admitted server call.
pub(crate) fn dispatch(gateway: &Gateway, method: &str, call: &MethodCall<'_>) -> NodeBody {
    // A file sent to a method that takes none would be dropped unseen.
    if let Some(file) = call.files.first()
        && !FORM_METHODS.contains(&method)
    {
        return invalid(
            &crate::multipart::shown_part_name(&file.name),
            "此接口不接受文件上传",
        );
    }
    match method {
        crate::face_source::METHOD => crate::face_source::certify(gateway, call),
        crate::zhima::INITIALIZE => crate::zhima::initialize(gateway, call),
        crate::zhima::QUERY => crate::zhima::query(gateway, call),
        crate::open_certify::INITIALIZE => crate::open_certify::initialize(gateway, call),
        crate::open_certify::QUERY => crate::open_certify::query(gateway, call),
        crate::face::INITIALIZE => crate::face::initialize(gateway, call),
        crate::face::VERIFY => crate::face::verify(gateway, call),
        crate::face::QUERY => crate::face::query(gateway, call),
        _ => crate::certify::handle(gateway, call),
    }
}

/// The business code of a parameter problem. Methods whose spec lists `[[error_code]]`
/// pass that enum's `INVALID_PARAMETER`; the others have no documented codes, and the
/// sandbox answers the same name the Zhima family documents.
pub(crate) const INVALID_PARAMETER: &str = "INVALID_PARAMETER";

/// `40004 <code>` with `参数[<field>]不是有效的入参: <why>`, the gateway's wording.
pub(crate) fn invalid_with(code: &str, field: &str, detail: Option<&str>) -> NodeBody {
    let mut msg = format!("参数[{field}]不是有效的入参");
    if let Some(d) = detail {
        msg.push_str(": ");
        msg.push_str(d);
    }
    NodeBody::error("40004", code, msg)
}

/// [`invalid_with`] for methods without documented business codes.
pub(crate) fn invalid(field: &str, detail: &str) -> NodeBody {
    invalid_with(INVALID_PARAMETER, field, Some(detail))
}

/// Parses and validates `biz_content` through the generated request type, so the
/// sandbox enforces exactly the rules the client enforces, from the same spec file. A
/// problem answers `code` naming the top-level field.
pub(crate) fn parse<R: FromJson + ApiMethod>(biz_content: &str, code: &str) -> Result<R, NodeBody> {
    let request = match R::from_json_str(biz_content) {
        Ok(r) => r,
        // The document itself (not JSON, not an object): the gateway names biz_content.
        Err(e) if e.path().is_empty() => {
            return Err(invalid_with(
                code,
                "biz_content",
                Some("不是有效的JSON对象"),
            ));
        }
        Err(e) => return Err(invalid_with(code, e.top_field(), Some(&e.to_string()))),
    };
    if let Err(e) = request.validate() {
        let detail = e.to_string();
        let field = e
            .field()
            .split('.')
            .next()
            .unwrap_or("biz_content")
            .to_owned();
        return Err(invalid_with(code, &field, Some(&detail)));
    }
    Ok(request)
}

/// An 18-character resident ID with a right check character, else `INVALID_PARAMETER`
/// naming `identity_param` (the problem, never the number).
pub(crate) fn check_identity_card(cert_no: &str) -> Result<(), NodeBody> {
    check_resident_id(cert_no)
        .map_err(|problem| invalid("identity_param", &format!("cert_no {}", problem.describe())))
}

/// A `return_url` the page may redirect to: absolute `http://` or `https://`. Anything
/// else (`javascript:`, a relative path) would make the sandbox an open redirector.
/// The longest name the sandbox keeps for a certification.
const MAX_CERT_NAME: usize = 64;
/// The longest return URL the sandbox keeps (the open-certify spec's limit).
const MAX_RETURN_URL: usize = 4096;

pub(crate) fn check_return_url(url: &str) -> Result<(), &'static str> {
    if url.len() > MAX_RETURN_URL {
        return Err("must be at most 4096 bytes");
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err("must start with http:// or https://");
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("must name a host");
    }
    if url.chars().any(|c| c.is_control() || c == ' ') {
        return Err("must not contain spaces or control characters");
    }
    Ok(())
}

/// An id that is the same for the same `(namespace, app, key)`: a repeated idempotency
/// key finds its certification again, even after the ledger forgot it.
pub(crate) fn derived_id(namespace: &str, app_id: &str, key: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{namespace}/{app_id}/{key}"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 128 random bits in hex: a page token nobody can guess.
pub(crate) fn random_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A map that keeps at most `capacity` entries and forgets the oldest-inserted one to
/// make room, so a flood of new keys cannot grow memory without limit.
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// The value under `key`, inserting `make()` first (and evicting the oldest entry
    /// when full) if there is none.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(&key) {
            while self.map.len() >= self.capacity {
                match self.order.pop_front() {
                    Some(old) => {
                        self.map.remove(&old);
                    }
                    None => break,
                }
            }
            self.order.push_back(key.clone());
        }
        self.map.entry(key).or_insert_with(make)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// Which flow a certification belongs to: an id is only found by its own family's
/// methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `zhima.customer.certification.*`: `biz_no`, `passed` `true`/`false`.
    Zhima,
    /// `alipay.user.certify.open.*`: `certify_id`, `passed` `T`/`F`.
    OpenCertify,
    /// `datadigital.fincloud.generalsaas.face.certify.*`: `certify_id`, `passed` `T`/`F`.
    Face,
}

/// The person's choice on the certify page, fixed once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) passed: bool,
    pub(crate) reason: String,
}

/// One certification, from initialize to the verdict.
pub(crate) struct Record {
    pub(crate) family: Family,
    pub(crate) app_id: String,
    pub(crate) cert_name: String,
    pub(crate) cert_no: String,
    /// `merchant_config.return_url` (open certify, face); the zhima page's comes with
    /// the page URL and is kept here when the page is served.
    pub(crate) return_url: Option<String>,
    pub(crate) created: SystemTime,
    pub(crate) verdict: Option<Verdict>,
    /// The token of the page last served: a choice must present it.
    pub(crate) page_token: Option<String>,
    /// Face: the ticket in the `certify_url` that `verify` answered.
    pub(crate) ticket: Option<String>,
}

/// What `query` reports for a record at a given time.
pub(crate) enum Status {
    Decided(Verdict),
    Pending,
    Expired,
}

/// Reasons shown for the states without a verdict.
pub(crate) const NOT_YET_CERTIFIED: &str = "认证未完成：用户尚未在认证页面完成认证";
pub(crate) const EXPIRED_UNCERTIFIED: &str = "认证已过期：用户未在有效期内完成认证";
/// The reason recorded when the person chooses *fail* on the page.
pub(crate) const FAILED_ON_PAGE: &str = "人脸比对不通过";

/// Every certification of a sandbox, bounded (oldest forgotten first).
pub(crate) struct Flows {
    records: Mutex<Bounded<String, Record>>,
    /// How long after initialize the page can be used.
    pub(crate) ttl: Duration,
}

impl Flows {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Flows {
        Flows {
            records: Mutex::new(Bounded::new(capacity)),
            ttl,
        }
    }

    /// The ledger. A poisoned lock still holds whole records (each update is one
    /// assignment), so it is used as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Bounded<String, Record>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `record` can no longer be certified at `now`.
    pub(crate) fn expired(&self, record: &Record, now: SystemTime) -> bool {
        now.duration_since(record.created)
            .is_ok_and(|age| age > self.ttl)
    }

    pub(crate) fn status(&self, record: &Record, now: SystemTime) -> Status {
        match &record.verdict {
            Some(v) => Status::Decided(v.clone()),
            None if self.expired(record, now) => Status::Expired,
            None => Status::Pending,
        }
    }
}

/// Looks up `id` for a query or page: unknown when absent, of another family or of
/// another app (an app cannot see another app's certifications).
pub(crate) fn find<'a>(
    ledger: &'a Bounded<String, Record>,
    family: Family,
    app_id: &str,
    id: &str,
) -> Option<&'a Record> {
    ledger
        .get(&id.to_owned())
        .filter(|r| r.family == family && r.app_id == app_id)
}

/// Creates (or, for a repeated idempotency key, finds) a certification and answers its
/// id under `id_field`.
pub(crate) fn start(
    gateway: &Gateway,
    id: String,
    make: impl FnOnce() -> Record,
    id_field: &'static str,
) -> NodeBody {
    let mut ledger = gateway.flows.lock();
    if ledger.get(&id).is_none() {
        let record = make();
        // The ledger bounds how many certifications it keeps; this bounds what each
        // keeps (the return URL is bounded by `check_return_url`).
        if record.cert_name.chars().count() > MAX_CERT_NAME {
            return invalid(
                "identity_param",
                &format!("cert_name 超过{MAX_CERT_NAME}个字符"),
            );
        }
        ledger.get_or_insert_with(id.clone(), || record);
    }
    NodeBody::success(vec![(id_field, id)])
}

/// What an initialize of the `T`/`F` families (open certify, face) hands over once
/// its identity checked out.
pub(crate) struct NewCertification<'a> {
    pub(crate) family: Family,
    /// The initialize method, which namespaces the derived id.
    pub(crate) method: &'static str,
    pub(crate) outer_order_no: &'a str,
    pub(crate) cert_name: &'a str,
    pub(crate) cert_no: &'a str,
    pub(crate) return_url: &'a str,
    pub(crate) face_contrast_picture: Option<&'a str>,
}

/// The rest of such an initialize: the return URL and the optional photo are checked,
/// and the certification is started under an id derived from the app and
/// `outer_order_no` (32 lower-case hex digits, the doc example's shape).
pub(crate) fn start_t_f(
    gateway: &Gateway,
    call: &MethodCall<'_>,
    new: NewCertification<'_>,
) -> NodeBody {
    if let Err(why) = check_return_url(new.return_url) {
        return invalid("merchant_config", &format!("return_url {why}"));
    }
    if let Some(photo) = new.face_contrast_picture
        && !crate::certify::is_jpeg_base64(photo)
    {
        return invalid("face_contrast_picture", "不是base64编码的JPEG图片");
    }
    let id = derived_id(new.method, call.app_id, new.outer_order_no)[..32].to_owned();
    let now = gateway.clock.now();
    start(
        gateway,
        id,
        || Record {
            family: new.family,
            app_id: call.app_id.to_owned(),
            cert_name: new.cert_name.to_owned(),
            cert_no: new.cert_no.to_owned(),
            return_url: Some(new.return_url.to_owned()),
            created: now,
            verdict: None,
            page_token: None,
            ticket: None,
        },
        "certify_id",
    )
}

/// An id the ledger does not know (never issued, of another family or app, or
/// forgotten to make room).
pub(crate) fn unknown_id(field: &str) -> NodeBody {
    invalid(
        field,
        &format!("{field}不存在：不是本应用初始化得到的，或已超出沙箱保留的认证数量被清理"),
    )
}

/// The query of the `T`/`F` families (open certify, face): `passed` and, when `F`, a
/// `fail_reason` saying why (not certified yet, expired, or failed on the page).
pub(crate) fn query_t_f(gateway: &Gateway, family: Family, app_id: &str, id: &str) -> NodeBody {
    let ledger = gateway.flows.lock();
    let Some(record) = find(&ledger, family, app_id, id) else {
        return unknown_id("certify_id");
    };
    let reason = match gateway.flows.status(record, gateway.clock.now()) {
        Status::Decided(v) if v.passed => None,
        Status::Decided(v) => Some(v.reason),
        Status::Pending => Some(NOT_YET_CERTIFIED.to_owned()),
        Status::Expired => Some(EXPIRED_UNCERTIFIED.to_owned()),
    };
    let mut fields = vec![(
        "passed",
        if reason.is_none() { "T" } else { "F" }.to_owned(),
    )];
    if let Some(reason) = reason {
        fields.push(("fail_reason", reason));
    }
    NodeBody::success(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_forgets_the_oldest_when_full() {
        let mut map = Bounded::new(2);
        map.get_or_insert_with("a", || 1);
        map.get_or_insert_with("b", || 2);
        // An existing key neither evicts nor replaces.
        assert_eq!(*map.get_or_insert_with("a", || 9), 1);
        map.get_or_insert_with("c", || 3);
        assert_eq!(map.len(), 2);
        assert!(map.get(&"a").is_none());
        assert_eq!((map.get(&"b"), map.get(&"c")), (Some(&2), Some(&3)));
    }

    #[test]
    fn return_urls_must_be_absolute_http() {
        for ok in ["https://m.example/back?x=1", "HTTP://localhost:8080/"] {
            assert!(check_return_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "https://",
            "http:///path",
            "https://a b",
            "ftp://x",
            "",
        ] {
            assert!(check_return_url(bad).is_err(), "{bad}");
        }
    }
}
