//! Round ↔ time arithmetic, one formula everywhere: round 1 is emitted at genesis and round `r`
//! at `genesis + (r − 1) · period`. All arithmetic is checked; nothing wraps.

use crate::chain::ChainInfo;
use crate::error::TimeError;

/// The latest round that should exist at Unix time `unix_secs`:
/// `floor((t − genesis) / period) + 1`. Before genesis there is no round, which is an error.
pub fn round_at(info: &ChainInfo, unix_secs: u64) -> Result<u64, TimeError> {
    let genesis = info.genesis_time();
    let elapsed = unix_secs
        .checked_sub(genesis)
        .ok_or(TimeError::BeforeGenesis {
            time: unix_secs,
            genesis,
        })?;
    // ChainInfo guarantees period >= 1; with period 1 and genesis 0, u64::MAX has no round.
    (elapsed / u64::from(info.period()).max(1))
        .checked_add(1)
        .ok_or(TimeError::TimeOverflow { time: unix_secs })
}

/// The Unix time (seconds) at which `round` is due. Round 0 has no time.
pub fn round_time(info: &ChainInfo, round: u64) -> Result<u64, TimeError> {
    let steps = round.checked_sub(1).ok_or(TimeError::RoundZero)?;
    steps
        .checked_mul(u64::from(info.period()))
        .and_then(|offset| offset.checked_add(info.genesis_time()))
        .ok_or(TimeError::Overflow { round })
}

/// Fails when `round` is not yet due at `now_secs`, allowing `allowance_secs` of clock skew.
/// A valid signature for a future round means a threshold of signers ran ahead of the clock;
/// clients that use beacons as a time lock must refuse it.
pub fn check_round_due(
    info: &ChainInfo,
    round: u64,
    now_secs: u64,
    allowance_secs: u64,
) -> Result<(), TimeError> {
    let due = round_time(info, round)?;
    if due > now_secs.saturating_add(allowance_secs) {
        return Err(TimeError::FutureRound {
            round,
            due,
            now: now_secs,
            allowance: allowance_secs,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quicknet() -> ChainInfo {
        let pk = crate::hex::decode(
            crate::error::Field::PublicKey,
            "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
            96,
        )
        .unwrap();
        let seed = crate::hex::decode_array::<32>(
            crate::error::Field::GenesisSeed,
            "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
        )
        .unwrap();
        ChainInfo::new(
            crate::Scheme::BlsUnchainedG1Rfc9380,
            &pk,
            3,
            1692803367,
            seed,
            "quicknet",
        )
        .unwrap()
    }

    #[test]
    fn round_one_is_at_genesis() {
        let info = quicknet();
        assert_eq!(round_time(&info, 1), Ok(1692803367));
        assert_eq!(round_at(&info, 1692803367), Ok(1));
        assert_eq!(round_at(&info, 1692803369), Ok(1));
        assert_eq!(round_at(&info, 1692803370), Ok(2));
        assert_eq!(round_time(&info, 0), Err(TimeError::RoundZero));
        assert!(matches!(
            round_at(&info, 1692803366),
            Err(TimeError::BeforeGenesis { .. })
        ));
    }

    #[test]
    fn filecoin_mapping_example() {
        // FIP-0063's example: 1598306400 + 3547000·30 == 1692803367 + 3971011·3. With round 1 at
        // genesis that instant is when round 3971012 is due (Filecoin itself asks for the round
        // of the previous epoch's time, hence its "3971011").
        let t = 1598306400 + 3547000 * 30;
        assert_eq!(round_time(&quicknet(), 3971012), Ok(t));
        assert_eq!(round_at(&quicknet(), t), Ok(3971012));
        assert_eq!(round_at(&quicknet(), t - 1), Ok(3971011));
    }

    #[test]
    fn no_overflow_at_the_edges() {
        let info = quicknet();
        assert_eq!(
            round_time(&info, u64::MAX),
            Err(TimeError::Overflow { round: u64::MAX })
        );
        assert!(round_at(&info, u64::MAX).is_ok());
        assert!(round_at(&info, 0).is_err());
    }

    #[test]
    fn future_rounds_are_reported() {
        let info = quicknet();
        let now = 1692803367 + 30;
        assert_eq!(check_round_due(&info, 11, now, 0), Ok(()));
        assert!(matches!(
            check_round_due(&info, 12, now, 0),
            Err(TimeError::FutureRound { round: 12, .. })
        ));
        assert_eq!(check_round_due(&info, 12, now, 3), Ok(()));
        assert!(check_round_due(&info, u64::MAX, now, u64::MAX).is_err());
    }
}
