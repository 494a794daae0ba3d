//! What to do with a request for a round, and how long answers may be cached: pure functions
//! of the chain, the last stored round and the time, so every rule is unit-tested without a
//! server or a clock.

use drand_lite::{ChainInfo, round_at, round_time};

/// How the API answers a request for one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundPlan {
    /// Round 0: the latest stored beacon (drand's convention).
    Latest,
    /// At or below the last stored round: look it up (200 if present, 404 if not).
    Lookup,
    /// The round right after the last stored one, due soon: wait at most `limit_ms` for it.
    Wait {
        /// Longest wait in milliseconds.
        limit_ms: u64,
    },
    /// Due by the clock but not stored, and not the next one either: this node is behind
    /// (404, not cached).
    Behind,
    /// Not due yet and not the next round: 425 Too Early.
    TooEarly,
}

/// Milliseconds since the Unix epoch at which `round` is due, saturating (round 0 and
/// overflowing rounds are "never": `u64::MAX`).
pub fn due_ms(info: &ChainInfo, round: u64) -> u64 {
    round_time(info, round)
        .map(|secs| secs.saturating_mul(1000))
        .unwrap_or(u64::MAX)
}

/// The round that should be the latest at `now_ms` by the clock (0 before genesis).
pub fn clock_round(info: &ChainInfo, now_ms: u64) -> u64 {
    round_at(info, now_ms / 1000).unwrap_or(0)
}

/// Decides how to answer a request for `round` when `last` is the last stored round.
///
/// The next round (`last + 1`) is long-polled when it is due within one period; the wait
/// lasts until it is due plus `grace_ms`. Rounds further ahead that are not due yet are too
/// early; rounds that are due but missing mean this node is behind.
pub fn plan_round(
    info: &ChainInfo,
    last: u64,
    round: u64,
    now_ms: u64,
    grace_ms: u64,
) -> RoundPlan {
    if round == 0 {
        return RoundPlan::Latest;
    }
    if round <= last {
        return RoundPlan::Lookup;
    }
    let due = due_ms(info, round);
    let period_ms = u64::from(info.period()).saturating_mul(1000);
    if Some(round) == last.checked_add(1) && due <= now_ms.saturating_add(period_ms) {
        return RoundPlan::Wait {
            limit_ms: due.saturating_sub(now_ms).saturating_add(grace_ms),
        };
    }
    if due <= now_ms {
        RoundPlan::Behind
    } else {
        RoundPlan::TooEarly
    }
}

/// Whole seconds (rounded up) from `now_ms` until the round after `last` is due: how long an
/// answer about the latest round stays true. 0 when that round is already overdue.
pub fn secs_until_next(info: &ChainInfo, last: u64, now_ms: u64) -> u64 {
    let next = last.saturating_add(1);
    due_ms(info, next).saturating_sub(now_ms).div_ceil(1000)
}

/// The health verdict: the last stored round and the round the clock expects, and whether
/// the node is at most one round behind (drand's rule: healthy iff `current >= expected - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// The last stored round.
    pub current: u64,
    /// The round the clock says should be the latest (0 before genesis).
    pub expected: u64,
}

impl Health {
    /// The health of a chain whose last stored round is `current`, at `now_ms`.
    pub fn at(info: &ChainInfo, current: u64, now_ms: u64) -> Health {
        Health {
            current,
            expected: clock_round(info, now_ms),
        }
    }

    /// Whether the node keeps up: at most one round behind the clock.
    pub fn is_healthy(&self) -> bool {
        self.current >= self.expected.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drand_lite::Scheme;

    /// A chain with period 3 s and genesis at t = 1000 s (round r due at 1000 + 3(r-1)).
    fn chain() -> ChainInfo {
        // Any valid G2 point works as a key: use quicknet's.
        let pk = drand_lite::hex::decode(
            drand_lite::Field::PublicKey,
            "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
            96,
        )
        .unwrap();
        ChainInfo::new(Scheme::BlsUnchainedG1Rfc9380, &pk, 3, 1000, [7; 32], "t").unwrap()
    }

    #[test]
    fn plans_follow_the_rules() {
        let c = chain();
        // Last stored 10 (due 1027 s); now 1028.5 s: round 11 due at 1030 s.
        let now = 1_028_500;
        assert_eq!(plan_round(&c, 10, 0, now, 500), RoundPlan::Latest);
        assert_eq!(plan_round(&c, 10, 1, now, 500), RoundPlan::Lookup);
        assert_eq!(plan_round(&c, 10, 10, now, 500), RoundPlan::Lookup);
        assert_eq!(
            plan_round(&c, 10, 11, now, 500),
            RoundPlan::Wait { limit_ms: 2000 }
        );
        assert_eq!(plan_round(&c, 10, 12, now, 500), RoundPlan::TooEarly);
        assert_eq!(plan_round(&c, 10, u64::MAX, now, 500), RoundPlan::TooEarly);
        // A node far behind: round 11 is overdue (wait only the grace), 12 and 20 are missing.
        let late = 1_100_000;
        assert_eq!(
            plan_round(&c, 10, 11, late, 500),
            RoundPlan::Wait { limit_ms: 500 }
        );
        assert_eq!(plan_round(&c, 10, 12, late, 500), RoundPlan::Behind);
        assert_eq!(plan_round(&c, 10, 34, late, 500), RoundPlan::Behind);
        assert_eq!(plan_round(&c, 10, 35, late, 500), RoundPlan::TooEarly);
        // Before genesis: round 1 is far away, so it is too early rather than a day-long wait.
        assert_eq!(plan_round(&c, 0, 1, 0, 500), RoundPlan::TooEarly);
        assert_eq!(
            plan_round(&c, 0, 1, 999_000, 500),
            RoundPlan::Wait { limit_ms: 1500 }
        );
        // Everything stored up to u64::MAX: nothing overflows.
        assert_eq!(
            plan_round(&c, u64::MAX, u64::MAX, now, 1),
            RoundPlan::Lookup
        );
    }

    #[test]
    fn cache_lifetime_counts_up_to_the_next_round() {
        let c = chain();
        assert_eq!(secs_until_next(&c, 10, 1_028_500), 2);
        assert_eq!(secs_until_next(&c, 10, 1_027_000), 3);
        assert_eq!(secs_until_next(&c, 10, 1_030_000), 0);
        assert_eq!(secs_until_next(&c, 10, u64::MAX), 0);
        assert_eq!(secs_until_next(&c, u64::MAX, 0), u64::MAX.div_ceil(1000));
    }

    #[test]
    fn health_allows_one_round_of_lag() {
        let c = chain();
        let now = 1_028_500; // clock round 10
        assert_eq!(Health::at(&c, 10, now).expected, 10);
        assert!(Health::at(&c, 10, now).is_healthy());
        assert!(Health::at(&c, 9, now).is_healthy());
        assert!(!Health::at(&c, 8, now).is_healthy());
        assert!(Health::at(&c, 0, 0).is_healthy());
        assert_eq!(Health::at(&c, 0, 0).expected, 0);
    }
}
