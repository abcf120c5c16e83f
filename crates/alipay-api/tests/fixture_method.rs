//! A spec the crate does not ship (the codegen test fixture) compiles through the macro
//! with no Rust edits, and its types behave like the certify ones.

mod demo {
    alipay_api::alipay_api!("../alipay-codegen/tests/fixtures/ok/demo.widget.create.toml");
}

use alipay_api::{ApiMethod, CallStyle, LengthUnit, ValidationError};
use demo::{DemoWidgetCreateRequest, DemoWidgetCreateResponse, Owner, Tier, WidgetState};

fn builder() -> demo::DemoWidgetCreateRequestBuilder {
    DemoWidgetCreateRequest::builder()
        .out_biz_no("2024-1")
        .owner(Owner::vip_named("abcd"))
}

#[test]
fn every_field_type_works() {
    assert_eq!(DemoWidgetCreateRequest::CALL_STYLE, CallStyle::PageRedirect);
    let mut extra = serde_json::Map::new();
    extra.insert("a".into(), 1.into());
    let r = builder()
        .count(12)
        .urgent(true)
        .extra(extra)
        .build()
        .unwrap();
    assert_eq!(
        r.to_biz_content().unwrap(),
        r#"{"outBizNo":"2024-1","count":12,"urgent":true,"extra":"{\"a\":1}","owner":"{\"nick\":\"abcd\",\"vip\":\"true\"}"}"#
    );
    let back: DemoWidgetCreateRequest = serde_json::from_str(&r.to_biz_content().unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(r.count(), Some(12));
    assert!(r.owner().vip());
}

#[test]
fn units_patterns_and_masks_follow_the_spec() {
    // bytes: "2024-1é" is 8 bytes, the limit.
    assert!(builder().out_biz_no("2024-111").build().is_ok());
    let err = builder().out_biz_no("2024-1111").build().unwrap_err();
    assert!(
        matches!(
            err,
            ValidationError::TooLong {
                unit: LengthUnit::Bytes,
                actual: 9,
                limit: 8,
                ..
            }
        ),
        "{err:?}"
    );
    let err = builder().out_biz_no("2024_1").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `outBizNo` does not match its pattern: only the characters 0-9 and '-' are allowed"
    );
    // chars: 4 non-BMP characters are 4 chars (8 UTF-16 units), within the limit of 4.
    assert!(
        builder()
            .owner(Owner::vip_named("😀😀😀😀"))
            .build()
            .is_ok()
    );
    let err = builder()
        .owner(Owner::vip_named("😀😀😀😀😀"))
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "owner.nick");
    // integer limit counts its decimal digits.
    assert_eq!(builder().count(1000).build().unwrap_err().field(), "count");
    let owner = Owner::builder()
        .nick("bob")
        .vip(false)
        .avatar_from_bytes([1u8, 2, 3])
        .build()
        .unwrap();
    let debug = format!("{owner:?}");
    assert_eq!(
        debug,
        r#"Owner { nick: "<redacted>", vip: false, avatar: Some("<redacted 4 chars>"), tier: None }"#
    );
    // A sensitive field with known values is an open enum, masked all the same.
    let owner = Owner::builder()
        .nick("bob")
        .vip(true)
        .tier(Tier::Other("PLATINUM".into()))
        .build()
        .unwrap();
    let debug = format!("{owner:?}");
    assert!(debug.contains(r#"tier: Some("P*******")"#), "{debug}");
    assert!(!debug.contains("PLATINUM"), "{debug}");
}

#[test]
fn response_enum_with_custom_names() {
    let r: DemoWidgetCreateResponse =
        serde_json::from_str(r#"{"ok":"false","state":"done-ish"}"#).unwrap();
    assert_eq!(r.ok, Some(false));
    assert_eq!(r.state, Some(WidgetState::DoneIsh));
    let r: DemoWidgetCreateResponse = serde_json::from_str(r#"{"state":"LATER"}"#).unwrap();
    assert_eq!(r.state, Some(WidgetState::Other("LATER".into())));
}
