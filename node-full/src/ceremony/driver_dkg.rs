//! The bridge between an agreed proposal and the DKG protocol: who deals and receives with
//! which index and which old share ([`dkg_config`]), and the group file and share a finished
//! DKG makes ([`completion`]).
//!
//! Indices are positions in the key-sorted list of remainers and joiners (§1.12). In a
//! reshare the dealers are the remainers with their indices in the last complete group;
//! leavers do not deal (the new group must not need anything from them, and an offline leaver
//! would hold every phase to its timeout), so `|remaining| ≥ old threshold` (checked by the
//! proposal validation) is what the reshare needs.

use thiserror::Error;

use super::driver::{Completion, DriverConfig};
use super::{DkgState, Participant, Timestamp, sorted_participants};
use crate::crypto::SecretKey;
use crate::dkg::{DkgConfig, DkgNode, DkgResult, ReshareConfig};
use crate::files::{Group, GroupNode, KeyShare};

/// Why the DKG cannot be set up from the state (a local inconsistency, or a proposal whose
/// previous group this node does not have).
#[derive(Debug, Error)]
pub enum DkgSetupError {
    /// Not in a proposal.
    #[error("no proposal in the current state")]
    NoTerms,
    /// The scheme ID of the terms is unknown.
    #[error("unknown scheme {0:?}")]
    Scheme(String),
    /// A reshare without the previous group (a remainer without a complete state, or a
    /// joiner that did not pass `--group`).
    #[error("this reshare needs the previous group file, which this node does not have")]
    NoPreviousGroup,
    /// The previous group's commitments or this node's old share are unusable.
    #[error("previous group: {0}")]
    PreviousGroup(String),
    /// The DKG refused the configuration.
    #[error("{0}")]
    Protocol(String),
}

fn same(a: &Participant, node: &GroupNode) -> bool {
    a.key == node.key
}

/// The DKG configuration of this node for the executing `current` state.
pub fn dkg_config(
    config: &DriverConfig,
    secret: &SecretKey,
    current: &DkgState,
    finished: Option<&DkgState>,
) -> Result<DkgConfig, DkgSetupError> {
    let terms = current.terms().ok_or(DkgSetupError::NoTerms)?;
    let scheme = drand_lite::Scheme::from_id(&terms.scheme_id)
        .ok_or_else(|| DkgSetupError::Scheme(terms.scheme_id.clone()))?;
    let new_nodes = sorted_participants(&terms)
        .into_iter()
        .map(|(index, p)| DkgNode {
            index,
            public_key: p.key,
        })
        .collect();
    let reshare = if terms.epoch > 1 {
        let me = &config.me;
        let remainer = terms
            .remaining
            .iter()
            .any(|p| p.address == me.address && p.key == me.key);
        // A remainer reshares its last complete share; a joiner uses the group it was given.
        let (group, share) = if remainer {
            let last = finished.ok_or(DkgSetupError::NoPreviousGroup)?;
            let group = last
                .final_group
                .clone()
                .ok_or(DkgSetupError::NoPreviousGroup)?;
            let share = last.key_share.as_ref().map(|k| k.share.clone());
            (group, share)
        } else {
            let group = current
                .final_group
                .clone()
                .ok_or(DkgSetupError::NoPreviousGroup)?;
            (group, None)
        };
        let old_nodes = group
            .nodes
            .iter()
            .filter(|n| terms.remaining.iter().any(|p| same(p, n)))
            .map(|n| DkgNode {
                index: n.index,
                public_key: n.key.clone(),
            })
            .collect();
        let old_public = group
            .public_poly()
            .map_err(|e| DkgSetupError::PreviousGroup(e.to_string()))?;
        Some(ReshareConfig {
            old_nodes,
            old_public,
            old_threshold: group.threshold,
            share,
        })
    } else {
        None
    };
    Ok(DkgConfig {
        scheme,
        longterm: secret.clone(),
        new_nodes,
        threshold: terms.threshold,
        nonce: super::driver::session_of(&terms),
        reshare,
        phase_timeout_ms: config.phase_timeout_ms,
    })
}

/// Why a finished DKG gave this node nothing to run with.
#[derive(Debug, Error)]
pub enum CompletionError {
    /// Not in the qualified set.
    #[error("this node is not in the qualified set (evicted, or its deals were missing)")]
    NotQualified,
    /// The share does not fit the files.
    #[error("{0}")]
    Files(String),
    /// The state machine refused Complete (e.g. the proposal expired meanwhile).
    #[error("{0}")]
    State(String),
    /// Not in a proposal.
    #[error("no proposal in the current state")]
    NoTerms,
    /// A reshare finished without the kickoff time its transition round is derived from.
    #[error("the reshare has no recorded kickoff time, so its transition round is unknown")]
    NoKickoff,
}

/// The group file and share of a finished DKG, and the Complete state.
pub fn completion(
    config: &DriverConfig,
    current: &DkgState,
    result: DkgResult,
    now: Timestamp,
) -> Result<(DkgState, Completion), CompletionError> {
    let terms = current.terms().ok_or(CompletionError::NoTerms)?;
    let share = result.share.ok_or(CompletionError::NotQualified)?;
    let nodes: Vec<GroupNode> = sorted_participants(&terms)
        .into_iter()
        .filter(|(index, _)| result.qual.contains(index))
        .map(|(index, p)| GroupNode {
            address: p.address,
            key: p.key,
            signature: p.signature,
            index,
        })
        .collect();
    if !nodes
        .iter()
        .any(|n| n.key == config.me.key && n.index == share.index())
    {
        return Err(CompletionError::NotQualified);
    }
    let genesis = u64::try_from(terms.genesis_time.secs).unwrap_or(0);
    let transition_time = match (terms.epoch, current.kickoff) {
        (1, _) => genesis,
        (_, None) => return Err(CompletionError::NoKickoff),
        (_, Some(kickoff)) => super::transition_time(
            genesis,
            terms.beacon_period_secs,
            kickoff,
            config.phase_timeout_ms,
        ),
    };
    let scheme = drand_lite::Scheme::from_id(&terms.scheme_id)
        .ok_or_else(|| CompletionError::Files(format!("unknown scheme {:?}", terms.scheme_id)))?;
    let mut group = Group {
        threshold: terms.threshold,
        period_secs: terms.beacon_period_secs,
        catchup_period_secs: terms.catchup_period_secs,
        genesis_time: genesis,
        transition_time,
        genesis_seed: terms.genesis_seed.clone(),
        scheme,
        beacon_id: terms.beacon_id.clone(),
        nodes,
        public_coefficients: result.public.to_bytes(),
    };
    if group.genesis_seed.is_empty() {
        group.genesis_seed = group.hash().to_vec();
    }
    let key_share =
        KeyShare::new(share, result.public).map_err(|e| CompletionError::Files(e.to_string()))?;
    let next = current
        .complete(group.clone(), Some(key_share.clone()), now)
        .map_err(|e| CompletionError::State(e.to_string()))?;
    Ok((
        next,
        Completion {
            epoch: terms.epoch,
            group,
            key_share,
            transition_time,
        },
    ))
}
