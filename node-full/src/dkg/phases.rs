//! The phase transitions of kyber's fast-sync DKG: deals → responses → justifications →
//! result, with the evictions of `ProcessDeals`, `ProcessResponses` and
//! `ProcessJustifications`.

use super::bundle::{Bundle, Justification, JustificationBundle, Response, ResponseBundle};
use super::ecies;
use super::error::DkgError;
use super::machine::{Machine, Phase, Slot, position, set};
use super::protocol::DkgOutput;
use crate::crypto::poly::eval_scalar;
use crate::crypto::scalar::{SCALAR_BYTES, ScalarField};
use crate::crypto::suite::Suite;

/// A share decrypted from a deal, not yet checked against the dealer's commitments.
struct Candidate<S: Suite> {
    /// The dealer's position.
    dealer: usize,
    /// The share.
    value: S::Scalar,
    /// The dealer's commitments evaluated at our point.
    expected: S::Key,
}

impl<S: Suite> Machine<S> {
    /// Evicts a dealer, once, with a reason for the logs.
    pub(super) fn evict_dealer(&mut self, pos: usize, reason: &str) {
        if let Some(flag) = self.evicted.get_mut(pos)
            && !*flag
        {
            *flag = true;
            let index = self.dealers.get(pos).map(|m| m.index).unwrap_or_default();
            self.reject(format!("dealer {index} excluded: {reason}"));
        }
    }

    /// Evicts a share holder, once.
    pub(super) fn evict_holder(&mut self, pos: usize, reason: &str) {
        if let Some(flag) = self.evicted_holders.get_mut(pos)
            && !*flag
        {
            *flag = true;
            let index = self.holders.get(pos).map(|m| m.index).unwrap_or_default();
            self.reject(format!("share holder {index} excluded: {reason}"));
        }
    }

    /// Deal phase over: check every dealer's bundle, our shares, and send our responses.
    pub(super) fn enter_response(&mut self) {
        self.phase = Phase::Response;
        let my_index = self
            .me_holder
            .and_then(|pos| self.holders.get(pos))
            .map(|m| m.index);
        let mut candidates = Vec::new();
        for pos in 0..self.dealers.len() {
            if Some(pos) == self.me_dealer {
                continue;
            }
            match self.check_deal(pos, my_index) {
                Ok(Some(candidate)) => candidates.push(candidate),
                Ok(None) => {}
                Err(reason) => self.evict_dealer(pos, &reason),
            }
        }
        self.accept_shares(candidates);
        // kyber: a node in both lists is assumed to deal a good share to itself.
        for d in 0..self.dealers.len() {
            let key = self.dealers.get(d).map(|m| m.encoded.clone());
            if let Some(h) = key.and_then(|k| self.holders.iter().position(|m| m.encoded == k)) {
                set(&mut self.statuses, d, h, true);
            }
        }
        self.send_responses();
    }

    /// Validates one dealer's bundle (evicting reasons as `Err`) and decrypts our share.
    fn check_deal(
        &mut self,
        pos: usize,
        my_index: Option<u32>,
    ) -> Result<Option<Candidate<S>>, String> {
        let Some(Slot::Present(received, _)) = self.deals.get(pos) else {
            return Ok(None);
        };
        if received.commits.len() != self.threshold {
            return Err(format!(
                "{} commitments instead of {}",
                received.commits.len(),
                self.threshold
            ));
        }
        let mut indices = Vec::with_capacity(received.bundle.deals.len());
        for deal in &received.bundle.deals {
            if position(&self.holders, deal.share_index).is_none() {
                return Err(format!(
                    "deal for unknown share holder {}",
                    deal.share_index
                ));
            }
            indices.push(deal.share_index);
        }
        indices.sort_unstable();
        if indices.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
            return Err("two deals for one share holder".into());
        }
        if let Some(previous) = &self.previous {
            let dealer_index = received.bundle.dealer_index;
            let expected = previous.public.eval_point::<S>(dealer_index);
            if received.commits.first().copied() != expected {
                return Err("its secret is not its share of the previous group".into());
            }
        }
        let commits = received.commits.clone();
        let mine = my_index.and_then(|me| {
            received
                .bundle
                .deals
                .iter()
                .find(|d| d.share_index == me)
                .map(|d| (u64::from(me) + 1, d.encrypted_share.clone()))
        });
        let candidate = mine.and_then(|(x, ciphertext)| {
            let plain = ecies::decrypt_with::<S>(&self.long, &ciphertext).ok()?;
            let fixed: [u8; SCALAR_BYTES] = plain.as_slice().try_into().ok()?;
            let value = S::Scalar::from_be_bytes(&fixed)?;
            Some(Candidate {
                dealer: pos,
                value,
                expected: S::eval(&commits, x),
            })
        });
        if let Some(slot) = self.publics.get_mut(pos) {
            *slot = Some(commits);
        }
        Ok(candidate)
    }

    /// Verifies the decrypted shares against their commitments: one random linear combination
    /// checked with one multi-scalar multiplication, and dealer by dealer only if it fails.
    fn accept_shares(&mut self, candidates: Vec<Candidate<S>>) {
        let Some(me) = self.me_holder else {
            return;
        };
        if candidates.is_empty() {
            return;
        }
        let weights: Vec<S::Scalar> = candidates
            .iter()
            .map(|_| S::Scalar::random_nonzero(&mut self.rng))
            .collect();
        // Σ ρ_d·E_d − (Σ ρ_d·s_d)·G must be the identity.
        let mut points: Vec<S::Key> = candidates.iter().map(|c| c.expected).collect();
        let mut scalars = weights.clone();
        let combined = candidates
            .iter()
            .zip(&weights)
            .fold(S::Scalar::zero(), |acc, (c, w)| acc + *w * c.value);
        points.push(S::key_generator());
        scalars.push(combined.neg());
        let all_valid = S::key_is_identity(&S::key_msm(&points, &scalars));
        for c in candidates {
            if all_valid || S::public_key(&c.value) == c.expected {
                set(&mut self.statuses, c.dealer, me, true);
                if let Some(slot) = self.shares.get_mut(c.dealer) {
                    *slot = Some(c.value);
                }
            }
        }
    }

    /// Our response bundle: success or complaint for every dealer not evicted.
    fn send_responses(&mut self) {
        let Some(me) = self.me_holder else {
            return;
        };
        let share_index = self.holders.get(me).map(|m| m.index).unwrap_or_default();
        let responses: Vec<Response> = self
            .dealers
            .iter()
            .enumerate()
            .filter(|(d, _)| !self.evicted.get(*d).copied().unwrap_or(true))
            .map(|(d, m)| Response {
                dealer_index: m.index,
                status: self
                    .statuses
                    .get(d)
                    .and_then(|row| row.get(me))
                    .copied()
                    .unwrap_or(false),
            })
            .collect();
        if responses.is_empty() {
            return;
        }
        let mut bundle = ResponseBundle {
            share_index,
            responses,
            session_id: self.nonce.to_vec(),
            signature: Vec::new(),
        };
        let hash = Bundle::Response(bundle.clone()).hash();
        bundle.signature = self.sign(&hash);
        self.remember(hash, &bundle.signature);
        if let Some(slot) = self.responses.get_mut(me) {
            *slot = Slot::Present(bundle.clone(), hash);
        }
        self.out
            .push(DkgOutput::Broadcast(Bundle::Response(bundle)));
    }

    /// Response phase over: apply every holder's responses, evict silent holders and dealers
    /// with too many complaints, finish at once if all is well, else justify our complaints.
    pub(super) fn enter_justification(&mut self) {
        self.phase = Phase::Justification;
        let mut found_complaint = false;
        let mut authors = vec![false; self.holders.len()];
        for h in 0..self.holders.len() {
            if Some(h) == self.me_holder {
                continue;
            }
            let updates: Vec<(Option<usize>, bool)> = match self.responses.get(h) {
                Some(Slot::Present(bundle, _)) => bundle
                    .responses
                    .iter()
                    .map(|r| (position(&self.dealers, r.dealer_index), r.status))
                    .collect(),
                _ => continue,
            };
            for (dealer, status) in updates {
                match dealer {
                    None => self.evict_holder(h, "a response names an unknown dealer"),
                    Some(d) => {
                        set(&mut self.statuses, d, h, status);
                        found_complaint |= !status;
                        if let Some(flag) = authors.get_mut(h) {
                            *flag = true;
                        }
                    }
                }
            }
        }
        for (h, author) in authors.iter().enumerate() {
            if Some(h) != self.me_holder && !author {
                self.evict_holder(h, "no valid response");
            }
        }
        let complete = self.statuses.iter().all(|row| row.iter().all(|s| *s));
        if !found_complaint && complete {
            self.conclude();
            return;
        }
        for d in 0..self.dealers.len() {
            let complaints = self
                .statuses
                .get(d)
                .map(|row| row.iter().filter(|s| !**s).count())
                .unwrap_or_default();
            if complaints >= self.threshold {
                self.evict_dealer(d, &format!("{complaints} complaints"));
            }
        }
        if let Some(me) = self.me_dealer {
            if self.evicted.get(me).copied().unwrap_or(false) {
                self.fail(DkgError::Evicted {
                    reason: "too many complaints against our deal".into(),
                });
                return;
            }
            self.send_justifications(me);
        }
    }

    /// Reveals the shares that holders complained about.
    fn send_justifications(&mut self, me: usize) {
        let dealer_index = self.dealers.get(me).map(|m| m.index).unwrap_or_default();
        let mut justifications = Vec::new();
        for (h, holder) in self.holders.iter().enumerate() {
            let ok = self
                .statuses
                .get(me)
                .and_then(|row| row.get(h))
                .copied()
                .unwrap_or(true);
            if ok {
                continue;
            }
            let share = eval_scalar(&self.poly, u64::from(holder.index) + 1);
            justifications.push((
                h,
                Justification {
                    share_index: holder.index,
                    share: share.to_be_bytes().to_vec(),
                },
            ));
        }
        if justifications.is_empty() {
            return;
        }
        for (h, _) in &justifications {
            set(&mut self.statuses, me, *h, true);
        }
        let mut bundle = JustificationBundle {
            dealer_index,
            justifications: justifications.into_iter().map(|(_, j)| j).collect(),
            session_id: self.nonce.to_vec(),
            signature: Vec::new(),
        };
        let hash = Bundle::Justification(bundle.clone()).hash();
        bundle.signature = self.sign(&hash);
        self.remember(hash, &bundle.signature);
        if let Some(slot) = self.justifications.get_mut(me) {
            *slot = Slot::Present(bundle.clone(), hash);
        }
        self.out
            .push(DkgOutput::Broadcast(Bundle::Justification(bundle)));
    }

    /// Whether every dealer that owes a justification has sent one (or is out).
    pub(super) fn justifications_complete(&self) -> bool {
        (0..self.dealers.len()).all(|d| {
            let evicted = self.evicted.get(d).copied().unwrap_or(true);
            let owes = self
                .statuses
                .get(d)
                .is_some_and(|row| row.iter().any(|s| !*s));
            evicted
                || !owes
                || Some(d) == self.me_dealer
                || self.justifications.get(d).is_some_and(Slot::settled)
        })
    }

    /// Justification phase over: check the revealed shares, then compute the result.
    pub(super) fn finish(&mut self) {
        for d in 0..self.dealers.len() {
            if Some(d) == self.me_dealer {
                continue;
            }
            if let Err(reason) = self.check_justifications(d) {
                self.evict_dealer(d, &reason);
            }
        }
        if let Some(me) = self.me_dealer
            && self.evicted.get(me).copied().unwrap_or(false)
        {
            self.fail(DkgError::Evicted {
                reason: "our deal was rejected".into(),
            });
            return;
        }
        let good = (0..self.dealers.len())
            .filter(|d| self.dealer_is_good(*d))
            .count();
        let need = self
            .previous
            .as_ref()
            .map_or(self.threshold, |p| p.threshold);
        if good < need {
            self.fail(DkgError::NotEnoughDealers { have: good, need });
            return;
        }
        self.conclude();
    }

    /// Applies one dealer's justifications (evicting reasons as `Err`).
    fn check_justifications(&mut self, d: usize) -> Result<(), String> {
        let entries: Vec<(u32, Vec<u8>)> = match self.justifications.get(d) {
            Some(Slot::Bad) => return Err("two different justification bundles".into()),
            Some(Slot::Present(bundle, _)) => bundle
                .justifications
                .iter()
                .map(|j| (j.share_index, j.share.clone()))
                .collect(),
            _ => return Ok(()),
        };
        if self.evicted.get(d).copied().unwrap_or(true) {
            return Ok(());
        }
        let Some(Some(commits)) = self.publics.get(d).cloned() else {
            return Err("justifications without a deal".into());
        };
        for (share_index, bytes) in entries {
            let Some(h) = position(&self.holders, share_index) else {
                return Err(format!("justification for unknown holder {share_index}"));
            };
            let value = <[u8; SCALAR_BYTES]>::try_from(bytes.as_slice())
                .ok()
                .and_then(|fixed| S::Scalar::from_be_bytes(&fixed))
                .ok_or("malformed justified share")?;
            let expected = S::eval(&commits, u64::from(share_index) + 1);
            if S::public_key(&value) != expected {
                return Err(format!(
                    "its justified share for holder {share_index} does not match its commitments"
                ));
            }
            set(&mut self.statuses, d, h, true);
            if Some(h) == self.me_holder
                && let Some(slot) = self.shares.get_mut(d)
            {
                *slot = Some(value);
            }
        }
        Ok(())
    }

    /// A dealer not evicted whose shares were all accepted or justified.
    pub(super) fn dealer_is_good(&self, d: usize) -> bool {
        !self.evicted.get(d).copied().unwrap_or(true)
            && self
                .statuses
                .get(d)
                .is_some_and(|row| row.iter().all(|s| *s))
    }

    /// Computes the result and finishes.
    fn conclude(&mut self) {
        let result = self.compute_result();
        self.phase = Phase::Finished;
        self.out.push(DkgOutput::Finished(result));
    }

    /// Finishes with an error.
    pub(super) fn fail(&mut self, error: DkgError) {
        self.phase = Phase::Finished;
        self.out.push(DkgOutput::Finished(Err(error)));
    }
}
