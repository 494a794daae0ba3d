//! drand's `ValidateProposal` (§1.6), in drand's order, plus our checks.
//!
//! Statuses are read lazily ([`DkgState::effective_status`]): an expired proposal counts as
//! TimedOut, so its epoch may be retried.

use std::collections::HashSet;

use drand_lite::Scheme;

use crate::crypto::validate_public_key;
use crate::files::{Group, Identity, group::minimum_threshold};

use super::participant::contains;
use super::{CeremonyError, DkgState, Participant, ProposalTerms, Status, Timestamp};

/// Checks a proposal against the state it would replace (used by both
/// [`DkgState::proposing`] and [`DkgState::proposed`]):
///
/// 1. for every DKG: same beacon ID; the scheme exists; every joiner's key decodes in the
///    scheme and its self-signature verifies; the timeout is not in the past (`timeout <
///    now` fails); `threshold <= |joining| + |remaining|`; `threshold >= n/2 + 1`;
/// 2. the epoch: not below the current one; equal only after an aborted, timed-out or failed
///    attempt; more than one above only from Fresh or Left;
/// 3. epoch 1: no genesis seed; only joiners; the leader joins; `|joining| >= threshold`;
/// 4. otherwise: remainers exist; the leader is a remainer (not joining, not leaving);
///    `|remaining| >= current threshold`;
/// 5. otherwise, when not Fresh: same genesis time (seconds) and seed; the remainers and
///    leavers are exactly the last group file's members by address (drand#1343), and (ours)
///    each remainer has the key the group file lists; `|remaining| >= current threshold`.
///    A state without a group file (a node in `Left`, re-invited as a joiner) skips the
///    membership part: it does not know the group formed after it left. A `Left` state that
///    never learnt the seed (it left its first epoch as a joiner) skips the seed.
/// 6. ours, last: no participant without address or key, no address twice among all
///    participants, no key twice among the new group, every remainer key decodes.
pub fn validate_proposal(
    current: &DkgState,
    terms: &ProposalTerms,
    now: Timestamp,
) -> Result<(), CeremonyError> {
    let status = current.effective_status(now);
    let scheme = validate_for_all(current, status, terms, now)?;
    if terms.epoch == 1 {
        validate_first_epoch(terms)?;
    } else {
        validate_reshare_terms(current, terms)?;
        if status != Status::Fresh {
            validate_reshare_for_remainers(current, status, terms)?;
        }
    }
    validate_participants(scheme, terms)
}

fn validate_for_all(
    current: &DkgState,
    status: Status,
    terms: &ProposalTerms,
    now: Timestamp,
) -> Result<Scheme, CeremonyError> {
    if current.beacon_id != terms.beacon_id {
        return Err(CeremonyError::BeaconIdMismatch {
            ours: current.beacon_id.clone(),
            proposed: terms.beacon_id.clone(),
        });
    }
    let scheme = Scheme::from_id(&terms.scheme_id).ok_or_else(|| CeremonyError::UnknownScheme {
        scheme: terms.scheme_id.clone(),
    })?;
    for joiner in &terms.joining {
        let identity = Identity {
            address: joiner.address.clone(),
            key: joiner.key.clone(),
            signature: joiner.signature.clone(),
            scheme,
        };
        identity
            .verify_self_signature()
            .map_err(|e| CeremonyError::InvalidJoiner {
                address: joiner.address.clone(),
                scheme: scheme.id().to_owned(),
                reason: e.to_string(),
            })?;
    }
    if terms.timeout < now {
        return Err(CeremonyError::ProposalExpired {
            timeout: terms.timeout,
            now,
        });
    }
    let nodes = terms.joining.len().saturating_add(terms.remaining.len());
    let threshold = usize::try_from(terms.threshold).unwrap_or(usize::MAX);
    if threshold > nodes {
        return Err(CeremonyError::ThresholdAboveNodeCount {
            threshold: terms.threshold,
            nodes,
        });
    }
    let minimum = minimum_threshold(nodes);
    if threshold < minimum {
        return Err(CeremonyError::ThresholdTooLow {
            threshold: terms.threshold,
            minimum,
            nodes,
        });
    }
    validate_epoch(current, status, terms)?;
    Ok(scheme)
}

fn validate_epoch(
    current: &DkgState,
    status: Status,
    terms: &ProposalTerms,
) -> Result<(), CeremonyError> {
    if terms.epoch < current.epoch {
        return Err(CeremonyError::EpochBehind {
            proposed: terms.epoch,
            current: current.epoch,
        });
    }
    if terms.epoch == current.epoch && !status.is_terminal() {
        return Err(CeremonyError::EpochInUse {
            proposed: terms.epoch,
            status,
        });
    }
    if u64::from(terms.epoch) > u64::from(current.epoch) + 1
        && !matches!(status, Status::Left | Status::Fresh)
    {
        return Err(CeremonyError::EpochGap {
            proposed: terms.epoch,
            current: current.epoch,
        });
    }
    Ok(())
}

fn validate_first_epoch(terms: &ProposalTerms) -> Result<(), CeremonyError> {
    if !terms.genesis_seed.is_empty() {
        return Err(CeremonyError::GenesisSeedAtFirstEpoch);
    }
    if !terms.remaining.is_empty() || !terms.leaving.is_empty() {
        return Err(CeremonyError::FirstEpochOnlyJoiners);
    }
    if !contains(&terms.joining, &terms.leader) {
        return Err(CeremonyError::LeaderNotJoining {
            leader: terms.leader.address.clone(),
        });
    }
    if terms.joining.len() < usize::try_from(terms.threshold).unwrap_or(usize::MAX) {
        return Err(CeremonyError::ThresholdAboveNodeCount {
            threshold: terms.threshold,
            nodes: terms.joining.len(),
        });
    }
    Ok(())
}

fn too_few_remainers(current: &DkgState, terms: &ProposalTerms) -> Result<(), CeremonyError> {
    if terms.remaining.len() < usize::try_from(current.threshold).unwrap_or(usize::MAX) {
        return Err(CeremonyError::TooFewRemainers {
            remaining: terms.remaining.len(),
            threshold: current.threshold,
        });
    }
    Ok(())
}

fn validate_reshare_terms(current: &DkgState, terms: &ProposalTerms) -> Result<(), CeremonyError> {
    if terms.remaining.is_empty() {
        return Err(CeremonyError::NoRemainers);
    }
    if contains(&terms.joining, &terms.leader) {
        return Err(CeremonyError::LeaderJoiningReshare {
            leader: terms.leader.address.clone(),
        });
    }
    if contains(&terms.leaving, &terms.leader) || !contains(&terms.remaining, &terms.leader) {
        return Err(CeremonyError::LeaderNotRemaining {
            leader: terms.leader.address.clone(),
        });
    }
    too_few_remainers(current, terms)
}

fn validate_reshare_for_remainers(
    current: &DkgState,
    status: Status,
    terms: &ProposalTerms,
) -> Result<(), CeremonyError> {
    if terms.genesis_time.secs != current.genesis_time.secs {
        return Err(CeremonyError::GenesisTimeChanged {
            proposed: terms.genesis_time.secs,
            current: current.genesis_time.secs,
        });
    }
    let seed_unknown = status == Status::Left && current.genesis_seed.is_empty();
    if !seed_unknown && terms.genesis_seed != current.genesis_seed {
        return Err(CeremonyError::GenesisSeedChanged);
    }
    let Some(group) = &current.final_group else {
        // A node in Left (re-invited): it does not know the group formed after it left; the
        // remainers, who do, check membership.
        return too_few_remainers(current, terms);
    };
    check_membership(group, &terms.remaining, &terms.leaving)?;
    too_few_remainers(current, terms)
}

/// The remainers and leavers are exactly the members of `group` by address, and (ours) every
/// remainer has the key the group lists for its address.
pub(crate) fn check_membership(
    group: &Group,
    remaining: &[Participant],
    leaving: &[Participant],
) -> Result<(), CeremonyError> {
    let in_group: HashSet<&str> = group.nodes.iter().map(|n| n.address.as_str()).collect();
    let proposed = remaining.iter().chain(leaving.iter());
    if let Some(p) = proposed
        .clone()
        .find(|p| !in_group.contains(p.address.as_str()))
    {
        return Err(CeremonyError::NotInCurrentGroup {
            address: p.address.clone(),
        });
    }
    let listed: HashSet<&str> = proposed.map(|p| p.address.as_str()).collect();
    if let Some(n) = group
        .nodes
        .iter()
        .find(|n| !listed.contains(n.address.as_str()))
    {
        return Err(CeremonyError::MissingFromProposal {
            address: n.address.clone(),
        });
    }
    for remainer in remaining {
        let same_key = group
            .nodes
            .iter()
            .filter(|n| n.address == remainer.address)
            .all(|n| n.key == remainer.key);
        if !same_key {
            return Err(CeremonyError::RemainerKeyChanged {
                address: remainer.address.clone(),
            });
        }
    }
    Ok(())
}

fn validate_participants(scheme: Scheme, terms: &ProposalTerms) -> Result<(), CeremonyError> {
    let everyone = core::iter::once(&terms.leader)
        .chain(&terms.joining)
        .chain(&terms.remaining)
        .chain(&terms.leaving);
    for p in everyone {
        if p.address.is_empty() {
            return Err(CeremonyError::EmptyParticipant { what: "address" });
        }
        if p.key.is_empty() {
            return Err(CeremonyError::EmptyParticipant { what: "key" });
        }
    }
    let mut addresses = HashSet::new();
    for p in terms
        .joining
        .iter()
        .chain(&terms.remaining)
        .chain(&terms.leaving)
    {
        if !addresses.insert(p.address.as_str()) {
            return Err(CeremonyError::DuplicateParticipant {
                what: "address",
                value: p.address.clone(),
            });
        }
    }
    let mut keys = HashSet::new();
    for p in terms.joining.iter().chain(&terms.remaining) {
        if !keys.insert(p.key.as_slice()) {
            return Err(CeremonyError::DuplicateParticipant {
                what: "key",
                value: drand_lite::hex::encode(&p.key),
            });
        }
    }
    for remainer in &terms.remaining {
        validate_public_key(scheme, &remainer.key).map_err(|e| {
            CeremonyError::InvalidRemainerKey {
                address: remainer.address.clone(),
                scheme: scheme.id().to_owned(),
                reason: e.to_string(),
            }
        })?;
    }
    Ok(())
}
