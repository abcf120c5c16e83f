//! Every method with a spec, driven by its spec file: a request made of the spec's
//! examples is accepted; each length limit holds at the limit and fails one past it,
//! naming the field path and the limit; `Debug` masks every sensitive field; and the
//! signed envelope under a fixed clock and key is snapshotted. A new spec is covered by
//! these tests without an edit here (except for the masking list, which a test keeps
//! complete).

use std::path::{Path, PathBuf};

use alipay_api::{BizContentError, METHODS, ValidationError};
use alipay_codegen::ir::{Field, FieldType, Method, Placement};
use serde_json::{Map, Value, json};

fn specs() -> Vec<(PathBuf, Method)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api-specs");
    let mut out: Vec<(PathBuf, Method)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let m = alipay_codegen::load(p.as_path()).unwrap_or_else(|d| panic!("{d}"));
            (p, m)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 10, "the family's specs are missing");
    out
}

/// A valid value for a text field: its example when the example obeys the field's
/// rules, otherwise a short value that does.
fn text_value(f: &Field) -> String {
    if let Some(k) = &f.known {
        return k.values[0].0.clone();
    }
    match &f.ty {
        FieldType::Price => return "88.88".into(),
        FieldType::Date => return "2026-11-30 12:00:00".into(),
        _ => {}
    }
    let fits = |s: &str| {
        !s.is_empty()
            && f.max_length.is_none_or(|l| s.encode_utf16().count() <= l)
            && (!f.base64
                || s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)))
            && f.charset
                .as_ref()
                .is_none_or(|_| s.bytes().all(|b| b.is_ascii_alphanumeric()))
    };
    match &f.example {
        Some(e) if fits(e) && !f.json_string => e.clone(),
        _ => "A1".into(),
    }
}

/// The JSON value of one field as the gateway takes it in biz_content.
fn value_of(f: &Field, method: &Method) -> Value {
    let elem = |ty: &FieldType| -> Value {
        match ty {
            FieldType::Bool => json!(true),
            FieldType::BoolString => json!("true"),
            FieldType::Integer => json!(1),
            FieldType::Number => json!(1.5),
            FieldType::JsonObject => json!({}),
            FieldType::Object(name) => {
                let o = method.objects.iter().find(|o| &o.name == name).unwrap();
                Value::Object(object_of(&o.fields, method))
            }
            _ => json!(text_value(f)),
        }
    };
    let v = match &f.ty {
        FieldType::Array(inner) => json!([elem(inner)]),
        ty => elem(ty),
    };
    if f.json_string {
        json!(v.to_string())
    } else {
        v
    }
}

fn object_of(fields: &[Field], method: &Method) -> Map<String, Value> {
    fields
        .iter()
        .filter(|f| f.ty != FieldType::File)
        .map(|f| (f.wire_name.clone(), value_of(f, method)))
        .collect()
}

fn check(name: &str, biz: &Map<String, Value>) -> Result<String, BizContentError> {
    let info = alipay_api::method(name).unwrap_or_else(|| panic!("{name} is not in METHODS"));
    (info.check_biz_content)(&Value::Object(biz.clone()).to_string())
}

/// Every text field with a limit, with its path.
fn limited(method: &Method) -> Vec<(Vec<&str>, &Field)> {
    let mut out = Vec::new();
    for f in &method.request {
        if f.max_length.is_some() && f.ty.is_text() && f.known.is_none() {
            out.push((vec![f.wire_name.as_str()], f));
        }
        if let FieldType::Object(name) = &f.ty {
            let o = method.objects.iter().find(|o| &o.name == name).unwrap();
            for g in &o.fields {
                if g.max_length.is_some() && g.ty.is_text() && g.known.is_none() {
                    out.push((vec![f.wire_name.as_str(), g.wire_name.as_str()], g));
                }
            }
        }
    }
    out
}

/// Sets the value at `path` (through JSON-string objects too).
fn set_at(biz: &mut Map<String, Value>, path: &[&str], value: Value) {
    if let [last] = path {
        biz.insert((*last).to_owned(), value);
        return;
    }
    let slot = biz.get_mut(path[0]).unwrap();
    match slot {
        Value::Object(inner) => set_at(inner, &path[1..], value),
        Value::String(s) => {
            let mut inner: Map<String, Value> = serde_json::from_str(s).unwrap();
            set_at(&mut inner, &path[1..], value);
            *slot = json!(Value::Object(inner).to_string());
        }
        other => panic!("{other:?}"),
    }
}

/// Objects carried as JSON strings, opened up, so key order inside them does not matter.
fn normalized(v: Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('{') => {
            normalized(serde_json::from_str(&s).unwrap_or(Value::String(s)))
        }
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalized(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalized).collect()),
        other => other,
    }
}

#[test]
fn every_method_has_a_spec_and_accepts_its_examples() {
    for (path, method) in specs() {
        assert!(
            METHODS.iter().any(|m| m.name == method.name),
            "{}: not generated; run `cargo xtask codegen`",
            path.display()
        );
        if method.parameters == Placement::Form {
            continue;
        }
        let biz = object_of(&method.request, &method);
        let sent = check(&method.name, &biz).unwrap_or_else(|e| panic!("{}: {e:?}", method.name));
        // What is sent is what was given, key for key (nothing dropped).
        let sent: Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(
            normalized(sent),
            normalized(Value::Object(biz)),
            "{}",
            method.name
        );
    }
}

#[test]
fn every_limit_holds_at_the_limit_and_fails_one_past_it() {
    let mut checked = 0;
    for (_, method) in specs() {
        if method.parameters == Placement::Form {
            continue;
        }
        for (path, field) in limited(&method) {
            let limit = field.max_length.unwrap();
            let fill = if field.base64 { 'Q' } else { 'a' };
            let at_limit: String = std::iter::repeat_n(fill, limit).collect();
            let mut biz = object_of(&method.request, &method);
            set_at(&mut biz, &path, json!(at_limit));
            let dotted = path.join(".");
            check(&method.name, &biz)
                .unwrap_or_else(|e| panic!("{} {dotted} at its limit: {e:?}", method.name));
            let mut over = at_limit.clone();
            over.push(fill);
            set_at(&mut biz, &path, json!(over));
            match check(&method.name, &biz) {
                Err(BizContentError::Invalid(ValidationError::TooLong {
                    field: f,
                    limit: l,
                    actual,
                    ..
                })) => {
                    assert_eq!((f.as_str(), l, actual), (dotted.as_str(), limit, limit + 1));
                }
                other => panic!("{} {dotted} one past its limit: {other:?}", method.name),
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} limits checked");
}

/// The masking of each generated request type, keyed by method: a new method must be
/// added here (the test below fails until it is).
fn debug_of(name: &str, biz: &str) -> Option<String> {
    use alipay_api::*;
    fn show<R: FromJson + std::fmt::Debug>(biz: &str) -> String {
        format!("{:?}", R::from_json_str(biz).unwrap())
    }
    Some(match name {
        "zhima.customer.certification.material.certify" => {
            show::<ZhimaCustomerCertificationMaterialCertifyRequest>(biz)
        }
        "zhima.customer.certification.initialize" => {
            show::<ZhimaCustomerCertificationInitializeRequest>(biz)
        }
        "zhima.customer.certification.certify" => {
            show::<ZhimaCustomerCertificationCertifyRequest>(biz)
        }
        "zhima.customer.certification.query" => show::<ZhimaCustomerCertificationQueryRequest>(biz),
        "alipay.user.certify.open.initialize" => {
            show::<AlipayUserCertifyOpenInitializeRequest>(biz)
        }
        "alipay.user.certify.open.certify" => show::<AlipayUserCertifyOpenCertifyRequest>(biz),
        "alipay.user.certify.open.query" => show::<AlipayUserCertifyOpenQueryRequest>(biz),
        "datadigital.fincloud.generalsaas.face.certify.initialize" => {
            show::<DatadigitalFincloudGeneralsaasFaceCertifyInitializeRequest>(biz)
        }
        "datadigital.fincloud.generalsaas.face.certify.verify" => {
            show::<DatadigitalFincloudGeneralsaasFaceCertifyVerifyRequest>(biz)
        }
        "datadigital.fincloud.generalsaas.face.certify.query" => {
            show::<DatadigitalFincloudGeneralsaasFaceCertifyQueryRequest>(biz)
        }
        _ => return None,
    })
}

#[test]
fn debug_masks_every_sensitive_field() {
    const SECRET_NAME: &str = "欧阳娜娜";
    const SECRET_ID: &str = "110101199003074316";
    const SECRET_TEXT: &str = "QUJDREVGR0hJSktMTU5PUA";
    let mut masked = 0;
    for (_, method) in specs() {
        if method.parameters == Placement::Form {
            continue;
        }
        let mut biz = object_of(&method.request, &method);
        let mut secrets = Vec::new();
        let mut visit = |path: Vec<&str>, f: &Field| {
            if let Some(mask) = f.sensitive {
                let v = match mask {
                    alipay_codegen::ir::Mask::Name => SECRET_NAME,
                    alipay_codegen::ir::Mask::IdNumber => SECRET_ID,
                    _ => SECRET_TEXT,
                };
                set_at(&mut biz, &path, json!(v));
                secrets.push(v);
            }
        };
        for f in &method.request {
            visit(vec![&f.wire_name], f);
            if let FieldType::Object(name) = &f.ty {
                let o = method.objects.iter().find(|o| &o.name == name).unwrap();
                for g in &o.fields {
                    visit(vec![&f.wire_name, &g.wire_name], g);
                }
            }
        }
        let text = Value::Object(biz).to_string();
        let debug = debug_of(&method.name, &text)
            .unwrap_or_else(|| panic!("add {} to debug_of", method.name));
        for s in secrets {
            assert!(!debug.contains(s), "{}: {s} in {debug}", method.name);
            masked += 1;
        }
    }
    assert!(masked >= 12, "only {masked} sensitive fields seen");
}

#[test]
fn envelopes_under_a_fixed_clock_and_key() {
    use alipay_api::protocol::{AppPrivateKey, Call, CommonParams, SignedRequest, Timestamp};
    let key = AppPrivateKey::parse(include_str!("data/app_private_pkcs1.pem")).unwrap();
    let common = CommonParams::new("2021000000000001");
    for (_, method) in specs() {
        if method.parameters == Placement::Form {
            continue;
        }
        let biz = check(&method.name, &object_of(&method.request, &method)).unwrap();
        let call = Call {
            method: &method.name,
            biz_content: Some(&biz),
            timestamp: Timestamp::parse_beijing("2026-11-30 12:00:00").unwrap(),
            app_auth_token: None,
        };
        let signed = SignedRequest::new(&common, &call, &key).unwrap();
        insta::assert_snapshot!(
            method.name.replace('.', "_"),
            format!(
                "{}\n\nPOST {}\ncontent-type: {}\n\n{}\n",
                signed.sign_content(),
                signed.url("https://openapi.alipay.com/gateway.do"),
                signed.content_type(),
                signed.body()
            )
        );
    }
}
