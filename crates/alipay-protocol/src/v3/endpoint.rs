//! A spec's v3 endpoint applied to a typed request: which fields go into the path, the
//! query string or the JSON body.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::ValidationError;

/// An OpenAPI v3 endpoint of a method (its spec's `[v3]`), e.g.
/// `POST /v3/alipay/user/certify/open/initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct V3Endpoint {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub http_method: &'static str,
    /// The path template; `{field}` stands for a request field.
    pub path: &'static str,
}

/// Where a typed request's fields travel over v3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Target {
    /// The path with its placeholders filled, and for `GET`/`DELETE` the other fields
    /// as a query string: exactly what is signed and sent.
    pub path_and_query: String,
    /// The JSON body (`POST`/`PUT`/`PATCH`): the fields not in the path, in the
    /// request's order. `None` when no field is left for it.
    pub body: Option<String>,
}

/// Characters a path segment keeps as they are (RFC 3986 unreserved).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl V3Endpoint {
    /// Splits the validated `biz_content` JSON of a request over the endpoint: a
    /// `{field}` of the path takes the field's value (percent-encoded, so a value
    /// cannot add a path segment or a query), the rest goes to the query string
    /// (`GET`, `DELETE`) or the body. A placeholder whose field is absent or not a
    /// string or number is an error naming it.
    pub fn target(&self, biz_content: &str) -> Result<V3Target, ValidationError> {
        let invalid = |reason: &str| ValidationError::Invalid {
            field: "biz_content".into(),
            reason: reason.into(),
        };
        // Readers would disagree on which of two values of a key counts.
        if crate::response::repeats_a_key(biz_content) {
            return Err(invalid("repeats a key"));
        }
        let mut entries = serde_json::Deserializer::from_str(biz_content)
            .deserialize_map(EntriesVisitor(PhantomData))
            .map_err(|_| invalid("not a JSON object"))?;
        let mut path = String::with_capacity(self.path.len());
        let mut rest = self.path;
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| invalid("the v3 path template has an unclosed `{`"))?;
            path.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            let at = entries.iter().position(|(k, _)| k == name).ok_or_else(|| {
                ValidationError::Missing {
                    field: name.to_owned(),
                }
            })?;
            let (_, raw) = entries.remove(at);
            let text = scalar_text(raw).ok_or_else(|| ValidationError::Invalid {
                field: name.to_owned(),
                reason: "a v3 path parameter must be a string or a number".into(),
            })?;
            if text.is_empty() {
                return Err(ValidationError::Missing {
                    field: name.to_owned(),
                });
            }
            // `.` and `..` would be resolved as path steps by URL normalisation, so the
            // request would reach another path than the one signed.
            if text == "." || text == ".." {
                return Err(ValidationError::Invalid {
                    field: name.to_owned(),
                    reason: "a v3 path parameter cannot be `.` or `..`".into(),
                });
            }
            path.extend(percent_encoding::utf8_percent_encode(&text, SEGMENT));
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        let in_query = matches!(self.http_method, "GET" | "DELETE");
        if in_query {
            if !entries.is_empty() {
                // The gateway's form encoding (as the official SDKs write a query).
                for (i, (k, raw)) in entries.iter().enumerate() {
                    let text = scalar_text(raw).unwrap_or_else(|| raw.get().to_owned());
                    path.push(if i == 0 { '?' } else { '&' });
                    crate::form::encode_into(&mut path, k.as_bytes());
                    path.push('=');
                    crate::form::encode_into(&mut path, text.as_bytes());
                }
            }
            return Ok(V3Target {
                path_and_query: path,
                body: None,
            });
        }
        let body = if entries.is_empty() {
            None
        } else if path.len() == self.path.len() && !self.path.contains('{') {
            // Nothing moved to the path: the body is the request's JSON as it was.
            Some(biz_content.to_owned())
        } else {
            let mut body = String::with_capacity(biz_content.len());
            body.push('{');
            for (i, (k, raw)) in entries.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&serde_json::to_string(k).map_err(|_| invalid("bad key"))?);
                body.push(':');
                body.push_str(raw.get());
            }
            body.push('}');
            Some(body)
        };
        Ok(V3Target {
            path_and_query: path,
            body,
        })
    }
}

/// A string's text, or a number's/boolean's JSON text; `None` for objects, arrays, null.
fn scalar_text(raw: &RawValue) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(raw.get().to_owned()),
        _ => None,
    }
}

/// The top-level entries of a JSON object in document order, values unparsed.
struct EntriesVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for EntriesVisitor<'a> {
    type Value = Vec<(String, &'a RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            out.push(entry);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: V3Endpoint = V3Endpoint {
        http_method: "POST",
        path: "/v3/alipay/user/certify/open/initialize",
    };
    const GET: V3Endpoint = V3Endpoint {
        http_method: "GET",
        path: "/v3/alipay/user/certify/open/query",
    };

    #[test]
    fn post_sends_the_request_json_as_it_is() {
        let biz = r#"{"outer_order_no":"A1","identity_param":{"cert_name":"张三"}}"#;
        let t = POST.target(biz).unwrap();
        assert_eq!(t.path_and_query, POST.path);
        assert_eq!(t.body.as_deref(), Some(biz));
    }

    #[test]
    fn get_puts_fields_in_the_query_in_order() {
        let t = GET
            .target(r#"{"certify_id":"2109b5e6","b":"x y&z","n":3}"#)
            .unwrap();
        assert_eq!(
            t.path_and_query,
            "/v3/alipay/user/certify/open/query?certify_id=2109b5e6&b=x+y%26z&n=3"
        );
        assert_eq!(t.body, None);
        assert_eq!(GET.target("{}").unwrap().path_and_query, GET.path);
    }

    #[test]
    fn path_parameters_are_encoded_and_leave_the_body() {
        let e = V3Endpoint {
            http_method: "PATCH",
            path: "/v3/demo/{id}/items",
        };
        let t = e.target(r#"{"name":"n","id":"a/../b?c"}"#).unwrap();
        assert_eq!(t.path_and_query, "/v3/demo/a%2F..%2Fb%3Fc/items");
        assert_eq!(t.body.as_deref(), Some(r#"{"name":"n"}"#));
        assert!(matches!(
            e.target(r#"{"name":"n"}"#),
            Err(ValidationError::Missing { field }) if field == "id"
        ));
        for dots in ["..", "."] {
            assert!(matches!(
                e.target(&format!(r#"{{"id":"{dots}"}}"#)),
                Err(ValidationError::Invalid { field, .. }) if field == "id"
            ));
        }
        assert!(
            e.target(r#"{"id":"a","id":"b"}"#).is_err(),
            "a repeated key"
        );
        assert!(matches!(
            e.target(r#"{"id":{"x":1}}"#),
            Err(ValidationError::Invalid { field, .. }) if field == "id"
        ));
    }
}
