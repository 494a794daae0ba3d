//! One task per beacon ID runs its ceremony driver (sans-IO) against the real world: the
//! control API's commands, peers' packets and DKG bundles, the wall clock, the DKG store, the
//! network (gossip with retries, pulls, joined notices, bundles) and, when a DKG completes, the
//! group and share files and the beacon process (started, or handed over at the transition).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prost::Message;
use rand_core::OsRng;
use tokio::sync::{mpsc, oneshot, watch};
use tonic::Status;

use super::Daemon;
use super::beacon::{Input, Transition};
use super::clock::{instant_at, unix_ms};
use super::dkg_wire;
use super::process::{BeaconProcess, engine_inputs, peer_addresses};
use crate::ceremony::driver::{Action, Command, Completion, Driver, DriverConfig, Event};
use crate::ceremony::{DkgState, Participant, Timestamp, migrate_from_group};
use crate::files::layout::backup_file;
use crate::files::{Group, KeyShare};
use crate::net::BeaconTarget;
use crate::proto::dkg as pb;
use crate::store::DkgStore;

/// Requests queued per ceremony (packets beyond are refused; senders retry).
const QUEUE: usize = 1024;
/// Attempts per gossip packet and peer (drand: 7), with a growing pause.
const GOSSIP_ATTEMPTS: u64 = 7;

/// What reaches a ceremony task.
pub enum Request {
    /// An operator command; the answer says whether it was applied.
    Command(pb::DkgCommand, oneshot::Sender<Result<(), Status>>),
    /// A gossip packet from a peer (or a pulled proposal, with no one to answer).
    Packet(
        Box<pb::GossipPacket>,
        Option<oneshot::Sender<Result<(), Status>>>,
    ),
    /// A joined notice.
    Joined(Box<pb::GossipPacket>, oneshot::Sender<Result<(), Status>>),
    /// A DKG bundle.
    Bundle(Box<pb::DkgPacket>),
    /// A peer asks for the live proposal.
    Pull(oneshot::Sender<Option<pb::GossipPacket>>),
    /// `dkg status`.
    Status(oneshot::Sender<pb::DkgStatusResponse>),
}

/// The sending side of a ceremony task, held by the daemon.
#[derive(Clone)]
pub struct CeremonyHandle {
    tx: mpsc::Sender<Request>,
    /// Bytes this node sent for its ceremonies (gossip, notices, bundles), for benchmarks.
    pub bytes_sent: Arc<AtomicU64>,
    /// The current state's status number and epoch (for metrics and `Status`).
    pub state: watch::Receiver<(u32, u32)>,
}

/// A new ceremony channel; the task is started later with [`spawn`].
pub fn channel() -> (CeremonyHandle, Pending) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let (state_tx, state) = watch::channel((0, 0));
    let bytes_sent = Arc::new(AtomicU64::new(0));
    (
        CeremonyHandle {
            tx: tx.clone(),
            bytes_sent: Arc::clone(&bytes_sent),
            state,
        },
        Pending {
            tx,
            rx,
            state_tx,
            bytes_sent,
        },
    )
}

/// The receiving side until the task starts.
pub struct Pending {
    tx: mpsc::Sender<Request>,
    rx: mpsc::Receiver<Request>,
    state_tx: watch::Sender<(u32, u32)>,
    bytes_sent: Arc<AtomicU64>,
}

impl CeremonyHandle {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Request) -> Result<T, Status> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .try_send(make(reply))
            .map_err(|_| Status::resource_exhausted("the ceremony is busy; retry"))?;
        answer
            .await
            .map_err(|_| Status::unavailable("the ceremony stopped"))
    }

    /// Applies an operator command.
    pub async fn command(&self, command: pb::DkgCommand) -> Result<(), Status> {
        self.ask(|r| Request::Command(command, r)).await?
    }

    /// Applies a gossip packet.
    pub async fn packet(&self, packet: pb::GossipPacket) -> Result<(), Status> {
        self.ask(|r| Request::Packet(Box::new(packet), Some(r)))
            .await?
    }

    /// Applies a joined notice.
    pub async fn joined(&self, packet: pb::GossipPacket) -> Result<(), Status> {
        self.ask(|r| Request::Joined(Box::new(packet), r)).await?
    }

    /// Queues a DKG bundle.
    pub fn bundle(&self, packet: pb::DkgPacket) -> Result<(), Status> {
        self.tx
            .try_send(Request::Bundle(Box::new(packet)))
            .map_err(|_| Status::resource_exhausted("the ceremony is busy; retry"))
    }

    /// The live proposal, if any.
    pub async fn pull(&self) -> Result<Option<pb::GossipPacket>, Status> {
        self.ask(Request::Pull).await
    }

    /// `dkg status`.
    pub async fn status(&self) -> Result<pb::DkgStatusResponse, Status> {
        self.ask(Request::Status).await
    }
}

fn store_error(e: impl std::fmt::Display) -> Status {
    Status::internal(format!("DKG store: {e}"))
}

/// Loads the persisted ceremony of `beacon_id`, migrating a group file and share made before
/// this node kept DKG state (or by drand) into epoch 1 Complete.
fn load_states(
    daemon: &Daemon,
    store: &DkgStore,
    beacon_id: &str,
) -> Result<(Option<DkgState>, Option<DkgState>), String> {
    let parse = |bytes: Option<Vec<u8>>| -> Result<Option<DkgState>, String> {
        match bytes {
            None => Ok(None),
            Some(b) => {
                let text = String::from_utf8(b).map_err(|_| "stored DKG state is not UTF-8")?;
                DkgState::from_toml(&text)
                    .map(Some)
                    .map_err(|e| format!("stored DKG state: {e}"))
            }
        }
    };
    let current = parse(store.current(beacon_id).map_err(|e| e.to_string())?)?;
    let mut finished = parse(store.finished(beacon_id).map_err(|e| e.to_string())?)?;
    if finished.is_none()
        && let Some(keys) = daemon.node_keys(beacon_id)
    {
        let paths = &keys.paths;
        if paths.group_file().exists() && paths.share_file().exists() {
            let group = Group::read(&paths.group_file()).map_err(|e| e.to_string())?;
            let share = KeyShare::read(&paths.share_file(), Some(group.scheme))
                .map_err(|e| e.to_string())?;
            let migrated = migrate_from_group(&group, &share);
            store
                .save_finished(beacon_id, migrated.to_toml().as_bytes())
                .map_err(|e| e.to_string())?;
            tracing::info!(
                beacon_id,
                "no DKG state: the existing group file and share become epoch 1, Complete"
            );
            finished = Some(migrated);
            return Ok((finished.clone(), finished));
        }
    }
    Ok((current, finished))
}

/// Starts the ceremony task of `beacon_id`.
pub fn spawn(
    daemon: Arc<Daemon>,
    store: Arc<DkgStore>,
    beacon_id: String,
    pending: Pending,
) -> Result<(), String> {
    let keys = daemon
        .node_keys(&beacon_id)
        .cloned()
        .ok_or_else(|| format!("no keypair for beacon {beacon_id:?}"))?;
    let (current, finished) = load_states(&daemon, &store, &beacon_id)?;
    let me = Participant::from_identity(&keys.identity);
    let config = DriverConfig::new(&beacon_id, keys.identity.scheme, me);
    let (driver, actions) = Driver::new(config, keys.secret.clone(), current, finished);
    let mut task = Task {
        daemon,
        store,
        beacon_id,
        driver,
        tx: pending.tx,
        state_tx: pending.state_tx,
        bytes_sent: pending.bytes_sent,
        kickoff_ms: None,
        bundle_queues: std::collections::HashMap::new(),
    };
    let mut rx = pending.rx;
    tokio::spawn(async move {
        task.run_actions(actions);
        task.publish();
        let mut stop = task.daemon.shutdown.subscribe();
        loop {
            let wake = task.driver.next_wakeup();
            let request = tokio::select! {
                biased;
                _ = stop.changed() => break,
                request = rx.recv() => match request {
                    Some(r) => Some(r),
                    None => break,
                },
                () = sleep_until(wake) => None,
            };
            match request {
                Some(r) => task.on_request(r),
                None => {
                    let _ = task.step(Event::Tick);
                }
            };
            task.publish();
        }
    });
    Ok(())
}

async fn sleep_until(wake: Option<u64>) {
    match wake {
        Some(at) => tokio::time::sleep_until(instant_at(at)).await,
        None => std::future::pending().await,
    }
}

struct Task {
    daemon: Arc<Daemon>,
    store: Arc<DkgStore>,
    beacon_id: String,
    driver: Driver,
    tx: mpsc::Sender<Request>,
    state_tx: watch::Sender<(u32, u32)>,
    bytes_sent: Arc<AtomicU64>,
    /// When the running DKG started (for the completion log).
    kickoff_ms: Option<u64>,
    /// Ordered DKG bundle queues, one per peer.
    bundle_queues: std::collections::HashMap<String, mpsc::Sender<(pb::DkgPacket, u64)>>,
}

impl Task {
    fn publish(&self) {
        let now = Timestamp::from_unix_millis(unix_ms());
        let current = self.driver.current();
        self.state_tx
            .send_replace((current.effective_status(now) as u32, current.epoch));
    }

    /// Runs the driver on `event` (off the async reactor: a DKG step can take a while) and
    /// carries out its actions; returns the driver's verdict for the caller.
    fn step(&mut self, event: Event) -> Result<(), Status> {
        let now = unix_ms();
        let executing_before = self.driver.current().status;
        let result = tokio::task::block_in_place(|| self.driver.handle(now, event, &mut OsRng));
        if executing_before != crate::ceremony::Status::Executing
            && self.driver.current().status == crate::ceremony::Status::Executing
        {
            self.kickoff_ms = self.driver.current().kickoff.map(|k| k.unix_millis());
        }
        match result {
            Ok(actions) => {
                self.run_actions(actions);
                Ok(())
            }
            Err(e) => Err(Status::failed_precondition(e.to_string())),
        }
    }

    fn on_request(&mut self, request: Request) {
        match request {
            Request::Command(command, reply) => {
                let result = dkg_wire::command_from_proto(&command)
                    .map_err(|e| Status::invalid_argument(e.to_string()))
                    .and_then(|c: Command| self.step(Event::Command(c)));
                if let Err(e) = &result {
                    tracing::warn!(beacon_id = %self.beacon_id, error = %e.message(), "DKG command refused");
                }
                let _ = reply.send(result);
            }
            Request::Packet(packet, reply) => {
                let result = dkg_wire::gossip_from_proto(&packet)
                    .map_err(|e| Status::invalid_argument(e.to_string()))
                    .and_then(|p| self.step(Event::Packet(p)));
                if let Err(e) = &result {
                    tracing::debug!(beacon_id = %self.beacon_id, error = %e.message(), "ceremony packet refused");
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            Request::Joined(packet, reply) => {
                let terms = self.driver.current().terms();
                let result = dkg_wire::joined_from_proto(&packet, terms.as_ref())
                    .map_err(|e| Status::invalid_argument(e.to_string()))
                    .and_then(|p| self.step(Event::Joined(p)));
                let _ = reply.send(result);
            }
            Request::Bundle(packet) => match dkg_wire::bundle_from_proto(&packet) {
                Ok(bundle) => {
                    let _ = self.step(Event::Bundle(bundle));
                }
                Err(e) => {
                    tracing::debug!(beacon_id = %self.beacon_id, error = %e, "DKG bundle refused")
                }
            },
            Request::Pull(reply) => {
                let packet = self
                    .driver
                    .live_proposal(unix_ms())
                    .map(|p| dkg_wire::gossip_to_proto(&self.beacon_id, &p));
                let _ = reply.send(packet);
            }
            Request::Status(reply) => {
                let now = Timestamp::from_unix_millis(unix_ms());
                let _ = reply.send(pb::DkgStatusResponse {
                    complete: self
                        .driver
                        .finished()
                        .map(|s| dkg_wire::entry_to_proto(s, now)),
                    current: Some(dkg_wire::entry_to_proto(self.driver.current(), now)),
                });
            }
        }
    }

    fn run_actions(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::SaveCurrent(state) => {
                    if let Err(e) = self
                        .store
                        .save_current(&self.beacon_id, state.to_toml().as_bytes())
                    {
                        tracing::error!(beacon_id = %self.beacon_id, error = %store_error(e).message(), "cannot save the DKG state");
                    }
                }
                Action::SaveFinished(state) => {
                    if let Err(e) = self
                        .store
                        .save_finished(&self.beacon_id, state.to_toml().as_bytes())
                    {
                        tracing::error!(beacon_id = %self.beacon_id, error = %store_error(e).message(), "cannot save the completed DKG state");
                    }
                }
                Action::Gossip { packet, to } => {
                    let proto = dkg_wire::gossip_to_proto(&self.beacon_id, &packet);
                    self.send_all(to, proto, Kind::Gossip);
                }
                Action::AnnounceJoined { packet, to } => {
                    let proto = dkg_wire::gossip_to_proto(&self.beacon_id, &packet);
                    self.send_all(to, proto, Kind::Joined);
                }
                Action::SendBundle { bundle, to } => {
                    let proto = dkg_wire::bundle_to_proto(&bundle);
                    self.send_bundle(to, proto);
                }
                Action::Pull { from } => self.pull(from),
                Action::Completed(completion) => self.completed(*completion),
                Action::Left { transition_time } => self.left(transition_time),
                Action::Warn(message) => {
                    tracing::warn!(beacon_id = %self.beacon_id, "{message}");
                }
            }
        }
    }

    fn target(&self) -> BeaconTarget {
        BeaconTarget::id(&self.beacon_id)
    }

    /// Sends a ceremony packet to each address with retries (drand: 7 attempts).
    fn send_all(&self, to: Vec<String>, packet: pb::GossipPacket, kind: Kind) {
        let size = packet.encoded_len() as u64;
        for address in to {
            let client = match self.daemon.pool().get(&address) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(beacon_id = %self.beacon_id, peer = %address, error = %e, "cannot reach peer");
                    continue;
                }
            };
            let packet = packet.clone();
            let bytes = Arc::clone(&self.bytes_sent);
            let beacon_id = self.beacon_id.clone();
            tokio::spawn(async move {
                let mut last = String::new();
                for attempt in 1..=GOSSIP_ATTEMPTS {
                    bytes.fetch_add(size, Ordering::Relaxed);
                    let result = match kind {
                        Kind::Gossip => client.dkg_packet(packet.clone()).await,
                        Kind::Joined => client.joined(packet.clone()).await,
                    };
                    match result {
                        Ok(()) => return,
                        // The peer got it and refused it: retrying will not change that.
                        Err(e)
                            if e.rpc_code().is_some_and(|c| {
                                c != tonic::Code::Unavailable
                                    && c != tonic::Code::ResourceExhausted
                                    && c != tonic::Code::DeadlineExceeded
                            }) =>
                        {
                            tracing::debug!(beacon_id = %beacon_id, peer = %address, error = %e, "ceremony packet refused by peer");
                            return;
                        }
                        Err(e) => last = e.to_string(),
                    }
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
                tracing::warn!(beacon_id = %beacon_id, peer = %address, error = %last, "ceremony packet not delivered");
            });
        }
    }

    /// Queues a DKG bundle to each address. Each peer has one queue drained in order by one
    /// task, so a peer receives this node's relays before this node's own later bundles: an
    /// equivocating dealer's second version, relayed by whoever got it first, reaches every
    /// honest node before the responses that would let it finish (kyber's echo broadcast
    /// assumes this). A full queue drops (drand: per-peer queues of min(3n, 1000)).
    fn send_bundle(&mut self, to: Vec<String>, packet: pb::DkgPacket) {
        let size = packet.encoded_len() as u64;
        for address in to {
            let queue = match self.bundle_queues.get(&address) {
                Some(queue) if !queue.is_closed() => queue.clone(),
                _ => {
                    let Ok(client) = self.daemon.pool().get(&address) else {
                        continue;
                    };
                    let queue = spawn_bundle_queue(
                        client,
                        self.target(),
                        Arc::clone(&self.bytes_sent),
                        self.beacon_id.clone(),
                        address.clone(),
                    );
                    self.bundle_queues.insert(address.clone(), queue.clone());
                    queue
                }
            };
            if queue.try_send((packet.clone(), size)).is_err() {
                tracing::debug!(beacon_id = %self.beacon_id, peer = %address, "DKG bundle queue full: bundle dropped");
            }
        }
    }

    /// Asks peers for a live proposal; answers come back as packets.
    fn pull(&self, from: Vec<String>) {
        let target = self.target();
        for address in from {
            let Ok(client) = self.daemon.pool().get(&address) else {
                continue;
            };
            let tx = self.tx.clone();
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(Some(packet)) = client.pull_proposal(&target).await {
                    let _ = tx.try_send(Request::Packet(Box::new(packet), None));
                }
            });
        }
    }

    /// Writes the new group and share (keeping the old ones as backups) and starts the beacon
    /// or schedules the hand-over.
    fn completed(&mut self, completion: Completion) {
        let elapsed = self.kickoff_ms.map(|k| unix_ms().saturating_sub(k));
        tracing::info!(
            beacon_id = %self.beacon_id,
            epoch = completion.epoch,
            nodes = completion.group.nodes.len(),
            threshold = completion.group.threshold,
            transition_time = completion.transition_time,
            dkg_ms = ?elapsed,
            bytes_sent = self.bytes_sent.load(Ordering::Relaxed),
            "DKG_COMPLETE"
        );
        if let Err(e) = self.install(completion) {
            tracing::error!(beacon_id = %self.beacon_id, error = %e, "the DKG completed but its group could not be installed");
        }
    }

    fn install(&self, completion: Completion) -> Result<(), String> {
        let keys = self
            .daemon
            .node_keys(&self.beacon_id)
            .cloned()
            .ok_or("no keypair")?;
        let paths = &keys.paths;
        paths.ensure_dirs().map_err(|e| e.to_string())?;
        let now = unix_ms() / 1000;
        for file in [paths.group_file(), paths.share_file()] {
            backup_file(&file, now).map_err(|e| e.to_string())?;
        }
        completion
            .group
            .write(&paths.group_file())
            .map_err(|e| e.to_string())?;
        completion
            .key_share
            .write(&paths.share_file())
            .map_err(|e| e.to_string())?;
        let info = completion.group.chain_info().map_err(|e| e.to_string())?;
        let round = if completion.epoch <= 1 {
            0
        } else {
            drand_lite::round_at(&info, completion.transition_time).unwrap_or(0)
        };
        if let Some(process) = self.daemon.beacon_process(&self.beacon_id) {
            if process.info.hash() != info.hash() {
                return Err(format!(
                    "the new group is for chain {}, this node runs chain {}",
                    info.hash().to_hex(),
                    process.info.hash().to_hex()
                ));
            }
            let (config, crypto) = engine_inputs(
                paths,
                &completion.group,
                completion.key_share,
                &keys.identity,
            )?;
            let peers = peer_addresses(&completion.group, config.own_index);
            process
                .inputs
                .try_send(Input::Transition(Box::new(Transition {
                    round,
                    next: Some((config, crypto)),
                    group: completion.group,
                    peers,
                })))
                .map_err(|_| "the beacon's queue is full".to_owned())?;
            return Ok(());
        }
        let (process, engine, inputs) = BeaconProcess::build(
            paths,
            Arc::clone(self.daemon.pool()),
            completion.group,
            completion.key_share,
            keys.identity.clone(),
            round,
        )
        .map_err(|e| e.to_string())?;
        self.daemon
            .launch(process, engine, inputs)
            .map_err(|e| e.to_string())
    }

    fn left(&self, transition_time: u64) {
        tracing::info!(beacon_id = %self.beacon_id, transition_time, "this node leaves the group at the transition");
        let Some(process) = self.daemon.beacon_process(&self.beacon_id) else {
            return;
        };
        let round = drand_lite::round_at(&process.info, transition_time).unwrap_or(0);
        let group: Group = process.group();
        let peers = process.peers.addresses();
        let _ = process
            .inputs
            .try_send(Input::Transition(Box::new(Transition {
                round,
                next: None,
                group,
                peers,
            })));
    }
}

/// Bundles queued per peer (drand: min(3n, 1000)).
const BUNDLE_QUEUE: usize = 1000;

/// One peer's ordered bundle queue: one task sends them one after the other (each with a few
/// attempts), and ends when the queue's sender is dropped.
fn spawn_bundle_queue(
    client: crate::net::PeerClient,
    target: BeaconTarget,
    bytes: Arc<AtomicU64>,
    beacon_id: String,
    address: String,
) -> mpsc::Sender<(pb::DkgPacket, u64)> {
    let (tx, mut rx) = mpsc::channel::<(pb::DkgPacket, u64)>(BUNDLE_QUEUE);
    tokio::spawn(async move {
        while let Some((packet, size)) = rx.recv().await {
            for attempt in 1..=3u64 {
                bytes.fetch_add(size, Ordering::Relaxed);
                match client.broadcast_dkg(&target, packet.clone()).await {
                    Ok(()) => break,
                    Err(e) if e.rpc_code().is_some_and(|c| c != tonic::Code::Unavailable) => {
                        tracing::debug!(beacon_id = %beacon_id, peer = %address, error = %e, "DKG bundle refused by peer");
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(300 * attempt)).await,
                }
            }
        }
    });
    tx
}

#[derive(Clone, Copy)]
enum Kind {
    Gossip,
    Joined,
}
