//! Arbitrary bytes as chain info JSON: `ChainInfo::from_json`, `ChainInfo::pinned`, and for a
//! chain that parses, `round_at`/`round_time` at the edges (0, genesis, u64::MAX).
//!
//! The input is `JSON` or `JSON \0 PIN`: the part after the first NUL (which JSON cannot
//! contain) is tried as the pin, besides the four real chain hashes.
//!
//! Beyond "never panics", it checks that:
//! - `pinned` succeeds exactly when `from_json` does and the pin parses to its chain hash;
//! - a parsed chain survives `to_v1_json` and `to_v2_json` with the same hash;
//! - round 1 is at genesis; round ↔ time conversions are consistent and never wrap;
//! - `check_round_due` passes exactly when the round's time is at most now + allowance.
#![no_main]

use drand_lite::{ChainHash, ChainInfo, TimeError, check_round_due, round_at, round_time};
use drand_lite_fuzz::fixtures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (json, fuzzed_pin) = match text.split_once('\0') {
        Some((json, pin)) => (json, Some(pin)),
        None => (text, None),
    };
    let parsed = ChainInfo::from_json(json);
    if let Err(e) = &parsed {
        let _ = e.to_string();
    }

    let real_pins = fixtures::ALL.iter().map(|f| f.chain_hash);
    for pin in real_pins.chain(fuzzed_pin) {
        let pinned = ChainInfo::pinned(json, pin);
        let should_pin = match (&parsed, ChainHash::parse(pin)) {
            (Ok(info), Ok(hash)) => info.hash() == hash,
            _ => false,
        };
        assert_eq!(
            pinned.is_ok(),
            should_pin,
            "pinned({pin:?}) disagrees with from_json"
        );
        if let Err(e) = &pinned {
            let _ = e.to_string();
        }
    }

    let Ok(info) = parsed else {
        return;
    };
    for rewritten in [info.to_v1_json(), info.to_v2_json()] {
        let reparsed = ChainInfo::from_json(&rewritten)
            .unwrap_or_else(|e| panic!("own JSON rejected: {e}\n{rewritten}"));
        assert_eq!(reparsed.hash(), info.hash());
        assert_eq!(reparsed.scheme(), info.scheme());
        assert_eq!(reparsed.public_key(), info.public_key());
    }

    let genesis = info.genesis_time();
    let period = u64::from(info.period());
    assert!(period >= 1);
    assert_eq!(round_at(&info, genesis), Ok(1));
    assert_eq!(round_time(&info, 1), Ok(genesis));
    assert_eq!(round_time(&info, 0), Err(TimeError::RoundZero));
    if genesis > 0 {
        assert!(round_at(&info, 0).is_err());
        assert!(round_at(&info, genesis - 1).is_err());
    } else {
        assert_eq!(round_at(&info, 0), Ok(1));
    }

    // For every time at or after genesis: round_time(round_at(t)) <= t < that + period.
    let times = [
        genesis,
        genesis.saturating_add(1),
        genesis.saturating_add(period - 1),
        genesis.saturating_add(period),
        u64::MAX - 1,
        u64::MAX,
    ];
    for t in times {
        let round = round_at(&info, t).expect("a time at or after genesis has a round");
        assert!(round >= 1);
        let start = round_time(&info, round).expect("the round of a u64 time has a u64 time");
        assert!(start <= t, "round {round} starts at {start}, after {t}");
        assert!(
            t - start < period,
            "round {round} starts at {start}, a period before {t}"
        );
    }

    // The largest rounds either overflow cleanly or map back.
    let last = round_at(&info, u64::MAX).unwrap_or(1);
    for round in [u64::MAX, u64::MAX - 1, last, last.saturating_add(1)] {
        match round_time(&info, round) {
            Ok(t) => assert_eq!(round_at(&info, t), Ok(round)),
            Err(e) => assert_eq!(e, TimeError::Overflow { round }),
        }
    }

    for round in [0, 1, 2, last, last.saturating_add(1), u64::MAX] {
        for now in [0, genesis, genesis.saturating_add(period), u64::MAX] {
            for allowance in [0, period, u64::MAX] {
                let due = check_round_due(&info, round, now, allowance);
                match round_time(&info, round) {
                    Ok(t) if t <= now.saturating_add(allowance) => assert_eq!(due, Ok(())),
                    Ok(_) => assert!(matches!(due, Err(TimeError::FutureRound { .. }))),
                    Err(e) => assert_eq!(due, Err(e)),
                }
            }
        }
    }
});
