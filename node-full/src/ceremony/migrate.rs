//! A DKG state for a node that has a group file and a share but no DKG record (drand's
//! `MigrateFromGroupfile`: a v1 node, or a devnet group made by a trusted dealer).

use crate::files::{Group, KeyShare};

use super::{DkgState, Participant, Status, Timestamp};

/// The epoch-1 Complete state of `group` with this node's `share`, to be stored as the last
/// complete state. As in drand, every member is listed as a joiner and an acceptor and the
/// first member is the leader; unlike drand, the members' self-signatures from the group
/// file are kept (drand drops them). The timeout is the genesis time (irrelevant once
/// complete).
pub fn migrate_from_group(group: &Group, share: &KeyShare) -> DkgState {
    let members: Vec<Participant> = group
        .nodes
        .iter()
        .map(Participant::from_group_node)
        .collect();
    let genesis = Timestamp::from_secs(i64::try_from(group.genesis_time).unwrap_or(i64::MAX));
    DkgState {
        beacon_id: group.beacon_id.clone(),
        epoch: 1,
        status: Status::Complete,
        threshold: group.threshold,
        timeout: genesis,
        scheme_id: group.scheme.id().to_owned(),
        genesis_time: genesis,
        genesis_seed: group.genesis_seed.clone(),
        catchup_period_secs: group.catchup_period_secs,
        beacon_period_secs: group.period_secs,
        leader: members.first().cloned(),
        remaining: Vec::new(),
        joining: members.clone(),
        leaving: Vec::new(),
        acceptors: members,
        rejectors: Vec::new(),
        final_group: Some(group.clone()),
        key_share: Some(share.clone()),
        joined: Vec::new(),
        proposal_digest: None,
        kickoff: None,
    }
}
