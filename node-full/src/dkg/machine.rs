//! The protocol machine, generic over the curve setting: configuration checks, dealing, the
//! echo-broadcast intake of bundles and the phase clock. The phase transitions themselves are
//! in [`super::phases`], the final key computation in [`super::outcome`].

use std::collections::HashSet;

use drand_lite::{DecodeError, Scheme};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};

use super::bundle::{Bundle, Deal, DealBundle, JustificationBundle, ResponseBundle};
use super::cache::SharedCache;
use super::config::{DkgConfig, DkgNode};
use super::error::DkgError;
use super::protocol::DkgOutput;
use super::{ecies, schnorr};
use crate::crypto::poly::eval_scalar;
use crate::crypto::scalar::{SCALAR_BYTES, ScalarField};
use crate::crypto::suite::{Kind, Suite};
use crate::crypto::{CryptoError, MAX_SIGNERS, PublicPoly};

/// Largest accepted encrypted share (a real one is a point, 32 bytes and a 16-byte tag).
pub(super) const MAX_CIPHERTEXT: usize = 1024;

/// The phases of kyber's fast-sync protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    /// Deals are out; collecting the others'.
    Deal,
    /// Responses are out; collecting the others'.
    Response,
    /// Justifications are out; collecting the others'.
    Justification,
    /// The result was emitted.
    Finished,
}

/// A participant with its decoded key.
pub(super) struct Member<S: Suite> {
    /// Its protocol index.
    pub(super) index: u32,
    /// Its key, encoded (canonical: it decoded strictly).
    pub(super) encoded: Vec<u8>,
    /// Its key, decoded.
    pub(super) key: S::Key,
}

impl<S: Suite> Clone for Member<S> {
    fn clone(&self) -> Self {
        Member {
            index: self.index,
            encoded: self.encoded.clone(),
            key: self.key,
        }
    }
}

/// What was received from one signer for one bundle kind (kyber's `set`).
pub(super) enum Slot<T> {
    /// Nothing yet.
    Empty,
    /// One bundle, with its hash.
    Present(T, [u8; 32]),
    /// Two different bundles: the signer equivocated and is out.
    Bad,
}

impl<T> Slot<T> {
    /// Whether nothing more is expected from this signer.
    pub(super) fn settled(&self) -> bool {
        !matches!(self, Slot::Empty)
    }
}

/// A deal bundle with its commitments decoded.
pub(super) struct ReceivedDeal<S: Suite> {
    /// The bundle as signed.
    pub(super) bundle: DealBundle,
    /// `bundle.commits`, decoded.
    pub(super) commits: Vec<S::Key>,
}

/// The previous group, for a reshare.
pub(super) struct Previous<S: Suite> {
    /// The old commitments.
    pub(super) public: PublicPoly,
    /// The old group key.
    pub(super) group_key: S::Key,
    /// The old threshold.
    pub(super) threshold: usize,
}

/// kyber's `DistKeyGenerator` plus its fast-sync `Protocol`, for one curve setting.
pub(crate) struct Machine<S: Suite> {
    pub(super) scheme: Scheme,
    pub(super) kind: Kind,
    /// The new threshold.
    pub(super) threshold: usize,
    pub(super) nonce: [u8; 32],
    pub(super) start_ms: u64,
    pub(super) phase_ms: u64,
    pub(super) phase: Phase,
    /// Our long-term secret and its encoded public key.
    pub(super) long: S::Scalar,
    pub(super) long_public: Vec<u8>,
    /// Signing and challenge randomness (seeded from the caller's RNG at creation, so that
    /// [`Machine::tick`] can sign without one).
    pub(super) rng: ChaCha20Rng,
    /// The dealers (old nodes, or the new nodes for a fresh DKG), ascending by index.
    pub(super) dealers: Vec<Member<S>>,
    /// The share holders (new nodes), ascending by index.
    pub(super) holders: Vec<Member<S>>,
    /// Our position among the dealers, if we deal.
    pub(super) me_dealer: Option<usize>,
    /// Our position among the holders, if we receive a share.
    pub(super) me_holder: Option<usize>,
    /// The previous group (reshare only).
    pub(super) previous: Option<Previous<S>>,
    /// Our secret polynomial, if we deal.
    pub(super) poly: Vec<S::Scalar>,
    /// Echo broadcast: hashes of every bundle accepted so far.
    pub(super) seen: HashSet<[u8; 32]>,
    /// The signatures of those bundles: a repeat of a verified signature is the same bundle
    /// (anything else would be a forgery), so copies are dropped without hashing.
    pub(super) seen_signatures: HashSet<Vec<u8>>,
    pub(super) deals: Vec<Slot<ReceivedDeal<S>>>,
    pub(super) responses: Vec<Slot<ResponseBundle>>,
    pub(super) justifications: Vec<Slot<JustificationBundle>>,
    /// `statuses[dealer][holder]`: true = success (kyber's fast sync starts all-complaint).
    pub(super) statuses: Vec<Vec<bool>>,
    /// Dealers evicted (by position).
    pub(super) evicted: Vec<bool>,
    /// Holders evicted (by position).
    pub(super) evicted_holders: Vec<bool>,
    /// Each processed dealer's commitments.
    pub(super) publics: Vec<Option<Vec<S::Key>>>,
    /// The valid share each dealer gave us.
    pub(super) shares: Vec<Option<S::Scalar>>,
    /// A decode/verification cache shared with other machines of this process, if any.
    pub(super) cache: Option<SharedCache>,
    /// Outputs accumulated during the current call.
    pub(super) out: Vec<DkgOutput>,
}

fn config_error(reason: impl Into<String>) -> DkgError {
    DkgError::Config {
        reason: reason.into(),
    }
}

/// Decodes a participant list: strict keys, distinct indices and keys, sorted by index.
fn members<S: Suite>(
    what: &str,
    nodes: &[DkgNode],
    cache: Option<&SharedCache>,
) -> Result<Vec<Member<S>>, DkgError> {
    if nodes.is_empty() {
        return Err(config_error(format!("the {what} list is empty")));
    }
    if nodes.len() > MAX_SIGNERS as usize {
        return Err(config_error(format!(
            "{} {what} exceed the maximum of {MAX_SIGNERS}",
            nodes.len()
        )));
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut keys = HashSet::new();
    for node in nodes {
        if node.index >= MAX_SIGNERS {
            return Err(config_error(format!(
                "{what} index {} is not below {MAX_SIGNERS}",
                node.index
            )));
        }
        let key = decode_cached::<S>(&node.public_key, cache).map_err(|e| {
            DkgError::Crypto(CryptoError::point(
                format!("{what} {} public key", node.index),
                e,
            ))
        })?;
        if !keys.insert(node.public_key.clone()) {
            return Err(config_error(format!(
                "{what} {} repeats another node's key",
                node.index
            )));
        }
        out.push(Member {
            index: node.index,
            encoded: node.public_key.clone(),
            key,
        });
    }
    out.sort_by_key(|m| m.index);
    if out
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.index == b.index))
    {
        return Err(config_error(format!("duplicate index in the {what} list")));
    }
    Ok(out)
}

/// Strictly decodes one key (through the shared cache, if any).
fn decode_cached<S: Suite>(
    bytes: &[u8],
    cache: Option<&SharedCache>,
) -> Result<S::Key, DecodeError> {
    let Some(cache) = cache else {
        return S::decode_key(bytes);
    };
    let key = SharedCache::commits_key(core::slice::from_ref(&bytes.to_vec()));
    if let Some(point) = cache.commits::<S>(&key).and_then(|p| p.first().copied()) {
        return Ok(point);
    }
    let point = S::decode_key(bytes)?;
    cache.store_commits::<S>(key, &[point]);
    Ok(point)
}

/// Position of `index` in a list sorted by index.
pub(super) fn position<S: Suite>(list: &[Member<S>], index: u32) -> Option<usize> {
    list.binary_search_by_key(&index, |m| m.index).ok()
}

fn empty_slots<T>(n: usize) -> Vec<Slot<T>> {
    (0..n).map(|_| Slot::Empty).collect()
}

impl<S: Suite> Machine<S> {
    /// Checks the configuration, deals if we are a dealer, and returns our deal bundle.
    pub(crate) fn new<R: RngCore + CryptoRng>(
        config: DkgConfig,
        now_ms: u64,
        rng: &mut R,
        cache: Option<SharedCache>,
    ) -> Result<(Self, Vec<DkgOutput>), DkgError> {
        let kind = Kind::of(config.scheme)?;
        if config.longterm.scheme() != config.scheme {
            return Err(config_error(format!(
                "the long-term key is for {}, the DKG for {}",
                config.longterm.scheme(),
                config.scheme
            )));
        }
        let long = config
            .longterm
            .scalar::<S>()
            .ok_or_else(|| config_error("unusable long-term key"))?;
        let long_public = S::encode_key(&S::public_key(&long));
        if config.phase_timeout_ms == 0 {
            return Err(config_error("the phase timeout must be positive"));
        }
        let holders = members::<S>("new node", &config.new_nodes, cache.as_ref())?;
        let threshold = usize::try_from(config.threshold).unwrap_or(usize::MAX);
        if threshold == 0 || threshold > holders.len() {
            return Err(config_error(format!(
                "threshold {} does not fit a group of {} new nodes",
                config.threshold,
                holders.len()
            )));
        }
        let me_holder = holders.iter().position(|m| m.encoded == long_public);
        let mut rng = ChaCha20Rng::from_seed({
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            seed
        });

        let (dealers, me_dealer, previous, secret) = match &config.reshare {
            None => {
                let me = me_holder.ok_or_else(|| {
                    config_error("our long-term key is not among the new nodes of a fresh DKG")
                })?;
                let dealers = holders.clone();
                (
                    dealers,
                    Some(me),
                    None,
                    Some(S::Scalar::random_nonzero(&mut rng)),
                )
            }
            Some(reshare) => {
                let dealers = members::<S>("old node", &reshare.old_nodes, cache.as_ref())?;
                if reshare.old_public.scheme() != config.scheme {
                    return Err(config_error(
                        "the previous group's polynomial is for another scheme",
                    ));
                }
                let old_threshold = usize::try_from(reshare.old_threshold).unwrap_or(usize::MAX);
                if old_threshold == 0 || old_threshold > dealers.len() {
                    return Err(config_error(format!(
                        "old threshold {} does not fit {} old nodes",
                        reshare.old_threshold,
                        dealers.len()
                    )));
                }
                if reshare.old_public.threshold() != old_threshold {
                    return Err(config_error(format!(
                        "the previous group's polynomial has {} coefficients, its threshold is {}",
                        reshare.old_public.threshold(),
                        old_threshold
                    )));
                }
                let group_key = reshare
                    .old_public
                    .keys::<S>()
                    .and_then(|k| k.first().copied())
                    .ok_or_else(|| config_error("the previous group's polynomial is unusable"))?;
                let me_old = dealers.iter().position(|m| m.encoded == long_public);
                let (me_dealer, secret) = match (&reshare.share, me_old) {
                    (None, _) => (None, None),
                    (Some(_), None) => {
                        return Err(config_error(
                            "a previous share was given but our key is not among the old nodes",
                        ));
                    }
                    (Some(share), Some(pos)) => {
                        let old_index = dealers.get(pos).map(|m| m.index);
                        if old_index != Some(share.index()) {
                            return Err(config_error(format!(
                                "our previous share has index {}, our old node index is {}",
                                share.index(),
                                old_index.unwrap_or_default()
                            )));
                        }
                        reshare.old_public.check_share(share)?;
                        let value = share
                            .secret()
                            .scalar::<S>()
                            .ok_or_else(|| config_error("unusable previous share"))?;
                        (Some(pos), Some(value))
                    }
                };
                if me_dealer.is_none() && me_holder.is_none() {
                    return Err(config_error(
                        "we neither hold a previous share nor are among the new nodes",
                    ));
                }
                let previous = Previous {
                    public: reshare.old_public.clone(),
                    group_key,
                    threshold: old_threshold,
                };
                (dealers, me_dealer, Some(previous), secret)
            }
        };

        let n_old = dealers.len();
        let n_new = holders.len();
        let poly = match secret {
            Some(secret) => {
                let mut coefficients = Vec::with_capacity(threshold);
                coefficients.push(secret);
                for _ in 1..threshold {
                    coefficients.push(S::Scalar::random_nonzero(&mut rng));
                }
                coefficients
            }
            None => Vec::new(),
        };
        let mut machine = Machine {
            scheme: config.scheme,
            kind,
            threshold,
            nonce: config.nonce,
            start_ms: now_ms,
            phase_ms: config.phase_timeout_ms,
            phase: Phase::Deal,
            long,
            long_public,
            rng,
            dealers,
            holders,
            me_dealer,
            me_holder,
            previous,
            poly,
            seen: HashSet::new(),
            seen_signatures: HashSet::new(),
            deals: empty_slots(n_old),
            responses: empty_slots(n_new),
            justifications: empty_slots(n_old),
            statuses: vec![vec![false; n_new]; n_old],
            evicted: vec![false; n_old],
            evicted_holders: vec![false; n_new],
            publics: (0..n_old).map(|_| None).collect(),
            shares: vec![None; n_old],
            out: Vec::new(),
            cache,
        };
        machine.deal()?;
        machine.advance_early();
        let out = core::mem::take(&mut machine.out);
        Ok((machine, out))
    }

    /// Produces and broadcasts our deal bundle (dealers only).
    fn deal(&mut self) -> Result<(), DkgError> {
        let Some(me) = self.me_dealer else {
            return Ok(());
        };
        let dealer_index = self.dealers.get(me).map(|m| m.index).unwrap_or_default();
        let commits: Vec<S::Key> = self.poly.iter().map(S::public_key).collect();
        let mut deals = Vec::with_capacity(self.holders.len());
        for (pos, holder) in self.holders.iter().enumerate() {
            let share = eval_scalar(&self.poly, u64::from(holder.index) + 1);
            if Some(pos) == self.me_holder {
                if let Some(slot) = self.shares.get_mut(me) {
                    *slot = Some(share);
                }
                set(&mut self.statuses, me, pos, true);
                continue;
            }
            let encrypted_share =
                ecies::encrypt_with::<S, _>(&holder.key, &share.to_be_bytes(), &mut self.rng)?;
            deals.push(Deal {
                share_index: holder.index,
                encrypted_share,
            });
        }
        if let Some(slot) = self.publics.get_mut(me) {
            *slot = Some(commits.clone());
        }
        let mut bundle = DealBundle {
            dealer_index,
            commits: commits.iter().map(S::encode_key).collect(),
            deals,
            session_id: self.nonce.to_vec(),
            signature: Vec::new(),
        };
        let hash = Bundle::Deal(bundle.clone()).hash();
        bundle.signature = self.sign(&hash);
        self.remember(hash, &bundle.signature);
        if let Some(slot) = self.deals.get_mut(me) {
            *slot = Slot::Present(
                ReceivedDeal {
                    bundle: bundle.clone(),
                    commits,
                },
                hash,
            );
        }
        self.out.push(DkgOutput::Broadcast(Bundle::Deal(bundle)));
        Ok(())
    }

    /// A Schnorr signature of `hash` with our long-term key.
    pub(super) fn sign(&mut self, hash: &[u8; 32]) -> Vec<u8> {
        schnorr::sign_with::<S, _>(&self.long, &self.long_public, hash, &mut self.rng)
    }

    /// Decodes commitments strictly (through the shared cache, if any).
    fn decode_commits(&self, commits: &[Vec<u8>]) -> Result<Vec<S::Key>, DecodeError> {
        let key = self
            .cache
            .as_ref()
            .map(|cache| (cache, SharedCache::commits_key(commits)));
        if let Some((cache, key)) = &key
            && let Some(points) = cache.commits::<S>(key)
        {
            return Ok(points);
        }
        let points = commits
            .iter()
            .map(|c| S::decode_key(c))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some((cache, key)) = key {
            cache.store_commits::<S>(key, &points);
        }
        Ok(points)
    }

    /// Records an accepted (verified) bundle for the echo-broadcast dedupe.
    pub(super) fn remember(&mut self, hash: [u8; 32], signature: &[u8]) {
        self.seen.insert(hash);
        self.seen_signatures.insert(signature.to_vec());
    }

    /// Reports a dropped bundle or an excluded peer.
    pub(super) fn reject(&mut self, reason: String) {
        self.out.push(DkgOutput::Rejected { reason });
    }

    /// Echo broadcast intake: dedupe, cheap checks, signature, then relay and store.
    pub(crate) fn handle<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        bundle: Bundle,
        _rng: &mut R,
    ) -> Vec<DkgOutput> {
        self.advance_clock(now_ms);
        if self.phase != Phase::Finished {
            self.intake(bundle);
        }
        self.advance_early();
        core::mem::take(&mut self.out)
    }

    /// Applies due timeouts.
    pub(crate) fn tick(&mut self, now_ms: u64) -> Vec<DkgOutput> {
        self.advance_clock(now_ms);
        self.advance_early();
        core::mem::take(&mut self.out)
    }

    /// The next phase deadline, `None` once finished.
    pub(crate) fn next_wakeup(&self) -> Option<u64> {
        let periods: u64 = match self.phase {
            Phase::Deal => 1,
            Phase::Response => 2,
            Phase::Justification => 3,
            Phase::Finished => return None,
        };
        Some(
            self.start_ms
                .saturating_add(self.phase_ms.saturating_mul(periods)),
        )
    }

    /// The phase name, for status displays.
    pub(crate) fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Deal => "deal",
            Phase::Response => "response",
            Phase::Justification => "justification",
            Phase::Finished => "finished",
        }
    }

    /// Moves through every phase whose deadline has passed.
    fn advance_clock(&mut self, now_ms: u64) {
        while let Some(deadline) = self.next_wakeup() {
            if now_ms < deadline {
                break;
            }
            match self.phase {
                Phase::Deal => self.enter_response(),
                Phase::Response => self.enter_justification(),
                Phase::Justification => self.finish(),
                Phase::Finished => break,
            }
        }
    }

    /// Moves on as soon as everything expected in the current phase is in (fast sync).
    pub(super) fn advance_early(&mut self) {
        loop {
            let ready = match self.phase {
                Phase::Deal => self.deals.iter().all(Slot::settled),
                Phase::Response => self.responses.iter().all(Slot::settled),
                Phase::Justification => self.justifications_complete(),
                Phase::Finished => false,
            };
            if !ready {
                break;
            }
            match self.phase {
                Phase::Deal => self.enter_response(),
                Phase::Response => self.enter_justification(),
                Phase::Justification => self.finish(),
                Phase::Finished => break,
            }
        }
    }

    /// Checks and stores one received bundle.
    fn intake(&mut self, bundle: Bundle) {
        let signer = bundle.signer_index();
        let kind = bundle.kind();
        if let Err(reason) = self.precheck(&bundle) {
            self.reject(format!("{kind} bundle from {signer} dropped: {reason}"));
            return;
        }
        let signer_list = match bundle {
            Bundle::Response(_) => &self.holders,
            _ => &self.dealers,
        };
        let Some(pos) = position(signer_list, signer) else {
            self.reject(format!("{kind} bundle from unknown index {signer} dropped"));
            return;
        };
        // An equivocator is out for this kind: nothing more from it is worth any work.
        if self.slot_is_bad(&bundle, pos) || self.seen_signatures.contains(bundle.signature()) {
            return;
        }
        let hash = bundle.hash();
        if self.seen.contains(&hash) {
            return;
        }
        let verified = signer_list.get(pos).map(|member| {
            let key = self.cache.as_ref().map(|cache| {
                let key = SharedCache::signature_key(&member.encoded, &hash, bundle.signature());
                (cache, key)
            });
            if let Some((cache, key)) = &key
                && cache.is_verified(key)
            {
                return Ok(());
            }
            let result =
                schnorr::verify_with::<S>(&member.key, &member.encoded, &hash, bundle.signature());
            if let (Ok(()), Some((cache, key))) = (&result, key) {
                cache.store_verified(key);
            }
            result
        });
        match verified {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                self.reject(format!("{kind} bundle from {signer} dropped: {e}"));
                return;
            }
            None => return,
        }
        match bundle {
            Bundle::Deal(deal) => {
                let decoded = self.decode_commits(&deal.commits);
                let commits = match decoded {
                    Ok(commits) => commits,
                    Err(e) => {
                        self.remember(hash, &deal.signature);
                        self.reject(format!(
                            "deal bundle from {signer} dropped: invalid commitment: {e}"
                        ));
                        return;
                    }
                };
                self.remember(hash, &deal.signature);
                self.out.push(DkgOutput::Relay(Bundle::Deal(deal.clone())));
                let received = ReceivedDeal {
                    bundle: deal,
                    commits,
                };
                // (Another version of our own deal, signed with our key, is not our
                // equivocation: we know what we dealt; others judge what they received.)
                if push(&mut self.deals, pos, received, hash) && Some(pos) != self.me_dealer {
                    // Whatever the phase: a node that used the other version would otherwise
                    // end with another key. Every honest node relays the version it got first
                    // before it responds, so every honest node sees both versions before it
                    // can finish, and all of them exclude this dealer.
                    self.evict_dealer(pos, "it signed two different deal bundles");
                }
            }
            Bundle::Response(response) => {
                self.remember(hash, &response.signature);
                self.out
                    .push(DkgOutput::Relay(Bundle::Response(response.clone())));
                if push(&mut self.responses, pos, response, hash) && Some(pos) != self.me_holder {
                    self.evict_holder(pos, "it signed two different response bundles");
                }
            }
            Bundle::Justification(justification) => {
                self.remember(hash, &justification.signature);
                self.out.push(DkgOutput::Relay(Bundle::Justification(
                    justification.clone(),
                )));
                if push(&mut self.justifications, pos, justification, hash)
                    && Some(pos) != self.me_dealer
                {
                    self.evict_dealer(pos, "it signed two different justification bundles");
                }
            }
        }
    }

    fn slot_is_bad(&self, bundle: &Bundle, pos: usize) -> bool {
        match bundle {
            Bundle::Deal(_) => matches!(self.deals.get(pos), Some(Slot::Bad)),
            Bundle::Response(_) => matches!(self.responses.get(pos), Some(Slot::Bad)),
            Bundle::Justification(_) => {
                matches!(self.justifications.get(pos), Some(Slot::Bad))
            }
        }
    }

    /// Cheap structural checks before any hashing or curve work: session, sizes, lengths.
    fn precheck(&self, bundle: &Bundle) -> Result<(), String> {
        if bundle.session_id() != self.nonce {
            return Err("wrong session ID (another DKG run or a replay)".into());
        }
        let sig_len = S::KEY_LEN + SCALAR_BYTES;
        if bundle.signature().len() != sig_len {
            return Err(format!(
                "signature is {} bytes, expected {sig_len}",
                bundle.signature().len()
            ));
        }
        match bundle {
            Bundle::Deal(b) => {
                if b.commits.len() > self.holders.len() || b.commits.is_empty() {
                    return Err(format!("{} commitments", b.commits.len()));
                }
                if let Some(c) = b.commits.iter().find(|c| c.len() != S::KEY_LEN) {
                    return Err(format!("a commitment is {} bytes", c.len()));
                }
                if b.deals.len() > self.holders.len() {
                    return Err(format!(
                        "{} deals for {} share holders",
                        b.deals.len(),
                        self.holders.len()
                    ));
                }
                if b.deals
                    .iter()
                    .any(|d| d.encrypted_share.len() > MAX_CIPHERTEXT)
                {
                    return Err("an encrypted share is too long".into());
                }
            }
            Bundle::Response(b) => {
                if b.responses.len() > self.dealers.len() {
                    return Err(format!(
                        "{} responses for {} dealers",
                        b.responses.len(),
                        self.dealers.len()
                    ));
                }
            }
            Bundle::Justification(b) => {
                if b.justifications.len() > self.holders.len() {
                    return Err(format!(
                        "{} justifications for {} share holders",
                        b.justifications.len(),
                        self.holders.len()
                    ));
                }
                for j in &b.justifications {
                    let fixed: [u8; SCALAR_BYTES] = j
                        .share
                        .as_slice()
                        .try_into()
                        .map_err(|_| format!("a justified share is {} bytes", j.share.len()))?;
                    if S::Scalar::from_be_bytes(&fixed).is_none() {
                        return Err("a justified share is not a canonical scalar".into());
                    }
                }
            }
        }
        Ok(())
    }
}

/// Stores a bundle in its signer's slot (kyber's `set.Push`); returns true when this reveals
/// an equivocation (the slot turns bad).
fn push<T>(slots: &mut [Slot<T>], pos: usize, value: T, hash: [u8; 32]) -> bool {
    let Some(slot) = slots.get_mut(pos) else {
        return false;
    };
    match slot {
        Slot::Empty => {
            *slot = Slot::Present(value, hash);
            false
        }
        Slot::Present(_, previous) if *previous == hash => false,
        Slot::Present(..) => {
            *slot = Slot::Bad;
            true
        }
        Slot::Bad => false,
    }
}

/// Sets one status cell (positions are internal, but stay panic-free anyway).
pub(super) fn set(statuses: &mut [Vec<bool>], dealer: usize, holder: usize, value: bool) {
    if let Some(cell) = statuses.get_mut(dealer).and_then(|row| row.get_mut(holder)) {
        *cell = value;
    }
}
