//! Round ↔ time arithmetic (drand-client-reference.md §A5): round 1 is emitted at genesis and
//! round r at `genesis + (r − 1)·period`; `round_at(t)` is the latest round due at `t`.

mod common;

use drand_lite::{ChainInfo, Scheme, TimeError, check_round_due, round_at, round_time};
use proptest::prelude::*;

/// A genuine G2 public key (mainnet quicknet), so any period/genesis makes a valid chain.
const QUICKNET_PK: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
const QUICKNET_GENESIS: u64 = 1_692_803_367;
const QUICKNET_SEED: &str = "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn chain(period: u32, genesis: u64) -> ChainInfo {
    ChainInfo::new(
        Scheme::BlsUnchainedG1Rfc9380,
        &unhex(QUICKNET_PK),
        period,
        genesis,
        [1u8; 32],
        "time-props",
    )
    .unwrap()
}

fn mainnet_quicknet() -> ChainInfo {
    let seed: [u8; 32] = unhex(QUICKNET_SEED).try_into().unwrap();
    let info = ChainInfo::new(
        Scheme::BlsUnchainedG1Rfc9380,
        &unhex(QUICKNET_PK),
        3,
        QUICKNET_GENESIS,
        seed,
        "quicknet",
    )
    .unwrap();
    assert_eq!(
        info.hash().to_hex(),
        "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    );
    info
}

/// The reference formula in u128, where nothing overflows.
fn reference_round_at(period: u32, genesis: u64, t: u64) -> Option<u128> {
    (t >= genesis).then(|| u128::from(t - genesis) / u128::from(period) + 1)
}

fn reference_round_time(period: u32, genesis: u64, round: u64) -> Option<u128> {
    (round >= 1).then(|| u128::from(genesis) + u128::from(round - 1) * u128::from(period))
}

/// Checks every property of one (chain, time, round) triple.
fn check(period: u32, genesis: u64, t: u64, round: u64) -> Result<(), TestCaseError> {
    let info = chain(period, genesis);

    // round_at against the reference, and the bracketing property where representable.
    {
        let got = round_at(&info, t);
        match reference_round_at(period, genesis, t) {
            None => prop_assert_eq!(got, Err(TimeError::BeforeGenesis { time: t, genesis })),
            Some(r) if r > u128::from(u64::MAX) => {
                prop_assert!(got.is_err(), "round {} is not representable: {:?}", r, got)
            }
            Some(r) => {
                let r = u64::try_from(r).unwrap();
                prop_assert_eq!(got, Ok(r));
                prop_assert!(r >= 1);
                // round_time(round_at(t)) <= t < round_time(round_at(t) + 1)
                let start = round_time(&info, r);
                prop_assert!(start.is_ok(), "round_time({}) = {:?}", r, start);
                prop_assert!(start.unwrap() <= t);
                if let Some(next) = r.checked_add(1) {
                    match round_time(&info, next) {
                        Ok(end) => prop_assert!(t < end, "t={} end={}", t, end),
                        Err(e) => prop_assert_eq!(e, TimeError::Overflow { round: next }),
                    }
                }
            }
        }
    }

    // round_time against the reference.
    let got = round_time(&info, round);
    match reference_round_time(period, genesis, round) {
        None => prop_assert_eq!(got, Err(TimeError::RoundZero)),
        Some(t) if t > u128::from(u64::MAX) => {
            prop_assert_eq!(got, Err(TimeError::Overflow { round }))
        }
        Some(t) => {
            let t = u64::try_from(t).unwrap();
            prop_assert_eq!(got, Ok(t));
            // A round's own time maps back to it, and so does the last second before the next.
            prop_assert_eq!(round_at(&info, t), Ok(round));
            if let Some(last) = t.checked_add(u64::from(period) - 1) {
                prop_assert_eq!(round_at(&info, last), Ok(round));
            }
            if round > 1 {
                prop_assert_eq!(round_at(&info, t - 1), Ok(round - 1));
            }
        }
    }
    Ok(())
}

/// (period, genesis) of every real BLS12-381 chain in the vectors.
fn real_chains() -> &'static [(u32, u64)] {
    static CHAINS: std::sync::OnceLock<Vec<(u32, u64)>> = std::sync::OnceLock::new();
    CHAINS.get_or_init(|| {
        common::chain_files()
            .into_iter()
            .filter(|f| !f.is_pending())
            .map(|f| {
                let info = f.info();
                (info.period(), info.genesis_time())
            })
            .collect()
    })
}

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(2u64),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(i64::MAX as u64),
        Just(i64::MAX as u64 + 1),
        Just(u64::from(u32::MAX)),
        0u64..10_000,
        any::<u64>(),
    ]
}

fn edge_period() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(1u32),
        Just(2u32),
        Just(3u32),
        Just(30u32),
        Just(u32::MAX),
        Just(u32::MAX - 1),
        1u32..=u32::MAX,
    ]
}

fn edge_genesis() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(QUICKNET_GENESIS),
        Just(i64::MAX as u64),
        Just(i64::MAX as u64 - 1),
        0u64..=i64::MAX as u64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random chains and times/rounds, biased towards the u64/u32/i64 edges: the formula holds
    /// wherever the result is representable, and nothing panics anywhere.
    #[test]
    fn round_at_and_round_time_follow_the_formula(
        period in edge_period(),
        genesis in edge_genesis(),
        t in edge_u64(),
        round in edge_u64(),
    ) {
        check(period, genesis, t, round)?;
    }

    /// Times near genesis and near round boundaries.
    #[test]
    fn boundaries_around_genesis_and_rounds(
        period in 1u32..100,
        genesis in 0u64..=i64::MAX as u64,
        k in 0u64..1_000_000,
        offset in -3i64..=3,
    ) {
        let boundary = k.checked_mul(u64::from(period)).and_then(|x| x.checked_add(genesis));
        if let Some(b) = boundary {
            let t = b.checked_add_signed(offset).unwrap_or(b);
            check(period, genesis, t, k.saturating_add(1))?;
        }
    }

    /// `check_round_due` (the light client's future-round check, item 16): Ok exactly when the
    /// round's time is at most `now + allowance`, with the exact error otherwise.
    #[test]
    fn check_round_due_follows_round_time(
        period in edge_period(),
        genesis in edge_genesis(),
        round in edge_u64(),
        now in edge_u64(),
        allowance in prop_oneof![Just(0u64), 0u64..10, Just(u64::MAX), any::<u64>()],
    ) {
        let info = chain(period, genesis);
        let got = check_round_due(&info, round, now, allowance);
        match reference_round_time(period, genesis, round) {
            None => prop_assert_eq!(got, Err(TimeError::RoundZero)),
            Some(t) if t > u128::from(u64::MAX) => {
                prop_assert_eq!(got, Err(TimeError::Overflow { round }))
            }
            Some(t) if t <= u128::from(now) + u128::from(allowance) => prop_assert_eq!(got, Ok(())),
            Some(t) => prop_assert_eq!(
                got,
                Err(TimeError::FutureRound { round, due: u64::try_from(t).unwrap(), now, allowance })
            ),
        }
    }

    /// Real chain parameters (every vector file) at random times.
    #[test]
    fn real_chains_at_random_times(t in 1_500_000_000u64..4_000_000_000, idx in 0usize..64) {
        let chains = real_chains();
        let (period, genesis) = chains[idx % chains.len()];
        check(period, genesis, t, t / 7 + 1)?;
    }
}

#[test]
fn before_genesis_is_an_error() {
    let info = mainnet_quicknet();
    for t in [0, 1, QUICKNET_GENESIS - 3, QUICKNET_GENESIS - 1] {
        assert_eq!(
            round_at(&info, t),
            Err(TimeError::BeforeGenesis {
                time: t,
                genesis: QUICKNET_GENESIS
            })
        );
    }
    assert_eq!(round_at(&info, QUICKNET_GENESIS), Ok(1));
}

#[test]
fn round_zero_is_an_error() {
    for (period, genesis) in [(3, QUICKNET_GENESIS), (1, 0), (u32::MAX, i64::MAX as u64)] {
        assert_eq!(
            round_time(&chain(period, genesis), 0),
            Err(TimeError::RoundZero)
        );
    }
}

#[test]
fn quicknet_known_values() {
    let info = mainnet_quicknet();
    let g = QUICKNET_GENESIS;
    assert_eq!(round_time(&info, 1), Ok(g));
    assert_eq!(round_time(&info, 2), Ok(g + 3));
    assert_eq!(round_at(&info, g), Ok(1));
    assert_eq!(round_at(&info, g + 2), Ok(1));
    assert_eq!(round_at(&info, g + 3), Ok(2));
    // Mainnet quicknet round 20791007 (a vector in hash-to-curve.json) is due at
    // 1692803367 + 20791006·3 = 1755176385.
    assert_eq!(round_time(&info, 20_791_007), Ok(1_755_176_385));
    assert_eq!(round_at(&info, 1_755_176_385), Ok(20_791_007));
    assert_eq!(round_at(&info, 1_755_176_387), Ok(20_791_007));
    assert_eq!(round_at(&info, 1_755_176_388), Ok(20_791_008));
}

/// FIP-0063: `1598306400 + 3547000·30 == 1692803367 + 3971011·3`, i.e. Filecoin epoch 3547000
/// starts exactly 3971011 quicknet periods after quicknet's genesis, and FIP-0063 maps that
/// epoch to quicknet round 3971011.
///
/// Note: with the one formula of §A5 (round r is due at `genesis + (r − 1)·period`), the time
/// `T = 1598306400 + 3547000·30` is when round **3971012** is emitted; round 3971011 was
/// emitted one period earlier, at `T − 3`. So "time T is round 3971011" holds only for the
/// number of elapsed periods, `(T − genesis)/period`, which is not `round_at(T)`. The library
/// follows §A5 (as does drand's `CurrentRound`), and these assertions pin that reading.
#[test]
fn fip_0063_example() {
    let info = mainnet_quicknet();
    let t: u64 = 1_598_306_400 + 3_547_000 * 30;
    assert_eq!(t, 1_692_803_367 + 3_971_011 * 3);
    assert_eq!((t - QUICKNET_GENESIS) / 3, 3_971_011);
    assert_eq!(round_time(&info, 3_971_011), Ok(t - 3));
    assert_eq!(round_at(&info, t - 1), Ok(3_971_011));
    assert_eq!(round_at(&info, t - 3), Ok(3_971_011));
    assert_eq!(round_time(&info, 3_971_012), Ok(t));
    assert_eq!(round_at(&info, t), Ok(3_971_012));
    // The later FIP-0063 text sources the epoch at T from the round at T − 30:
    // (T − 30 − genesis)/3 + 1.
    assert_eq!(
        round_at(&info, t - 30),
        Ok((t - 30 - QUICKNET_GENESIS) / 3 + 1)
    );
    // Subsequent epochs map to every 10th round.
    for x in 0..5u64 {
        assert_eq!(round_at(&info, t + 30 * x - 1), Ok(3_971_011 + 10 * x));
    }
}

#[test]
fn mainnet_default_known_values() {
    // Mainnet default: genesis 1595431050, period 30.
    let info = chain(30, 1_595_431_050);
    assert_eq!(round_time(&info, 1), Ok(1_595_431_050));
    assert_eq!(round_at(&info, 1_595_431_050 + 29), Ok(1));
    assert_eq!(round_at(&info, 1_595_431_050 + 30), Ok(2));
    assert_eq!(
        round_time(&info, 1_000_000),
        Ok(1_595_431_050 + 999_999 * 30)
    );
}

#[test]
fn no_panic_at_u64_edges() {
    let times = [
        0,
        1,
        u64::MAX,
        u64::MAX - 1,
        i64::MAX as u64,
        i64::MAX as u64 + 1,
    ];
    for period in [1u32, 2, 3, u32::MAX] {
        for genesis in [0u64, 1, QUICKNET_GENESIS, i64::MAX as u64] {
            let info = chain(period, genesis);
            for &t in &times {
                let r = round_at(&info, t);
                if let Ok(r) = r {
                    assert!(r >= 1);
                    assert!(round_time(&info, r).unwrap() <= t);
                }
            }
            for round in [0u64, 1, 2, u64::MAX, u64::MAX - 1, u64::from(u32::MAX) + 2] {
                let _ = round_time(&info, round);
            }
            assert_eq!(
                round_time(&info, u64::MAX).is_err(),
                u128::from(genesis) + u128::from(u64::MAX - 1) * u128::from(period)
                    > u128::from(u64::MAX)
            );
        }
    }
    // Largest representable round time on a period-1, genesis-0 chain.
    let info = chain(1, 0);
    assert_eq!(round_time(&info, u64::MAX), Ok(u64::MAX - 1));
    assert_eq!(round_at(&info, u64::MAX - 1), Ok(u64::MAX));
}

/// Regression: with period 1 and genesis 0, the round at `t = u64::MAX` is 2^64, which is not
/// representable: an error, not a panic (debug) or round 0 (release).
#[test]
fn round_at_does_not_overflow_at_u64_max() {
    let info = chain(1, 0);
    let result = std::panic::catch_unwind(|| round_at(&info, u64::MAX));
    let result = result.expect("round_at panicked");
    assert!(
        matches!(result, Err(TimeError::TimeOverflow { .. })),
        "round_at(period 1, genesis 0, u64::MAX) = {result:?}, expected an Overflow error"
    );
}
