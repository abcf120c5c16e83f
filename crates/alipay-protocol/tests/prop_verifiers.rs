//! Bounded property tests with the fuzz targets' invariants (see `oracle/mod.rs` and
//! FUZZING.md): the same oracle, a few hundred cases each, so `cargo test` keeps
//! checking what the fuzzer checks.

mod oracle;

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // A finding belongs in fuzz/regressions (replayed by fuzz_regressions.rs), not in
        // a proptest-regressions file next to the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn response_case() -> impl Strategy<Value = oracle::ResponseCase> {
    prop::collection::vec(any::<u8>(), 16..512).prop_filter_map("undecodable", |bytes| {
        oracle::ResponseCase::arbitrary(&mut Unstructured::new(&bytes)).ok()
    })
}

fn notify_case() -> impl Strategy<Value = oracle::NotifyCase> {
    prop::collection::vec(any::<u8>(), 16..512).prop_filter_map("undecodable", |bytes| {
        oracle::NotifyCase::arbitrary(&mut Unstructured::new(&bytes)).ok()
    })
}

proptest! {
    #![proptest_config(config())]

    /// A verified response hands out exactly the signed node's fields, whatever was done
    /// to the body (`\/` doubled, duplicate keys, reordering, truncation, ...).
    #[test]
    fn verified_response_is_the_signed_node(case in response_case()) {
        if let Some((scenario, untouched)) = case.scenario() {
            oracle::check_response(&scenario, untouched);
        }
    }

    /// The same, aimed at the `\/` fallback: a genuine node with slashes, every `\/`
    /// doubled or removed, signed either with `\/` or with plain `/`.
    #[test]
    fn slash_fallback_hands_out_what_verified(
        mut case in response_case(),
        double in any::<bool>(),
        plain_signed in any::<bool>(),
    ) {
        case.fields.push((
            oracle::Text(vec![oracle::Piece::Word(0)]),
            oracle::Text(vec![oracle::Piece::Word(6)]),
        ));
        case.escape_slash = true;
        case.signed_with_plain_slash = plain_signed;
        case.node_mutations.clear();
        case.body_mutations = if double {
            vec![oracle::ByteMutation::DoubleEscapeSlashes]
        } else {
            Vec::new()
        };
        if let Some((scenario, untouched)) = case.scenario() {
            oracle::check_response(&scenario, untouched);
        }
    }

    /// A verified notification presents only signed genuine parameters with their
    /// genuine values, and all of them.
    #[test]
    fn verified_notification_is_the_signed_set(case in notify_case()) {
        if let Some((scenario, untouched)) = case.scenario() {
            oracle::check_notify(&scenario, untouched);
        }
    }

    /// Arbitrary bytes never panic either verifier.
    #[test]
    fn arbitrary_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        oracle::response_raw(&bytes);
        let mut notify = vec![0u8];
        notify.extend_from_slice(&bytes);
        oracle::notify_case(&notify);
    }

    /// Key parsing never panics and its errors never quote the input.
    #[test]
    fn key_parse_never_quotes_key_material(text in key_like_text()) {
        oracle::key_case(text.as_bytes());
    }
}

/// Text shaped like keys as users paste them: PEM armour (sometimes broken), base64
/// runs, literal `\n` escapes, quotes.
fn key_like_text() -> impl Strategy<Value = String> {
    let base64 = "[A-Za-z0-9+/]{0,200}={0,2}";
    let label = prop_oneof![
        Just("PRIVATE KEY"),
        Just("RSA PRIVATE KEY"),
        Just("PUBLIC KEY"),
        Just("CERTIFICATE"),
        Just("ENCRYPTED PRIVATE KEY"),
    ];
    let close = prop_oneof![Just("-----"), Just(""), Just("--"), Just("-----\n")];
    let sep = prop_oneof![Just("\n"), Just("\\n"), Just("\r\n"), Just(""), Just(" ")];
    (
        any::<bool>(),
        label,
        close,
        sep,
        prop::collection::vec(base64, 1..6),
        any::<bool>(),
    )
        .prop_map(|(armoured, label, close, sep, chunks, quoted)| {
            let body = chunks.join(sep);
            let text = if armoured {
                format!("-----BEGIN {label}{close}{sep}{body}{sep}-----END {label}-----")
            } else {
                body
            };
            if quoted { format!("\"{text}\"") } else { text }
        })
}

/// The quoting check itself: 41 characters of the input are a quote, 40 are not, and
/// whitespace or literal `\n` inside the input does not hide one.
#[test]
fn quote_detector_finds_41_characters_not_40() {
    let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    let input = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\\n{}\n",
        &key[..30],
        &key[30..]
    );
    let msg = |quote: &str| format!("the key could not be read: `{quote}` is not base64");
    assert!(oracle::quoted_input(&msg(&key[..41]), input.as_bytes()).is_some());
    assert!(oracle::quoted_input(&msg(&key[..40]), input.as_bytes()).is_none());
    assert!(oracle::quoted_input(&msg(&key[5..46]), key.as_bytes()).is_some());
}

/// The invariants are not vacuous: over a fixed pseudo-random sample, genuine bodies
/// verify (through the `\/` fallback too) and so do some mutated ones.
#[test]
fn the_oracle_reaches_verified_results() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut genuine, mut fallback, mut mutated, mut notified) = (0, 0, 0, 0);
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..256).map(|_| next() as u8).collect();
        if let Ok(case) = oracle::ResponseCase::arbitrary(&mut Unstructured::new(&bytes))
            && let Some((scenario, untouched)) = case.scenario()
        {
            match oracle::check_response(&scenario, untouched) {
                Some(alipay_protocol::Outcome::VerifiedWithSlashFallback) => fallback += 1,
                Some(_) if untouched => genuine += 1,
                Some(_) => mutated += 1,
                None => {}
            }
        }
        if let Ok(case) = oracle::NotifyCase::arbitrary(&mut Unstructured::new(&bytes))
            && let Some((scenario, untouched)) = case.scenario()
            && oracle::check_notify(&scenario, untouched)
            && !untouched
        {
            notified += 1;
        }
    }
    println!(
        "verified: {genuine} genuine, {fallback} via fallback, {mutated} mutated; {notified} mutated notifications"
    );
    assert!(genuine > 0 && fallback > 0 && mutated > 0 && notified > 0);
}

proptest! {
    /// The table-driven form encoder writes exactly what `form_urlencoded` writes, for
    /// any bytes (GBK and invalid UTF-8 included), appended to what is already there.
    #[test]
    fn form_encoder_matches_form_urlencoded(
        prefix in "[a-z=&]{0,8}",
        input in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut ours = prefix.clone();
        alipay_protocol::form::encode_into(&mut ours, &input);
        let theirs: String = form_urlencoded::byte_serialize(&input).collect();
        prop_assert_eq!(alipay_protocol::form::encoded_len(&input), theirs.len());
        prop_assert_eq!(ours, format!("{prefix}{theirs}"));
    }

    /// The same for long text of mostly kept bytes (base64, JSON), where the encoder
    /// copies whole runs between escapes: every offset of an escape in its 32-byte
    /// chunk, and the tail shorter than two chunks, write what `form_urlencoded` writes.
    #[test]
    fn form_encoder_matches_form_urlencoded_on_long_runs(
        prefix in proptest::collection::vec(any::<u8>(), 0..4),
        input in "[A-Za-z0-9+/=\\\" %*._~-]{0,400}",
    ) {
        let mut ours = prefix.clone();
        alipay_protocol::form::encode_bytes_into(&mut ours, input.as_bytes());
        let theirs: String = form_urlencoded::byte_serialize(input.as_bytes()).collect();
        prop_assert_eq!(alipay_protocol::form::encoded_len(input.as_bytes()), theirs.len());
        prop_assert_eq!(&ours[..prefix.len()], &prefix[..]);
        prop_assert_eq!(&ours[prefix.len()..], theirs.as_bytes());
    }
}

proptest! {
    /// Counting UTF-8 bytes piece by piece, cut anywhere, gives the length of the whole
    /// text in every unit, as `str` counts it.
    #[test]
    fn utf8_counts_add_up_across_any_cut(text in "\\PC{0,64}", cut in any::<prop::sample::Index>()) {
        use alipay_protocol::LengthUnit;
        let bytes = text.as_bytes();
        let at = cut.index(bytes.len() + 1);
        for (unit, whole) in [
            (LengthUnit::Utf16, text.encode_utf16().count()),
            (LengthUnit::Chars, text.chars().count()),
            (LengthUnit::Bytes, text.len()),
        ] {
            let pieces = unit.count_utf8(&bytes[..at]) + unit.count_utf8(&bytes[at..]);
            prop_assert_eq!(pieces, whole);
            prop_assert_eq!(unit.count(&text), whole);
        }
    }
}
