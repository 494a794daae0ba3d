//! The set of relays a client talks to: ranked by a rolling window of recent latencies (new
//! samples replace the oldest, so the ranking follows the network), pushed back after failures,
//! and demoted for a while when they serve an invalid beacon. Every such event is recorded for
//! the caller: a relay that lies is reported, never hidden.

use std::collections::VecDeque;

/// How many recent latencies rank a relay.
pub const LATENCY_WINDOW: usize = 8;
/// How long a relay that served invalid data stays at the back of the ranking.
pub const DEMOTION_MS: u64 = 10 * 60 * 1000;
/// How many events are kept until the caller takes them.
pub const MAX_EVENTS: usize = 256;

/// Something a relay did that the caller should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A request failed (timeout, connection, HTTP error, unparseable body).
    Failed {
        /// The relay's base URL.
        relay: String,
        /// What went wrong.
        reason: String,
    },
    /// The relay served data that failed verification; it is demoted.
    Invalid {
        /// The relay's base URL.
        relay: String,
        /// The round concerned, if any (0 for chain info).
        round: u64,
        /// Why the data was rejected.
        reason: String,
    },
}

#[derive(Debug)]
struct Relay {
    url: String,
    latencies: VecDeque<u64>,
    consecutive_failures: u32,
    demoted_until_ms: u64,
}

impl Relay {
    fn mean_latency(&self) -> u64 {
        // An unmeasured relay ranks first among healthy ones, so every relay gets measured.
        let sum: u64 = self.latencies.iter().sum();
        sum.checked_div(self.latencies.len() as u64).unwrap_or(0)
    }
}

/// Relays with their health, in the caller's order until measured.
#[derive(Debug)]
pub struct RelaySet {
    relays: Vec<Relay>,
    events: VecDeque<RelayEvent>,
}

impl RelaySet {
    /// A set over base URLs (trailing slashes removed).
    pub fn new(urls: &[String]) -> RelaySet {
        RelaySet {
            relays: urls
                .iter()
                .map(|u| Relay {
                    url: u.trim_end_matches('/').to_owned(),
                    latencies: VecDeque::with_capacity(LATENCY_WINDOW),
                    consecutive_failures: 0,
                    demoted_until_ms: 0,
                })
                .collect(),
            events: VecDeque::new(),
        }
    }

    /// Number of relays.
    pub fn len(&self) -> usize {
        self.relays.len()
    }

    /// Whether there is no relay.
    pub fn is_empty(&self) -> bool {
        self.relays.is_empty()
    }

    /// The base URL of relay `index`.
    pub fn url(&self, index: usize) -> &str {
        self.relays.get(index).map_or("", |r| r.url.as_str())
    }

    /// Relay indices, best first: not demoted, then fewest consecutive failures, then lowest
    /// mean recent latency; ties keep the caller's order.
    pub fn ranked(&self, now_ms: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.relays.len()).collect();
        order.sort_by_key(|&i| {
            self.relays.get(i).map(|r| {
                (
                    r.demoted_until_ms > now_ms,
                    r.consecutive_failures,
                    r.mean_latency(),
                )
            })
        });
        order
    }

    /// Records a good answer and its latency.
    pub fn success(&mut self, index: usize, latency_ms: u64) {
        if let Some(r) = self.relays.get_mut(index) {
            if r.latencies.len() == LATENCY_WINDOW {
                r.latencies.pop_front();
            }
            r.latencies.push_back(latency_ms);
            r.consecutive_failures = 0;
        }
    }

    /// Records a failed request.
    pub fn failure(&mut self, index: usize, reason: String) {
        if let Some(r) = self.relays.get_mut(index) {
            r.consecutive_failures = r.consecutive_failures.saturating_add(1);
            let relay = r.url.clone();
            self.push_event(RelayEvent::Failed { relay, reason });
        }
    }

    /// Demotes a relay that served invalid data.
    pub fn invalid(&mut self, index: usize, now_ms: u64, round: u64, reason: String) {
        if let Some(r) = self.relays.get_mut(index) {
            r.demoted_until_ms = now_ms.saturating_add(DEMOTION_MS);
            r.consecutive_failures = r.consecutive_failures.saturating_add(1);
            let relay = r.url.clone();
            self.push_event(RelayEvent::Invalid {
                relay,
                round,
                reason,
            });
        }
    }

    /// Takes the recorded events, oldest first.
    pub fn take_events(&mut self) -> Vec<RelayEvent> {
        self.events.drain(..).collect()
    }

    fn push_event(&mut self, event: RelayEvent) {
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> RelaySet {
        RelaySet::new(&["http://a/".into(), "http://b".into(), "http://c".into()])
    }

    #[test]
    fn unmeasured_relays_keep_caller_order() {
        assert_eq!(set().ranked(0), vec![0, 1, 2]);
        assert_eq!(set().url(0), "http://a");
    }

    #[test]
    fn ranking_follows_recent_latency_not_the_first_samples() {
        let mut s = set();
        for _ in 0..LATENCY_WINDOW {
            s.success(0, 10);
            s.success(1, 50);
            s.success(2, 30);
        }
        assert_eq!(s.ranked(0), vec![0, 2, 1]);
        // Relay 0 gets slow: a full window of new samples must move it back.
        for _ in 0..LATENCY_WINDOW {
            s.success(0, 100);
        }
        assert_eq!(s.ranked(0), vec![2, 1, 0]);
    }

    #[test]
    fn failures_and_demotions_push_relays_back_and_are_reported() {
        let mut s = set();
        s.failure(0, "timeout".into());
        assert_eq!(s.ranked(0), vec![1, 2, 0]);
        s.invalid(1, 1000, 7, "bad signature".into());
        assert_eq!(s.ranked(1000), vec![2, 0, 1]);
        // Demotion expires.
        s.success(1, 5);
        assert_eq!(s.ranked(1000 + DEMOTION_MS + 1), vec![2, 1, 0]);
        let events = s.take_events();
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[1], RelayEvent::Invalid { round: 7, .. }));
        assert!(s.take_events().is_empty());
    }
}
