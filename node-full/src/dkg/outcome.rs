//! The final key of a DKG run (kyber's `computeDKGResult` and `computeResharingResult`): the
//! sum of the qualified dealers' polynomials for a fresh DKG, their Lagrange interpolation
//! for a reshare, with the checks that the share matches the commitments and that a reshare
//! keeps the group key.

use super::error::DkgError;
use super::machine::{Machine, position};
use super::protocol::DkgResult;
use crate::crypto::poly::lagrange_at_zero;
use crate::crypto::scalar::ScalarField;
use crate::crypto::suite::Suite;
use crate::crypto::{PublicPoly, SecretKey, Share};

impl<S: Suite> Machine<S> {
    /// The result, from the status matrix and what was collected.
    pub(super) fn compute_result(&mut self) -> Result<DkgResult, DkgError> {
        for (d, evicted) in self.evicted.iter().enumerate() {
            if *evicted {
                if let Some(row) = self.statuses.get_mut(d) {
                    row.iter_mut().for_each(|s| *s = false);
                }
            }
        }
        if self.previous.is_some() {
            self.reshare_result()
        } else {
            self.fresh_result()
        }
    }

    /// The commitments of dealer position `d`.
    fn commits_of(&self, d: usize) -> Result<&[S::Key], DkgError> {
        self.publics
            .get(d)
            .and_then(Option::as_ref)
            .map(Vec::as_slice)
            .ok_or_else(|| self.missing(d))
    }

    /// The share dealer position `d` gave us.
    fn share_of(&self, d: usize) -> Result<S::Scalar, DkgError> {
        self.shares
            .get(d)
            .copied()
            .flatten()
            .ok_or_else(|| self.missing(d))
    }

    fn missing(&self, d: usize) -> DkgError {
        DkgError::MissingDeal {
            dealer: self.dealers.get(d).map(|m| m.index).unwrap_or_default(),
        }
    }

    /// Fresh DKG: share = Σ shares, public = Σ polynomials over the qualified dealers.
    fn fresh_result(&self) -> Result<DkgResult, DkgError> {
        let mut qual = Vec::new();
        for (d, dealer) in self.dealers.iter().enumerate() {
            let holder_evicted = position(&self.holders, dealer.index)
                .and_then(|h| self.evicted_holders.get(h).copied())
                .unwrap_or(true);
            if self.dealer_is_good(d) && !holder_evicted {
                qual.push(d);
            }
        }
        if qual.len() < self.threshold {
            return Err(DkgError::NotEnoughDealers {
                have: qual.len(),
                need: self.threshold,
            });
        }
        let mut coefficients = Vec::with_capacity(self.threshold);
        for k in 0..self.threshold {
            let mut points = Vec::with_capacity(qual.len());
            for d in &qual {
                let commit = self.commits_of(*d)?.get(k).copied();
                points.push(commit.ok_or_else(|| self.missing(*d))?);
            }
            coefficients.push(S::key_sum(&points));
        }
        let share = match self.me_holder {
            Some(_) => {
                let mut sum = S::Scalar::zero();
                for d in &qual {
                    sum = sum + self.share_of(*d)?;
                }
                Some(sum)
            }
            None => None,
        };
        let indices = qual
            .iter()
            .filter_map(|d| self.dealers.get(*d).map(|m| m.index))
            .collect();
        self.package(coefficients, share, indices)
    }

    /// Reshare: interpolate the first `old threshold` qualified dealers (by index) at zero,
    /// both their shares and, coefficient by coefficient, their commitments.
    fn reshare_result(&self) -> Result<DkgResult, DkgError> {
        let Some(previous) = &self.previous else {
            return Err(DkgError::Config {
                reason: "reshare result without a previous group".into(),
            });
        };
        let good: Vec<usize> = (0..self.dealers.len())
            .filter(|d| self.dealer_is_good(*d))
            .collect();
        if good.len() < previous.threshold {
            return Err(DkgError::NotEnoughDealers {
                have: good.len(),
                need: previous.threshold,
            });
        }
        let chosen: Vec<usize> = good.iter().copied().take(previous.threshold).collect();
        let indices: Vec<u32> = chosen
            .iter()
            .filter_map(|d| self.dealers.get(*d).map(|m| m.index))
            .collect();
        let lambdas = lagrange_at_zero::<S::Scalar>(&indices).ok_or(DkgError::Config {
            reason: "duplicate old node indices".into(),
        })?;
        let mut coefficients = Vec::with_capacity(self.threshold);
        for k in 0..self.threshold {
            let mut points = Vec::with_capacity(chosen.len());
            for d in &chosen {
                let commit = self.commits_of(*d)?.get(k).copied();
                points.push(commit.ok_or_else(|| self.missing(*d))?);
            }
            coefficients.push(S::key_msm(&points, &lambdas));
        }
        if coefficients.first() != Some(&previous.group_key) {
            return Err(DkgError::GroupKeyChanged);
        }
        let share = match self.me_holder {
            Some(_) => {
                let mut sum = S::Scalar::zero();
                for (d, lambda) in chosen.iter().zip(&lambdas) {
                    sum = sum + *lambda * self.share_of(*d)?;
                }
                Some(sum)
            }
            None => None,
        };
        // QUAL: new nodes that responded, minus old nodes that dealt badly (or not at all).
        let mut qual = Vec::new();
        for (h, holder) in self.holders.iter().enumerate() {
            let bad_dealer = self
                .dealers
                .iter()
                .enumerate()
                .any(|(d, m)| m.encoded == holder.encoded && !self.dealer_is_good(d));
            let evicted = self.evicted_holders.get(h).copied().unwrap_or(true);
            if !bad_dealer && !evicted {
                qual.push(holder.index);
            }
        }
        if qual.len() < self.threshold {
            return Err(DkgError::NotEnoughHolders {
                have: qual.len(),
                need: self.threshold,
            });
        }
        self.package(coefficients, share, qual)
    }

    /// Checks and wraps the result.
    fn package(
        &self,
        coefficients: Vec<S::Key>,
        share: Option<S::Scalar>,
        qual: Vec<u32>,
    ) -> Result<DkgResult, DkgError> {
        if coefficients.iter().any(S::key_is_identity) {
            return Err(DkgError::DegenerateKey);
        }
        let share = match (share, self.me_holder.and_then(|h| self.holders.get(h))) {
            (Some(value), Some(me)) => {
                let expected = S::eval(&coefficients, u64::from(me.index) + 1);
                if value.is_zero() || S::public_key(&value) != expected {
                    return Err(DkgError::ShareMismatch);
                }
                Some(Share::new(
                    me.index,
                    SecretKey::from_scalar::<S>(self.scheme, self.kind, &value),
                ))
            }
            _ => None,
        };
        Ok(DkgResult {
            share,
            public: PublicPoly::from_points::<S>(self.scheme, self.kind, coefficients),
            qual,
        })
    }
}
