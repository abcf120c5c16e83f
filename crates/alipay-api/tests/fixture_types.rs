//! The field types real doc pages use (number, price, date, arrays, objects carried as
//! JSON objects), business error codes and the app-order call style, through the macro
//! on a fixture spec the crate does not ship.

mod demo {
    alipay_api::alipay_api!("../alipay-codegen/tests/fixtures/ok/demo.order.create.toml");
}

use alipay_api::{ApiMethod, CallStyle, FromJson, ValidationError};
use demo::{
    DemoOrderCreateErrorCode, DemoOrderCreateRequest, DemoOrderCreateRequestBuilder, ExtendParams,
    GoodsDetail,
};

fn goods(id: &str, price: &str) -> GoodsDetail {
    GoodsDetail::builder()
        .goods_id(id)
        .price(price)
        .quantity(2)
        .build()
        .unwrap()
}

fn order() -> DemoOrderCreateRequestBuilder {
    DemoOrderCreateRequest::builder()
        .out_trade_no("T1")
        .total_amount("88.80")
}

#[test]
fn new_types_serialise_as_the_gateway_takes_them() {
    assert_eq!(DemoOrderCreateRequest::CALL_STYLE, CallStyle::AppOrder);
    let r = order()
        .weight(1.5)
        .time_expire("2026-11-30 12:00:00")
        .tags(["a".to_owned(), "bb".to_owned()])
        .goods_detail([goods("g1", "1.00"), goods("g2", "3")])
        .extend_params(
            ExtendParams::builder()
                .sys_service_provider_id("2088")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(
        r.to_biz_content().unwrap(),
        r#"{"out_trade_no":"T1","total_amount":"88.80","weight":1.5,"time_expire":"2026-11-30 12:00:00","tags":["a","bb"],"goods_detail":[{"goods_id":"g1","price":"1.00","quantity":2},{"goods_id":"g2","price":"3","quantity":2}],"extend_params":{"sys_service_provider_id":"2088"}}"#
    );
    // Decoding takes back what was sent, and also the lenient forms the gateway writes.
    let back = DemoOrderCreateRequest::from_json_str(&r.to_biz_content().unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.tags(), Some(&["a".to_owned(), "bb".to_owned()][..]));
    assert_eq!(back.goods_detail().unwrap()[1].price(), "3");
    assert_eq!(back.weight(), Some(1.5));
    let lenient = DemoOrderCreateRequest::from_json_str(
        r#"{"out_trade_no":"T1","total_amount":"1","weight":"2.5","tags":"[\"x\"]"}"#,
    )
    .unwrap();
    assert_eq!(lenient.weight(), Some(2.5));
    assert_eq!(lenient.tags(), Some(&["x".to_owned()][..]));
}

#[test]
fn rules_of_the_new_types_name_the_field_and_the_limit() {
    let pattern = |r: Result<DemoOrderCreateRequest, ValidationError>| match r {
        Err(ValidationError::Pattern { field, rule }) => (field, rule),
        other => panic!("expected a pattern error, got {other:?}"),
    };
    for bad in ["8.888", "-1", "1,00", ".5", "5.", "１", "1e3"] {
        let (field, rule) = pattern(order().total_amount(bad).build());
        assert_eq!(field, "total_amount", "{bad:?}");
        assert!(rule.contains("decimal"), "{rule}");
    }
    assert!(matches!(
        order().total_amount("").build(),
        Err(ValidationError::Missing { field }) if field == "total_amount"
    ));
    let (field, rule) = pattern(order().time_expire("2026/11/30").build());
    assert_eq!(field, "time_expire");
    assert!(rule.contains("yyyy-MM-dd"), "{rule}");
    assert!(order().time_expire("2026-11-30").build().is_ok());
    let (field, _) = pattern(order().weight(f64::NAN).build());
    assert_eq!(field, "weight");
    // Each element of a list is held to the limit, named by its index.
    match order()
        .tags(["abcd".to_owned(), "abcde".to_owned()])
        .build()
    {
        Err(ValidationError::TooLong {
            field,
            limit,
            actual,
            ..
        }) => {
            assert_eq!((field.as_str(), limit, actual), ("tags[1]", 4, 5));
        }
        other => panic!("{other:?}"),
    }
    // Objects in a list are checked with their index in the path.
    let long_id = GoodsDetail::builder()
        .goods_id("123456789")
        .price("1")
        .quantity(1)
        .build();
    assert!(matches!(long_id, Err(ValidationError::TooLong { .. })));
    let decoded = DemoOrderCreateRequest::from_json_str(
        r#"{"out_trade_no":"T1","total_amount":"1","goods_detail":[{"goods_id":"g","price":"1","quantity":1},{"goods_id":"123456789","price":"1","quantity":1}]}"#,
    )
    .unwrap();
    match decoded.validate() {
        Err(ValidationError::TooLong { field, .. }) => {
            assert_eq!(field, "goods_detail[1].goods_id")
        }
        other => panic!("{other:?}"),
    }
    // A decode error inside a list names the element.
    let e = DemoOrderCreateRequest::from_json_str(
        r#"{"out_trade_no":"T1","total_amount":"1","goods_detail":[{"goods_id":"g","price":"1","quantity":"x"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.path(), "goods_detail[0].quantity");
}

#[test]
fn business_error_codes_are_an_open_enum_with_the_page_text() {
    let codes = DemoOrderCreateRequest::ERROR_CODES;
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0].code, "SYSTEM_ERROR");
    assert!(codes[0].retryable);
    assert_eq!(codes[1].code, "ACQ.TRADE_HAS_SUCCESS");
    assert!(!codes[1].retryable);
    assert_eq!(codes[1].solution, "确认交易状态");
    assert_eq!(
        DemoOrderCreateErrorCode::from("ACQ.TRADE_HAS_SUCCESS"),
        DemoOrderCreateErrorCode::AcqTradeHasSuccess
    );
    assert_eq!(
        DemoOrderCreateErrorCode::from("NEW_CODE"),
        DemoOrderCreateErrorCode::Other("NEW_CODE".into())
    );
    assert_eq!(
        DemoOrderCreateErrorCode::SystemError.as_str(),
        "SYSTEM_ERROR"
    );
}
