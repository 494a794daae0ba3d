//! The ceremony of one beacon ID on one node, sans-IO: `(state, event, now) -> (state,
//! actions)`. It joins the state machine ([`DkgState`]'s transitions), packet signing, the
//! asynchronous additions (re-gossip of the proposal until it completes or expires, answers to
//! pulls, signed joined notices, scheduled execution) and the DKG protocol ([`Dkg`]) run at the
//! kickoff time. The daemon feeds it commands, packets, DKG bundles and ticks, and carries out
//! the [`Action`]s: persist, send, write the group and share, hand them to the beacon.
//!
//! Rules it keeps:
//! - every command and packet is applied to [`state_to_apply_to`] (the last complete state
//!   when the current one is Aborted, TimedOut or Failed; the post-mortem fix);
//! - a packet's signature is verified against the terms of the state after applying it,
//!   before anything is saved; packets are deduplicated by [`packet_digest`] only once they
//!   verified, so a forged copy cannot mask the real one;
//! - the DKG session ID is [`dkg_nonce`]`(epoch, proposal digest)`: bundles of an aborted
//!   attempt do not verify in the retry;
//! - the transition time of a reshare comes from the kickoff time in the Execute packet, so
//!   every node writes the same group file.

use std::collections::HashSet;

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};
use thiserror::Error;

use super::driver_dkg::{self, DkgSetupError};
use super::{
    CeremonyError, DkgState, FirstProposal, GossipBody, Participant, ProposalTerms, Reshare,
    Status, Timestamp, dkg_nonce, first_proposal_terms, packet_digest, proposal_digest,
    reshare_terms, sign_packet, state_to_apply_to, verify_packet,
};
use crate::crypto::SecretKey;
use crate::dkg::{Bundle, Dkg, DkgOutput};
use crate::files::{Group, KeyShare};

/// drand's DKG phase timeout.
pub const DEFAULT_PHASE_TIMEOUT_MS: u64 = 10_000;
/// drand's kickoff grace period (the leader's `execute` starts the DKG this much later).
pub const DEFAULT_KICKOFF_DELAY_MS: u64 = 5_000;
/// How often the leader re-sends its proposal to participants that have not answered.
pub const DEFAULT_REGOSSIP_INTERVAL_MS: u64 = 5_000;
/// Packet digests remembered for duplicate detection (cleared when full).
const MAX_SEEN: usize = 65_536;
/// DKG bundles kept while waiting for the kickoff.
const MAX_EARLY_BUNDLES: usize = 4_096;

/// The fixed settings of one node's ceremony for one beacon ID.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// The beacon ID.
    pub beacon_id: String,
    /// The scheme of this node's key (packets are signed and verified with it).
    pub scheme: Scheme,
    /// This node as a participant (address, key, self-signature).
    pub me: Participant,
    /// Phase timeout of the DKG.
    pub phase_timeout_ms: u64,
    /// Re-gossip interval of the leader's proposal.
    pub regossip_interval_ms: u64,
}

impl DriverConfig {
    /// drand's timings.
    pub fn new(beacon_id: &str, scheme: Scheme, me: Participant) -> DriverConfig {
        DriverConfig {
            beacon_id: beacon_id.to_owned(),
            scheme,
            me,
            phase_timeout_ms: DEFAULT_PHASE_TIMEOUT_MS,
            regossip_interval_ms: DEFAULT_REGOSSIP_INTERVAL_MS,
        }
    }
}

/// A gossip packet as signed by its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPacket {
    /// The sender's address (drand's `GossipMetadata.address`).
    pub sender: String,
    /// What it says.
    pub body: GossipBody,
    /// The sender's signature over [`super::message_for_signing`].
    pub signature: Vec<u8>,
}

/// `dkg init`: the first epoch, times already absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOptions {
    /// Threshold of the group.
    pub threshold: u32,
    /// Beacon period in seconds.
    pub period_secs: u32,
    /// Catch-up period in seconds.
    pub catchup_period_secs: u32,
    /// The scheme (must be this node's key scheme).
    pub scheme: Scheme,
    /// Time of round 1.
    pub genesis_time: Timestamp,
    /// When the proposal expires.
    pub timeout: Timestamp,
    /// Every member, the leader included.
    pub joining: Vec<Participant>,
}

/// `dkg reshare`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReshareOptions {
    /// Threshold of the new group.
    pub threshold: u32,
    /// New catch-up period (kept when `None`).
    pub catchup_period_secs: Option<u32>,
    /// When the proposal expires.
    pub timeout: Timestamp,
    /// New members.
    pub joining: Vec<Participant>,
    /// Members that stay (the leader included).
    pub remaining: Vec<Participant>,
    /// Members that leave.
    pub leaving: Vec<Participant>,
}

/// When the leader's `dkg execute` starts the DKG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecuteWhen {
    /// Now (after the kickoff delay).
    Now,
    /// As soon as every remainer accepted and every joiner announced it joined, or, with a
    /// quorum, as soon as that many participants (the leader included) are ready.
    WhenReady {
        /// Ready participants needed (all when `None`).
        quorum: Option<u32>,
    },
    /// At this time.
    At(Timestamp),
}

/// An operator command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `dkg init` (leader, epoch 1).
    Init(InitOptions),
    /// `dkg reshare` (leader).
    Reshare(ReshareOptions),
    /// `dkg join`, with the previous group file after epoch 1.
    Join {
        /// The previous group (required after epoch 1).
        previous_group: Option<Box<Group>>,
    },
    /// `dkg accept` (remainer).
    Accept,
    /// `dkg reject` (remainer).
    Reject,
    /// `dkg execute` (leader).
    Execute {
        /// When.
        when: ExecuteWhen,
        /// Delay between the Execute packet and the DKG's start (drand: 5 s).
        kickoff_delay_ms: u64,
    },
    /// `dkg abort`.
    Abort,
}

/// What reaches the driver.
#[derive(Debug, Clone)]
pub enum Event {
    /// A local operator command.
    Command(Command),
    /// A gossip packet from a peer (or a proposal returned by a pull).
    Packet(SignedPacket),
    /// A joined notice (our extension service).
    Joined(SignedPacket),
    /// A DKG bundle from a peer.
    Bundle(Bundle),
    /// Time passed ([`Driver::next_wakeup`]).
    Tick,
}

/// A finished DKG, for the daemon to write and start.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The epoch that completed.
    pub epoch: u32,
    /// The new group file.
    pub group: Group,
    /// This node's new share.
    pub key_share: KeyShare,
    /// When the new group takes over (the genesis for epoch 1).
    pub transition_time: u64,
}

/// What the daemon must do, in order.
#[derive(Debug, Clone)]
pub enum Action {
    /// Persist the current state.
    SaveCurrent(Box<DkgState>),
    /// Persist a complete state as both current and last complete, in one transaction.
    SaveFinished(Box<DkgState>),
    /// Send a gossip packet to these addresses (best effort, with retries).
    Gossip {
        /// The packet.
        packet: SignedPacket,
        /// Recipients.
        to: Vec<String>,
    },
    /// Send a joined notice (our extension service) to these addresses.
    AnnounceJoined {
        /// The notice.
        packet: SignedPacket,
        /// Recipients.
        to: Vec<String>,
    },
    /// Send a DKG bundle to these addresses.
    SendBundle {
        /// The bundle.
        bundle: Box<Bundle>,
        /// Recipients.
        to: Vec<String>,
    },
    /// Ask these peers for their current proposal (our extension); answers come back as
    /// [`Event::Packet`].
    Pull {
        /// Whom to ask.
        from: Vec<String>,
    },
    /// The DKG completed with this node in the new group: write the group and share, start
    /// the beacon (epoch 1, or a joiner) or hand over at the transition (a remainer).
    Completed(Box<Completion>),
    /// This node left the group: stop signing at the transition.
    Left {
        /// When the new group takes over.
        transition_time: u64,
    },
    /// Something worth a log line at warning level (a dropped bundle, a failed DKG).
    Warn(String),
}

/// Why a command or packet was refused.
#[derive(Debug, Error)]
pub enum DriverError {
    /// The state machine refused it.
    #[error(transparent)]
    Ceremony(#[from] CeremonyError),
    /// A packet for another beacon.
    #[error("this is the ceremony of beacon {ours:?}, not {theirs:?}")]
    WrongBeacon {
        /// Ours.
        ours: String,
        /// The packet's.
        theirs: String,
    },
    /// A packet that needs the proposal this node does not have (it asks for it).
    #[error("no proposal here to check this {kind} packet against; asked {sender} for it")]
    NoProposal {
        /// The packet type.
        kind: &'static str,
        /// Who sent it.
        sender: String,
    },
    /// `init` with a scheme other than this node's key scheme.
    #[error("the proposal's scheme {proposed} is not this node's key scheme {ours}")]
    SchemeMismatch {
        /// Proposed.
        proposed: String,
        /// Ours.
        ours: String,
    },
    /// A state without proposal terms where one is needed (an internal inconsistency).
    #[error("no proposal in state {0}")]
    NoTerms(Status),
    /// `reshare` with no completed DKG.
    #[error("no completed DKG to reshare: run `dkg init` for the first epoch")]
    NothingToReshare,
    /// A packet type that does not travel this way.
    #[error("unexpected {0} packet")]
    Unexpected(&'static str),
    /// The DKG could not be set up from the agreed terms.
    #[error("cannot set up the DKG: {0}")]
    Setup(#[from] DkgSetupError),
}

/// A leader's pending `execute --when-ready` / `--at`.
#[derive(Debug, Clone)]
struct Schedule {
    when: ExecuteWhen,
    kickoff_delay_ms: u64,
}

/// The DKG of the executing epoch.
struct Running {
    /// `None` until the kickoff time.
    dkg: Option<Dkg>,
    kickoff_ms: u64,
    /// The other participants of the DKG (bundles go to them).
    peers: Vec<String>,
    /// Bundles received before the kickoff.
    early: Vec<Bundle>,
}

/// One node's ceremony for one beacon ID.
pub struct Driver {
    config: DriverConfig,
    secret: SecretKey,
    current: DkgState,
    finished: Option<DkgState>,
    seen: HashSet<[u8; 32]>,
    /// The leader's signed proposal of the live ceremony (re-gossiped, answered to pulls).
    proposal: Option<SignedPacket>,
    next_regossip_ms: Option<u64>,
    schedule: Option<Schedule>,
    running: Option<Running>,
}

fn now_ts(now_ms: u64) -> Timestamp {
    Timestamp::from_unix_millis(now_ms)
}

fn contains(list: &[Participant], p: &Participant) -> bool {
    list.iter()
        .any(|q| q.address == p.address && q.key == p.key)
}

impl Driver {
    /// The ceremony as persisted (`current` = None: never ran). A node that restarts in the
    /// middle of an execution has lost its DKG secrets: that attempt is marked Failed (the
    /// group continues with the last complete epoch). At start the node asks the members of
    /// its last group for a live proposal it may have missed while offline.
    pub fn new(
        config: DriverConfig,
        secret: SecretKey,
        current: Option<DkgState>,
        finished: Option<DkgState>,
    ) -> (Driver, Vec<Action>) {
        let current = current.unwrap_or_else(|| DkgState::fresh(&config.beacon_id));
        let mut driver = Driver {
            config,
            secret,
            current,
            finished,
            seen: HashSet::new(),
            proposal: None,
            next_regossip_ms: None,
            schedule: None,
            running: None,
        };
        let mut actions = Vec::new();
        if driver.current.status == Status::Executing
            && let Ok(failed) = driver.current.failed()
        {
            actions.push(Action::Warn(format!(
                "epoch {} was executing when this node stopped; its DKG cannot resume: marked Failed",
                driver.current.epoch
            )));
            driver.current = failed;
            actions.push(Action::SaveCurrent(Box::new(driver.current.clone())));
        }
        let from = driver.group_peers();
        if !from.is_empty() {
            actions.push(Action::Pull { from });
        }
        (driver, actions)
    }

    /// The current state (with the lazily derived TimedOut not applied).
    pub fn current(&self) -> &DkgState {
        &self.current
    }

    /// The last complete state.
    pub fn finished(&self) -> Option<&DkgState> {
        self.finished.as_ref()
    }

    /// The fixed settings.
    pub fn config(&self) -> &DriverConfig {
        &self.config
    }

    /// The live proposal, signed by its leader, for a peer that pulls it: only while the
    /// ceremony is open (not expired, aborted, failed or complete).
    pub fn live_proposal(&self, now_ms: u64) -> Option<SignedPacket> {
        let status = self.current.effective_status(now_ts(now_ms));
        let open = matches!(
            status,
            Status::Proposing
                | Status::Proposed
                | Status::Accepted
                | Status::Rejected
                | Status::Joined
                | Status::Executing
        );
        if open { self.proposal.clone() } else { None }
    }

    /// When [`Event::Tick`] is next needed.
    pub fn next_wakeup(&self) -> Option<u64> {
        let mut wake = self.next_regossip_ms;
        let mut earliest = |t: Option<u64>| {
            if let Some(t) = t {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        if let Some(running) = &self.running {
            match &running.dkg {
                // u64::MAX: bundles kept before any Execute packet; nothing to wake for.
                None if running.kickoff_ms == u64::MAX => {}
                None => earliest(Some(running.kickoff_ms)),
                Some(dkg) => earliest(dkg.next_wakeup()),
            }
        }
        if let Some(Schedule {
            when: ExecuteWhen::At(at),
            ..
        }) = &self.schedule
        {
            earliest(Some(at.unix_millis()));
        }
        wake
    }

    /// Processes one event at `now_ms`.
    pub fn handle<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        event: Event,
        rng: &mut R,
    ) -> Result<Vec<Action>, DriverError> {
        let mut out = Vec::new();
        match event {
            Event::Command(command) => self.on_command(now_ms, command, rng, &mut out)?,
            Event::Packet(packet) => self.on_packet(now_ms, packet, rng, &mut out)?,
            Event::Joined(packet) => self.on_joined(now_ms, packet, &mut out)?,
            Event::Bundle(bundle) => self.on_bundle(now_ms, bundle, rng, &mut out),
            Event::Tick => self.on_tick(now_ms, rng, &mut out),
        }
        Ok(out)
    }

    /// The state a command or packet applies to (§1.5).
    fn base(&self, now_ms: u64) -> DkgState {
        state_to_apply_to(&self.current, self.finished.as_ref(), now_ts(now_ms))
    }

    /// Every participant of `terms` but this node.
    fn recipients(&self, terms: &ProposalTerms) -> Vec<String> {
        let mut to: Vec<String> = terms
            .joining
            .iter()
            .chain(&terms.remaining)
            .chain(&terms.leaving)
            .map(|p| p.address.clone())
            .filter(|a| *a != self.config.me.address)
            .collect();
        to.sort();
        to.dedup();
        to
    }

    /// The other members of the last complete group (whom to ask for a missed proposal).
    fn group_peers(&self) -> Vec<String> {
        self.finished
            .as_ref()
            .and_then(|f| f.final_group.as_ref())
            .map(|g| {
                g.nodes
                    .iter()
                    .map(|n| n.address.clone())
                    .filter(|a| *a != self.config.me.address)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn sign(&self, body: &GossipBody, terms: &ProposalTerms) -> SignedPacket {
        SignedPacket {
            sender: self.config.me.address.clone(),
            body: body.clone(),
            signature: sign_packet(&self.secret, &self.config.beacon_id, body, terms),
        }
    }

    /// Signs `body` over `terms`, remembers it (our own packet echoed back is a duplicate) and
    /// gossips it to every other participant; returns the packet.
    fn gossip_own(
        &mut self,
        body: GossipBody,
        terms: &ProposalTerms,
        out: &mut Vec<Action>,
    ) -> SignedPacket {
        let packet = self.sign(&body, terms);
        self.remember(packet_digest(
            &self.config.beacon_id,
            &body,
            terms,
            &self.config.me.address,
        ));
        out.push(Action::Gossip {
            to: self.recipients(terms),
            packet: packet.clone(),
        });
        packet
    }

    fn save(&mut self, next: DkgState, out: &mut Vec<Action>) {
        self.current = next;
        out.push(Action::SaveCurrent(Box::new(self.current.clone())));
    }

    /// A new proposal replaces whatever ran before it.
    fn reset_ceremony(&mut self) {
        self.schedule = None;
        self.running = None;
        self.next_regossip_ms = None;
        self.proposal = None;
    }

    fn remember(&mut self, digest: [u8; 32]) {
        if self.seen.len() >= MAX_SEEN {
            self.seen.clear();
        }
        self.seen.insert(digest);
    }

    fn on_command<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        command: Command,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) -> Result<(), DriverError> {
        let now = now_ts(now_ms);
        let me = self.config.me.clone();
        match command {
            Command::Init(options) => {
                if options.scheme != self.config.scheme {
                    return Err(DriverError::SchemeMismatch {
                        proposed: options.scheme.id().to_owned(),
                        ours: self.config.scheme.id().to_owned(),
                    });
                }
                let terms = first_proposal_terms(FirstProposal {
                    beacon_id: self.config.beacon_id.clone(),
                    leader: me.clone(),
                    threshold: options.threshold,
                    timeout: options.timeout,
                    catchup_period_secs: options.catchup_period_secs,
                    beacon_period_secs: options.period_secs,
                    scheme: options.scheme,
                    genesis_time: options.genesis_time,
                    joining: options.joining,
                });
                self.propose(now_ms, terms, out)
            }
            Command::Reshare(options) => {
                let last = self
                    .finished
                    .as_ref()
                    .ok_or(DriverError::NothingToReshare)?;
                let terms = reshare_terms(
                    last,
                    Reshare {
                        leader: me.clone(),
                        threshold: options.threshold,
                        timeout: options.timeout,
                        catchup_period_secs: options.catchup_period_secs,
                        joining: options.joining,
                        remaining: options.remaining,
                        leaving: options.leaving,
                    },
                )?;
                self.propose(now_ms, terms, out)
            }
            Command::Join { previous_group } => {
                let next = self
                    .base(now_ms)
                    .joined(&me, previous_group.map(|g| *g), now)?;
                let terms = next.terms().ok_or(DriverError::NoTerms(next.status))?;
                let packet = self.sign(&GossipBody::Joined(me.clone()), &terms);
                let mut joined = next;
                if !contains(&joined.joined, &me) {
                    joined.joined.push(me.clone());
                }
                self.save(joined, out);
                out.push(Action::AnnounceJoined {
                    to: self.recipients(&terms),
                    packet,
                });
                Ok(())
            }
            Command::Accept | Command::Reject => {
                let accept = matches!(command, Command::Accept);
                let base = self.base(now_ms);
                let next = if accept {
                    base.accepted(&me, now)?
                } else {
                    base.rejected(&me, now)?
                };
                let terms = next.terms().ok_or(DriverError::NoTerms(next.status))?;
                let body = if accept {
                    GossipBody::Accept(me.clone())
                } else {
                    GossipBody::Reject(me.clone())
                };
                self.save(next, out);
                self.gossip_own(body, &terms, out);
                Ok(())
            }
            Command::Execute {
                when,
                kickoff_delay_ms,
            } => {
                // Validate now (leader, state, deadline), even when scheduled for later.
                let probe = self.base(now_ms).start_executing(
                    &me,
                    now.plus_millis(kickoff_delay_ms),
                    now,
                )?;
                drop(probe);
                match when {
                    ExecuteWhen::Now => self.execute(now_ms, kickoff_delay_ms, rng, out),
                    when => {
                        self.schedule = Some(Schedule {
                            when,
                            kickoff_delay_ms,
                        });
                        self.check_schedule(now_ms, rng, out);
                        Ok(())
                    }
                }
            }
            Command::Abort => {
                let base = self.base(now_ms);
                let next = base.start_abort()?;
                let leader = next
                    .leader
                    .as_ref()
                    .is_some_and(|l| l.address == me.address);
                let terms = next.terms();
                self.reset_ceremony();
                self.save(next, out);
                if leader && let Some(terms) = terms {
                    let body = GossipBody::Abort {
                        reason: "none".to_owned(),
                    };
                    self.gossip_own(body, &terms, out);
                }
                Ok(())
            }
        }
    }

    /// The leader proposes `terms`.
    fn propose(
        &mut self,
        now_ms: u64,
        terms: ProposalTerms,
        out: &mut Vec<Action>,
    ) -> Result<(), DriverError> {
        let me = self.config.me.clone();
        let next = self
            .base(now_ms)
            .proposing(&me, terms.clone(), now_ts(now_ms))?;
        self.reset_ceremony();
        self.save(next, out);
        let packet = self.gossip_own(GossipBody::Proposal(terms.clone()), &terms, out);
        self.proposal = Some(packet);
        self.next_regossip_ms = Some(now_ms.saturating_add(self.config.regossip_interval_ms));
        Ok(())
    }

    /// The leader starts execution: Execute packet now, DKG at now + delay.
    fn execute<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        kickoff_delay_ms: u64,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) -> Result<(), DriverError> {
        let now = now_ts(now_ms);
        let kickoff = now.plus_millis(kickoff_delay_ms);
        let me = self.config.me.clone();
        let next = self.base(now_ms).start_executing(&me, kickoff, now)?;
        let terms = next.terms().ok_or(DriverError::NoTerms(next.status))?;
        self.schedule = None;
        self.next_regossip_ms = None;
        let left = next.status == Status::Left;
        self.save(next, out);
        self.gossip_own(GossipBody::Execute { time: kickoff }, &terms, out);
        if left {
            self.left(kickoff, out);
        } else {
            self.prepare_dkg(kickoff, &terms);
            self.on_tick(now_ms, rng, out);
        }
        Ok(())
    }

    fn on_packet<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        packet: SignedPacket,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) -> Result<(), DriverError> {
        let now = now_ts(now_ms);
        let me = self.config.me.clone();
        let base = self.base(now_ms);
        // The terms the signature covers: the proposal's own, or those of the state the
        // packet moves to (which are the base's for every other packet).
        let terms = match &packet.body {
            GossipBody::Proposal(terms) => {
                if terms.beacon_id != self.config.beacon_id {
                    return Err(DriverError::WrongBeacon {
                        ours: self.config.beacon_id.clone(),
                        theirs: terms.beacon_id.clone(),
                    });
                }
                terms.clone()
            }
            GossipBody::Dkg | GossipBody::Joined(_) => {
                return Err(DriverError::Unexpected(packet.body.kind()));
            }
            other => match base.terms() {
                Some(terms) => terms,
                None => {
                    out.push(Action::Pull {
                        from: vec![packet.sender.clone()],
                    });
                    return Err(DriverError::NoProposal {
                        kind: other.kind(),
                        sender: packet.sender.clone(),
                    });
                }
            },
        };
        let digest = packet_digest(&self.config.beacon_id, &packet.body, &terms, &packet.sender);
        if self.seen.contains(&digest) {
            return Ok(());
        }
        if let GossipBody::Proposal(proposed) = &packet.body
            && self.current.terms().as_ref() == Some(proposed)
            && !self.current.effective_status(now).is_terminal()
        {
            // The proposal this node already acts on (a re-gossip after a restart, or a pull
            // answer): keep it for pulls, change nothing.
            if self.proposal.is_none() {
                verify_packet(
                    self.config.scheme,
                    &self.config.beacon_id,
                    &packet.body,
                    proposed,
                    &packet.sender,
                    &packet.signature,
                )?;
                self.proposal = Some(packet.clone());
            }
            self.remember(digest);
            return Ok(());
        }
        let next = match &packet.body {
            GossipBody::Proposal(terms) => {
                base.proposed(&me, terms.clone(), &packet.sender, now)?
            }
            GossipBody::Accept(who) => base.received_acceptance(who, &packet.sender)?,
            GossipBody::Reject(who) => base.received_rejection(who, &packet.sender)?,
            GossipBody::Execute { time } => base.executing(&me, &packet.sender, *time, now)?,
            GossipBody::Abort { .. } => base.aborted(&packet.sender)?,
            GossipBody::Dkg | GossipBody::Joined(_) => {
                return Err(DriverError::Unexpected(packet.body.kind()));
            }
        };
        let signed_terms = next.terms().unwrap_or_else(|| terms.clone());
        verify_packet(
            self.config.scheme,
            &self.config.beacon_id,
            &packet.body,
            &signed_terms,
            &packet.sender,
            &packet.signature,
        )?;
        self.remember(digest);
        // Re-gossip once to everyone else (drand's flood), so a packet reaches nodes the
        // sender could not.
        let mut relay_to = self.recipients(&signed_terms);
        relay_to.retain(|a| *a != packet.sender);
        match &packet.body {
            GossipBody::Proposal(_) => {
                self.reset_ceremony();
                self.proposal = Some(packet.clone());
            }
            GossipBody::Abort { .. } => self.reset_ceremony(),
            _ => {}
        }
        let status = next.status;
        self.save(next, out);
        out.push(Action::Gossip {
            packet: packet.clone(),
            to: relay_to,
        });
        if let GossipBody::Execute { time } = &packet.body {
            self.schedule = None;
            if status == Status::Left {
                self.left(*time, out);
            } else {
                self.prepare_dkg(*time, &signed_terms);
                self.on_tick(now_ms, rng, out);
            }
        }
        Ok(())
    }

    fn on_joined(
        &mut self,
        now_ms: u64,
        packet: SignedPacket,
        out: &mut Vec<Action>,
    ) -> Result<(), DriverError> {
        let GossipBody::Joined(who) = &packet.body else {
            return Err(DriverError::Unexpected(packet.body.kind()));
        };
        let base = self.base(now_ms);
        let Some(terms) = base.terms() else {
            out.push(Action::Pull {
                from: vec![packet.sender.clone()],
            });
            return Err(DriverError::NoProposal {
                kind: "joined",
                sender: packet.sender.clone(),
            });
        };
        let digest = packet_digest(&self.config.beacon_id, &packet.body, &terms, &packet.sender);
        if self.seen.contains(&digest) {
            return Ok(());
        }
        let next = base.received_joined(who, &packet.sender)?;
        verify_packet(
            self.config.scheme,
            &self.config.beacon_id,
            &packet.body,
            &terms,
            &packet.sender,
            &packet.signature,
        )?;
        self.remember(digest);
        self.save(next, out);
        Ok(())
    }

    fn left(&mut self, kickoff: Timestamp, out: &mut Vec<Action>) {
        let genesis = u64::try_from(self.current.genesis_time.secs).unwrap_or(0);
        out.push(Action::Left {
            transition_time: super::transition_time(
                genesis,
                self.current.beacon_period_secs,
                kickoff,
                self.config.phase_timeout_ms,
            ),
        });
    }

    /// Arms the DKG for `kickoff` (it starts at the first tick at or after it).
    fn prepare_dkg(&mut self, kickoff: Timestamp, terms: &ProposalTerms) {
        let mut peers: Vec<String> = terms
            .joining
            .iter()
            .chain(&terms.remaining)
            .map(|p| p.address.clone())
            .filter(|a| *a != self.config.me.address)
            .collect();
        peers.sort();
        peers.dedup();
        let early = self.running.take().map(|r| r.early).unwrap_or_default();
        self.running = Some(Running {
            dkg: None,
            kickoff_ms: kickoff.unix_millis(),
            peers,
            early,
        });
    }

    fn on_bundle<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        bundle: Bundle,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) {
        match &mut self.running {
            Some(Running { dkg: Some(dkg), .. }) => {
                let outputs = dkg.handle(now_ms, bundle, rng);
                self.dkg_outputs(now_ms, outputs, out);
            }
            Some(running) => {
                if running.early.len() < MAX_EARLY_BUNDLES {
                    running.early.push(bundle);
                }
            }
            None => {
                // Bundles can beat the Execute packet: keep a few for when it arrives.
                let status = self.current.status;
                if matches!(
                    status,
                    Status::Accepted | Status::Joined | Status::Proposing | Status::Proposed
                ) {
                    self.running = Some(Running {
                        dkg: None,
                        kickoff_ms: u64::MAX,
                        peers: Vec::new(),
                        early: vec![bundle],
                    });
                }
            }
        }
    }

    fn on_tick<R: RngCore + CryptoRng>(&mut self, now_ms: u64, rng: &mut R, out: &mut Vec<Action>) {
        self.regossip(now_ms, out);
        self.check_schedule(now_ms, rng, out);
        let start = self
            .running
            .as_ref()
            .is_some_and(|r| r.dkg.is_none() && r.kickoff_ms <= now_ms);
        if start {
            self.start_dkg(now_ms, rng, out);
        }
        if let Some(Running { dkg: Some(dkg), .. }) = &mut self.running {
            let outputs = dkg.tick(now_ms);
            self.dkg_outputs(now_ms, outputs, out);
        }
    }

    /// The leader re-sends its proposal to participants that have not answered yet, until
    /// the ceremony leaves the proposal phase or expires.
    fn regossip(&mut self, now_ms: u64, out: &mut Vec<Action>) {
        let Some(at) = self.next_regossip_ms else {
            return;
        };
        if now_ms < at {
            return;
        }
        if self.current.effective_status(now_ts(now_ms)) != Status::Proposing {
            self.next_regossip_ms = None;
            return;
        }
        self.next_regossip_ms = Some(now_ms.saturating_add(self.config.regossip_interval_ms));
        let Some(packet) = self.proposal.clone() else {
            return;
        };
        let s = &self.current;
        let answered = |p: &Participant| {
            contains(&s.acceptors, p) || contains(&s.rejectors, p) || contains(&s.joined, p)
        };
        let to: Vec<String> = s
            .remaining
            .iter()
            .chain(&s.joining)
            .filter(|p| !answered(p) && p.address != self.config.me.address)
            .map(|p| p.address.clone())
            .collect();
        if !to.is_empty() {
            out.push(Action::Gossip { packet, to });
        }
    }

    /// Runs a scheduled execution when its condition holds.
    fn check_schedule<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) {
        let Some(schedule) = self.schedule.clone() else {
            return;
        };
        if self.current.effective_status(now_ts(now_ms)) != Status::Proposing {
            self.schedule = None;
            return;
        }
        let due = match &schedule.when {
            ExecuteWhen::Now => true,
            ExecuteWhen::At(at) => at.unix_millis() <= now_ms,
            ExecuteWhen::WhenReady { quorum } => {
                let s = &self.current;
                let ready_remainers = s
                    .remaining
                    .iter()
                    .filter(|p| contains(&s.acceptors, p) || p.address == self.config.me.address)
                    .count();
                let ready_joiners = s
                    .joining
                    .iter()
                    .filter(|p| contains(&s.joined, p) || p.address == self.config.me.address)
                    .count();
                let ready = ready_remainers + ready_joiners;
                let all = s.remaining.len() + s.joining.len();
                match quorum {
                    Some(q) => ready >= *q as usize,
                    None => ready >= all,
                }
            }
        };
        if due {
            self.schedule = None;
            if let Err(e) = self.execute(now_ms, schedule.kickoff_delay_ms, rng, out) {
                out.push(Action::Warn(format!("scheduled execution failed: {e}")));
            }
        }
    }

    fn start_dkg<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        out: &mut Vec<Action>,
    ) {
        let setup = driver_dkg::dkg_config(
            &self.config,
            &self.secret,
            &self.current,
            self.finished.as_ref(),
        );
        let started = setup.and_then(|config| {
            Dkg::new(config, now_ms, rng).map_err(|e| DkgSetupError::Protocol(e.to_string()))
        });
        match started {
            Ok((dkg, outputs)) => {
                let early = match &mut self.running {
                    Some(running) => {
                        running.dkg = Some(dkg);
                        std::mem::take(&mut running.early)
                    }
                    None => return,
                };
                self.dkg_outputs(now_ms, outputs, out);
                for bundle in early {
                    self.on_bundle(now_ms, bundle, rng, out);
                }
            }
            Err(e) => {
                self.running = None;
                out.push(Action::Warn(format!("the DKG could not start: {e}")));
                self.fail(out);
            }
        }
    }

    fn fail(&mut self, out: &mut Vec<Action>) {
        self.running = None;
        if let Ok(next) = self.current.failed() {
            self.save(next, out);
        }
    }

    fn dkg_outputs(&mut self, now_ms: u64, outputs: Vec<DkgOutput>, out: &mut Vec<Action>) {
        let peers = self
            .running
            .as_ref()
            .map(|r| r.peers.clone())
            .unwrap_or_default();
        for output in outputs {
            match output {
                DkgOutput::Broadcast(bundle) | DkgOutput::Relay(bundle) => {
                    out.push(Action::SendBundle {
                        bundle: Box::new(bundle),
                        to: peers.clone(),
                    });
                }
                DkgOutput::Rejected { reason } => {
                    out.push(Action::Warn(format!("DKG bundle dropped: {reason}")));
                }
                DkgOutput::Finished(Ok(result)) => {
                    self.running = None;
                    match driver_dkg::completion(
                        &self.config,
                        &self.current,
                        result,
                        now_ts(now_ms),
                    ) {
                        Ok((next, completion)) => {
                            self.current = next.clone();
                            self.finished = Some(next.clone());
                            out.push(Action::SaveFinished(Box::new(next)));
                            out.push(Action::Completed(Box::new(completion)));
                        }
                        Err(e) => {
                            out.push(Action::Warn(format!(
                                "epoch {} finished without a usable share for this node: {e}",
                                self.current.epoch
                            )));
                            self.fail(out);
                        }
                    }
                }
                DkgOutput::Finished(Err(e)) => {
                    out.push(Action::Warn(format!(
                        "the DKG of epoch {} failed: {e}",
                        self.current.epoch
                    )));
                    self.fail(out);
                }
            }
        }
    }
}

/// The session ID of the DKG of `terms` (re-exported for the simulation and tests).
pub fn session_of(terms: &ProposalTerms) -> [u8; 32] {
    dkg_nonce(terms.epoch, &proposal_digest(terms))
}
