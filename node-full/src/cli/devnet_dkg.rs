//! The devnet's first ceremony, run exactly as operators would run it over each node's control
//! port: node 0 proposes epoch 1 with every node joining, the others join once they see the
//! proposal, node 0 executes, and every node must reach Complete.

use std::process::Child;
use std::time::Duration;

use drand_lite::{ChainInfo, Scheme};

use super::Failure;
use super::devnet::{NodeSpec, unix_now};
use super::devnet_setup::check_alive;
use crate::ceremony::Status;
use crate::files::layout::BeaconPaths;
use crate::files::{Group, Identity};
use crate::net::ControlClient;
use crate::proto::dkg::{self as pb, dkg_command::Command as C};

/// How long the devnet waits for each step of its ceremony.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// The ceremony's parameters.
pub(crate) struct Ceremony<'a> {
    pub(crate) beacon_id: &'a str,
    pub(crate) scheme: Scheme,
    pub(crate) threshold: u32,
    pub(crate) period: u32,
    pub(crate) genesis: u64,
    pub(crate) identities: &'a [Identity],
}

fn participant(identity: &Identity) -> pb::Participant {
    pb::Participant {
        address: identity.address.clone(),
        key: identity.key.clone(),
        signature: identity.signature.clone(),
    }
}

fn time(secs: u64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: i64::try_from(secs).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

async fn status(client: &ControlClient, beacon_id: &str) -> Option<pb::DkgStatusResponse> {
    client.dkg_status(beacon_id).await.ok()
}

/// The node processes, watched while the ceremony runs: a node that exits fails the devnet at
/// once, with the end of its log, instead of after a step's timeout.
pub(crate) struct Nodes<'a> {
    pub(crate) specs: &'a [NodeSpec],
    pub(crate) children: &'a mut [Child],
}

/// Polls node `i` until `ok` holds for its DKG status.
async fn wait_for(
    nodes: &mut Nodes<'_>,
    client: &ControlClient,
    beacon_id: &str,
    i: usize,
    what: &str,
    ok: impl Fn(&pb::DkgStatusResponse) -> bool,
) -> Result<(), Failure> {
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        check_alive(nodes.specs, nodes.children)?;
        if let Some(s) = status(client, beacon_id).await {
            if ok(&s) {
                return Ok(());
            }
            let ended = s
                .current
                .as_ref()
                .and_then(|c| Status::from_u32(c.state))
                .filter(|st| matches!(st, Status::Failed | Status::Aborted | Status::TimedOut));
            if let Some(state) = ended {
                return Err(Failure::failed(format!(
                    "devnet ceremony: node {i} did not {what}: its DKG ended {} (see its node.log)",
                    state.name()
                )));
            }
        }
        if tokio::time::Instant::now() > deadline {
            let seen = status(client, beacon_id)
                .await
                .and_then(|s| s.current)
                .and_then(|c| Status::from_u32(c.state))
                .map_or("unreachable".to_owned(), |s| s.name().to_owned());
            return Err(Failure::failed(format!(
                "devnet ceremony: node {i} did not {what} within {} s (its DKG state: {seen}); see its node.log",
                STEP_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn current_is(s: &pb::DkgStatusResponse, status: Status) -> bool {
    s.current.as_ref().is_some_and(|c| c.state == status as u32)
}

/// Runs the first ceremony and returns the chain it made.
pub(crate) async fn run(nodes: &mut Nodes<'_>, c: &Ceremony<'_>) -> Result<ChainInfo, Failure> {
    let specs = nodes.specs;
    let clients = specs
        .iter()
        .map(|s| ControlClient::connect(&s.control.to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::failed)?;
    for (i, client) in clients.iter().enumerate() {
        wait_for(
            nodes,
            client,
            c.beacon_id,
            i,
            "answer on its control port",
            |_| true,
        )
        .await?;
    }
    let (leader, others) = clients
        .split_first()
        .ok_or_else(|| Failure::usage("a devnet needs at least one node"))?;
    let now = unix_now()?;
    leader
        .dkg_command(
            c.beacon_id,
            C::Initial(pb::FirstProposalOptions {
                timeout: Some(time(now + 3600)),
                threshold: c.threshold,
                period_seconds: c.period,
                scheme: c.scheme.id().to_owned(),
                catchup_period_seconds: c.period.div_ceil(2),
                genesis_time: Some(time(c.genesis)),
                joining: c.identities.iter().map(participant).collect(),
            }),
        )
        .await
        .map_err(|e| Failure::failed(format!("devnet ceremony: dkg init on node 0: {e}")))?;
    for (i, client) in others.iter().enumerate() {
        wait_for(
            nodes,
            client,
            c.beacon_id,
            i + 1,
            "receive the proposal",
            |s| current_is(s, Status::Proposed),
        )
        .await?;
        client
            .dkg_command(
                c.beacon_id,
                C::Join(pb::JoinOptions {
                    group_file: Vec::new(),
                }),
            )
            .await
            .map_err(|e| {
                Failure::failed(format!("devnet ceremony: dkg join on node {}: {e}", i + 1))
            })?;
    }
    leader
        .dkg_command(
            c.beacon_id,
            C::Execute(pb::ExecutionOptions {
                kickoff_delay_ms: 1_000,
                ..Default::default()
            }),
        )
        .await
        .map_err(|e| Failure::failed(format!("devnet ceremony: dkg execute on node 0: {e}")))?;
    for (i, client) in clients.iter().enumerate() {
        wait_for(nodes, client, c.beacon_id, i, "complete the DKG", |s| {
            s.complete
                .as_ref()
                .is_some_and(|e| e.epoch == 1 && e.state == Status::Complete as u32)
        })
        .await?;
    }
    let spec = specs
        .first()
        .ok_or_else(|| Failure::usage("a devnet needs at least one node"))?;
    let paths = BeaconPaths::new(&spec.folder, c.beacon_id).map_err(Failure::failed)?;
    let group = Group::read(&paths.group_file()).map_err(Failure::failed)?;
    group.chain_info().map_err(Failure::failed)
}
