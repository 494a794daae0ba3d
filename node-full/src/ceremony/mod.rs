//! The drand v2 DKG ceremony state machine, pure and sans-IO (§1 of the node reference).
//!
//! A beacon's ceremony is a [`DkgState`] record moving through the twelve [`Status`]es with
//! drand's numbers. Every operator command and every gossip packet is one transition method
//! on the state ([`DkgState::proposing`], [`DkgState::proposed`], ...): it validates exactly
//! what drand validates (§1.6, in drand's order), returns the next state or a typed
//! [`CeremonyError`] and never changes `self`. The caller (the daemon) persists the result.
//!
//! What this module adds to drand, keeping its semantics otherwise:
//! - [`state_to_apply_to`] (§1.5) with a *lazy* TimedOut ([`DkgState::effective_status`]):
//!   an expired proposal no longer blocks the next one;
//! - remainers' keys are checked against the last group file, not only their addresses, and a
//!   joiner checks the proposal's remainers and leavers against the group file it was given;
//! - a node in `Left` can be re-invited as a joiner of a later epoch (drand dereferences a
//!   missing group there);
//! - signed "joined" notices ([`DkgState::received_joined`], [`GossipBody::Joined`]);
//! - the execution kickoff time is recorded, so the transition time and the DKG nonce are the
//!   same on every node ([`transition_time`], [`dkg_nonce`]);
//! - duplicate detection by [`packet_digest`] (type, sender and full terms), so a
//!   re-proposal after an abort is never mistaken for a duplicate.
//!
//! Files: [`status`] (states), [`time`] (Go timestamps), [`participant`] (members and the
//! DKG order), [`terms`] (proposal terms and how commands build them), [`state`] (the record),
//! [`transitions`] (the §1.4 table and the transition methods), [`validation`] (proposal
//! checks), [`fallback`] (§1.5), [`signing`] (§1.10 bytes), [`digest`] (dedupe and nonce),
//! [`schedule`] (transition time), [`persist`] (stored TOML form), [`migrate`] (group file
//! → state).

pub mod digest;
pub mod driver;
pub mod driver_dkg;
pub mod error;
pub mod fallback;
pub mod migrate;
pub mod participant;
pub mod persist;
pub mod schedule;
pub mod signing;
pub mod state;
pub mod status;
pub mod terms;
pub mod time;
pub mod transitions;
pub mod validation;

pub use digest::{dkg_nonce, packet_digest, proposal_digest};
pub use error::CeremonyError;
pub use fallback::state_to_apply_to;
pub use migrate::migrate_from_group;
pub use participant::{Participant, sorted_participants};
pub use schedule::transition_time;
pub use signing::{GossipBody, message_for_signing, sign_packet, verify_packet};
pub use state::DkgState;
pub use status::Status;
pub use terms::{FirstProposal, ProposalTerms, Reshare, first_proposal_terms, reshare_terms};
pub use time::Timestamp;
pub use transitions::is_valid_transition;
pub use validation::validate_proposal;
