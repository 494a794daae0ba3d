//! The append rules, written once and called by every backend so they cannot drift apart.
//!
//! A backend exposes what it has stored through [`ChainView`] (inside its write transaction, so
//! the view includes the beacons appended earlier in the same batch), asks [`check_put`] what to
//! do with an offered beacon, and writes it only on [`PutOutcome::Appended`].

use super::{PutOutcome, StoreError, StoredBeacon};

/// Read access to a stored chain, as the rules need it.
pub trait ChainView {
    /// The highest stored round.
    fn last_round(&self) -> Result<u64, StoreError>;
    /// The stored signature of `round`, if any.
    fn signature(&self, round: u64) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Decides what to do with `beacon`: [`PutOutcome::Appended`] means "append it now",
/// [`PutOutcome::AlreadyStored`] means "identical, change nothing"; any error refuses it.
///
/// Order of checks: a stored round with a different signature is a [`StoreError::Conflict`]
/// (logged at error level here: two valid signatures for one round must never exist); a round
/// past `last + 1` is [`StoreError::NotNext`]; for chained schemes a previous signature other than
/// the stored signature of `round - 1` (`None` for round 0) is [`StoreError::BrokenLink`]. For
/// unchained schemes the previous signature is ignored.
pub fn check_put(
    view: &impl ChainView,
    chained: bool,
    beacon: &StoredBeacon,
) -> Result<PutOutcome, StoreError> {
    let round = beacon.round;
    let last = view.last_round()?;
    if round <= last {
        let stored = view.signature(round)?.ok_or_else(|| missing(round, last))?;
        if stored != beacon.signature {
            tracing::error!(
                round,
                stored = %drand_lite::hex::encode(&stored),
                offered = %drand_lite::hex::encode(&beacon.signature),
                "CONFLICT: a different signature for an already stored round was offered; \
                 two valid beacons for one round must never exist"
            );
            return Err(StoreError::Conflict { round });
        }
        check_link(view, chained, beacon, last)?;
        return Ok(PutOutcome::AlreadyStored);
    }
    if Some(round) != last.checked_add(1) {
        return Err(StoreError::NotNext { round, last });
    }
    check_link(view, chained, beacon, last)?;
    Ok(PutOutcome::Appended)
}

/// Chained schemes only: the offered previous signature must be the stored one of `round - 1`.
fn check_link(
    view: &impl ChainView,
    chained: bool,
    beacon: &StoredBeacon,
    last: u64,
) -> Result<(), StoreError> {
    if !chained {
        return Ok(());
    }
    let expected = match beacon.round.checked_sub(1) {
        None => None,
        Some(prev) => Some(view.signature(prev)?.ok_or_else(|| missing(prev, last))?),
    };
    if beacon.previous_signature != expected {
        return Err(StoreError::BrokenLink {
            round: beacon.round,
        });
    }
    Ok(())
}

/// The beacon a read returns: chained schemes get `previous_signature` rebuilt from the stored
/// signature of `round - 1` (`prev`); round 0 and unchained schemes get `None`.
pub fn rebuild(
    chained: bool,
    round: u64,
    signature: Vec<u8>,
    prev: Option<Vec<u8>>,
) -> StoredBeacon {
    let previous_signature = if chained && round > 0 { prev } else { None };
    StoredBeacon {
        round,
        signature,
        previous_signature,
    }
}

/// A hole below the head: the append-only invariant is broken, so the file is damaged.
pub fn missing(round: u64, last: u64) -> StoreError {
    StoreError::Corrupt(format!(
        "round {round} is missing although round {last} is stored (the chain must be contiguous)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Chain(Vec<Vec<u8>>);

    impl ChainView for Chain {
        fn last_round(&self) -> Result<u64, StoreError> {
            Ok(self.0.len() as u64 - 1)
        }
        fn signature(&self, round: u64) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.0.get(round as usize).cloned())
        }
    }

    fn beacon(round: u64, sig: &[u8], prev: Option<&[u8]>) -> StoredBeacon {
        StoredBeacon {
            round,
            signature: sig.to_vec(),
            previous_signature: prev.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn chained_rules_table() {
        let chain = Chain(vec![b"seed".to_vec(), b"s1".to_vec()]);
        let ok = |b: StoredBeacon| check_put(&chain, true, &b).map_err(|e| e.to_string());
        assert_eq!(ok(beacon(2, b"s2", Some(b"s1"))), Ok(PutOutcome::Appended));
        assert_eq!(
            ok(beacon(1, b"s1", Some(b"seed"))),
            Ok(PutOutcome::AlreadyStored)
        );
        assert_eq!(ok(beacon(0, b"seed", None)), Ok(PutOutcome::AlreadyStored));
        assert!(
            ok(beacon(0, b"seed", Some(b"x")))
                .unwrap_err()
                .contains("round 0")
        );
        assert!(ok(beacon(2, b"s2", None)).unwrap_err().contains("previous"));
        assert!(
            ok(beacon(2, b"s2", Some(b"bad")))
                .unwrap_err()
                .contains("previous")
        );
        assert!(
            ok(beacon(1, b"s1", Some(b"bad")))
                .unwrap_err()
                .contains("previous")
        );
        assert!(
            ok(beacon(1, b"other", Some(b"seed")))
                .unwrap_err()
                .contains("different")
        );
        assert!(
            ok(beacon(3, b"s3", Some(b"s2")))
                .unwrap_err()
                .contains("follow")
        );
    }

    #[test]
    fn unchained_rules_ignore_previous_signature() {
        let chain = Chain(vec![b"seed".to_vec(), b"s1".to_vec()]);
        let ok = |b: StoredBeacon| check_put(&chain, false, &b).map_err(|e| e.to_string());
        assert_eq!(ok(beacon(2, b"s2", None)), Ok(PutOutcome::Appended));
        assert_eq!(ok(beacon(2, b"s2", Some(b"x"))), Ok(PutOutcome::Appended));
        assert_eq!(
            ok(beacon(1, b"s1", Some(b"x"))),
            Ok(PutOutcome::AlreadyStored)
        );
        assert!(
            ok(beacon(1, b"other", None))
                .unwrap_err()
                .contains("different")
        );
        assert!(ok(beacon(5, b"s5", None)).unwrap_err().contains("follow"));
    }

    #[test]
    fn hole_below_head_is_corruption() {
        struct Holey;
        impl ChainView for Holey {
            fn last_round(&self) -> Result<u64, StoreError> {
                Ok(u64::MAX)
            }
            fn signature(&self, _: u64) -> Result<Option<Vec<u8>>, StoreError> {
                Ok(None)
            }
        }
        let err = check_put(&Holey, true, &beacon(3, b"s", None)).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
        // u64::MAX as last: no round can follow it, and nothing overflows.
        let err = check_put(&Holey, false, &beacon(u64::MAX, b"s", None)).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    }
}
