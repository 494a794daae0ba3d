//! Peers' partial signatures on their way to the engine loop, queued fairly: one bounded queue
//! per sender, served round-robin. A peer that floods fills only its own queue (and, when the
//! whole inbox is full, loses its own oldest partials first), so every other peer's partials
//! still reach the engine, and the loop's control inputs (a reshare's transition, sync results,
//! stop) travel on their own channel that no peer can fill.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::engine::Event;

/// Partials queued per sender: a few rounds of catch-up for an honest peer.
pub const PER_SENDER: usize = 256;

/// Partials queued over all senders.
pub const TOTAL: usize = 4096;

/// Why a partial was not queued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InboxFull {
    /// The sender already has [`PER_SENDER`] partials waiting.
    #[error("{PER_SENDER} partials from this sender are already waiting; retry next round")]
    Sender,
    /// The inbox is full and no other sender has more waiting than this one.
    #[error("the partial inbox is full ({TOTAL}); retry next round")]
    Total,
}

#[derive(Default)]
struct Queues {
    by_sender: HashMap<String, VecDeque<Event>>,
    /// Senders with partials waiting, in serving order.
    turn: VecDeque<String>,
    total: usize,
}

/// The fair partial queue of one beacon process (see the module docs).
#[derive(Default)]
pub struct PartialInbox {
    queues: Mutex<Queues>,
    ready: Notify,
}

impl PartialInbox {
    /// Queues `event` from `sender`. When the inbox is full, the sender with the most partials
    /// waiting loses its oldest one to make room, unless that is this sender.
    pub fn push(&self, sender: &str, event: Event) -> Result<(), InboxFull> {
        {
            let mut q = self.lock();
            let waiting = q.by_sender.get(sender).map_or(0, VecDeque::len);
            if waiting >= PER_SENDER {
                return Err(InboxFull::Sender);
            }
            if q.total >= TOTAL {
                let longest = q
                    .by_sender
                    .iter()
                    .max_by_key(|(_, queue)| queue.len())
                    .filter(|(_, queue)| queue.len() > waiting + 1)
                    .map(|(name, _)| name.clone());
                let Some(longest) = longest else {
                    return Err(InboxFull::Total);
                };
                if let Some(queue) = q.by_sender.get_mut(&longest)
                    && queue.pop_front().is_some()
                {
                    q.total -= 1;
                }
            }
            let queue = q.by_sender.entry(sender.to_owned()).or_default();
            let first = queue.is_empty();
            queue.push_back(event);
            q.total += 1;
            if first {
                q.turn.push_back(sender.to_owned());
            }
        }
        self.ready.notify_one();
        Ok(())
    }

    /// The next partial, taking senders in turn; `None` when none is waiting.
    pub fn pop(&self) -> Option<Event> {
        let mut q = self.lock();
        while let Some(sender) = q.turn.pop_front() {
            let Some(queue) = q.by_sender.get_mut(&sender) else {
                continue;
            };
            let Some(event) = queue.pop_front() else {
                q.by_sender.remove(&sender);
                continue;
            };
            if queue.is_empty() {
                q.by_sender.remove(&sender);
            } else {
                q.turn.push_back(sender);
            }
            q.total -= 1;
            return Some(event);
        }
        None
    }

    /// Waits for the next partial. Cancel-safe: a partial is taken only when this returns.
    pub async fn next(&self) -> Event {
        loop {
            if let Some(event) = self.pop() {
                return event;
            }
            // `notify_one` stores a permit when nobody waits, so a push between `pop` and
            // here is not missed.
            self.ready.notified().await;
        }
    }

    /// Partials waiting.
    pub fn len(&self) -> usize {
        self.lock().total
    }

    /// Whether no partial is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PartialPacket;

    fn partial(from: &str, round: u64) -> Event {
        Event::Partial {
            from: from.to_owned(),
            packet: PartialPacket {
                round,
                previous_signature: Vec::new(),
                partial_sig: Vec::new(),
            },
        }
    }

    fn origin(event: &Event) -> (String, u64) {
        match event {
            Event::Partial { from, packet } => (from.clone(), packet.round),
            other => panic!("not a partial: {other:?}"),
        }
    }

    #[test]
    fn senders_are_served_in_turn() {
        let inbox = PartialInbox::default();
        for round in 0..100 {
            inbox.push("flood", partial("flood", round)).unwrap();
        }
        inbox.push("a", partial("a", 1)).unwrap();
        inbox.push("b", partial("b", 1)).unwrap();
        let first: Vec<String> = (0..4).map(|_| origin(&inbox.pop().unwrap()).0).collect();
        assert_eq!(first, ["flood", "a", "b", "flood"]);
        assert_eq!(inbox.len(), 98);
        let mut rounds = Vec::new();
        while let Some(event) = inbox.pop() {
            rounds.push(origin(&event).1);
        }
        assert_eq!(
            rounds,
            (2..100).collect::<Vec<_>>(),
            "one sender's order is kept"
        );
        assert!(inbox.is_empty());
    }

    #[test]
    fn one_sender_cannot_queue_more_than_its_share() {
        let inbox = PartialInbox::default();
        for round in 0..PER_SENDER as u64 {
            inbox.push("flood", partial("flood", round)).unwrap();
        }
        assert_eq!(
            inbox.push("flood", partial("flood", 0)),
            Err(InboxFull::Sender)
        );
        inbox.push("honest", partial("honest", 7)).unwrap();
    }

    #[test]
    fn a_full_inbox_makes_room_from_the_longest_queue() {
        let inbox = PartialInbox::default();
        let floods = TOTAL / PER_SENDER;
        for f in 0..floods {
            for round in 0..PER_SENDER as u64 {
                inbox.push(&format!("f{f}"), partial("f", round)).unwrap();
            }
        }
        assert_eq!(inbox.len(), TOTAL);
        // An honest sender still gets in: a flooder loses its oldest partial.
        inbox.push("honest", partial("honest", 1)).unwrap();
        inbox.push("honest", partial("honest", 2)).unwrap();
        assert_eq!(inbox.len(), TOTAL);
        let mut honest = Vec::new();
        while let Some(event) = inbox.pop() {
            let (from, round) = origin(&event);
            if from == "honest" {
                honest.push(round);
            }
        }
        assert_eq!(honest, [1, 2]);
    }

    #[test]
    fn a_full_inbox_refuses_when_no_queue_is_longer_than_the_senders() {
        let inbox = PartialInbox::default();
        let floods = TOTAL / PER_SENDER - 1;
        for f in 0..floods {
            for round in 0..PER_SENDER as u64 {
                inbox.push(&format!("f{f}"), partial("f", round)).unwrap();
            }
        }
        for round in 0..PER_SENDER as u64 - 1 {
            inbox.push("x", partial("x", round)).unwrap();
        }
        inbox.push("y", partial("y", 0)).unwrap();
        assert_eq!(inbox.len(), TOTAL);
        // Every other queue is at most one longer than x's: x cannot push one out.
        assert_eq!(inbox.push("x", partial("x", 999)), Err(InboxFull::Total));
        let mut drained = 0;
        while inbox.pop().is_some() {
            drained += 1;
        }
        assert_eq!(drained, TOTAL);
    }

    #[tokio::test]
    async fn next_wakes_on_a_push() {
        let inbox = std::sync::Arc::new(PartialInbox::default());
        let waiter = {
            let inbox = std::sync::Arc::clone(&inbox);
            tokio::spawn(async move { origin(&inbox.next().await) })
        };
        tokio::task::yield_now().await;
        inbox.push("a", partial("a", 9)).unwrap();
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!(got, ("a".to_owned(), 9));
    }
}
