//! The typed round trip behind [`MethodInfo::check_biz_content`](crate::MethodInfo).

use alipay_protocol::ApiMethod;
use alipay_protocol::decode::FromJson;
use serde_json::{Map, Value};

use crate::BizContentError;

/// Decodes `biz_content` JSON into the typed request `R`, validates it against the spec
/// and returns the `biz_content` the typed request would send; keys the spec does not
/// define are an error rather than silently left out.
pub fn check_biz_content<R: ApiMethod + FromJson>(json: &str) -> Result<String, BizContentError> {
    let request = R::from_json_str(json).map_err(BizContentError::Decode)?;
    let out = request.to_biz_content()?;
    // Both texts are JSON at this point (`json` decoded above, as strictly as a `Value`
    // parse, and `out` was just written); were either not, no unknown key could be
    // found in it, so that is an error rather than an empty list.
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| {
            BizContentError::Decode(alipay_protocol::DecodeError::new(
                "",
                alipay_protocol::DecodeErrorKind::Syntax {
                    reason: format!("at line {} column {}", e.line(), e.column()),
                },
            ))
        })
    };
    let given = parse(json)?;
    let sent = parse(&out)?;
    let mut unknown = Vec::new();
    dropped_keys(&given, &sent, "", &mut unknown);
    if !unknown.is_empty() {
        return Err(BizContentError::UnknownFields {
            method: R::METHOD,
            fields: unknown,
        });
    }
    Ok(out)
}

/// An object, or a JSON string holding one (how nested objects travel).
fn as_object(v: &Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m.clone()),
        Value::String(s) => match serde_json::from_str(s) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

/// Keys of `given` (recursing into nested objects, including ones carried as JSON
/// strings) that `sent` does not have. Empty values are skipped: the gateway treats
/// them as absent anyway.
fn dropped_keys(given: &Value, sent: &Value, path: &str, out: &mut Vec<String>) {
    let (Some(given), Some(sent)) = (as_object(given), as_object(sent)) else {
        return;
    };
    for (key, value) in &given {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let empty = value.is_null() || value.as_str() == Some("");
        match sent.get(key) {
            None if !empty => out.push(here),
            None => {}
            Some(inner) => dropped_keys(value, inner, &here, out),
        }
    }
}
