//! `watch`: every round from the latest on, each exactly once and in order. It sleeps until a
//! round is due, asks the relays for it, and keeps trying through relay failures; dropping the
//! [`Watch`] (or the future of [`Watch::next`]) cancels it.

use core::borrow::Borrow;
use core::marker::PhantomData;
use core::time::Duration;

use super::{Client, ClientError, Platform};
use crate::time::round_time;
use crate::verify::VerifiedBeacon;

/// A cancellable, in-order stream of verified beacons over a client `C` (a `&Client` or an
/// owning handle such as `Rc<Client>`).
#[derive(Debug)]
pub struct Watch<P: Platform, C: Borrow<Client<P>>> {
    client: C,
    next_round: Option<u64>,
    platform: PhantomData<P>,
}

impl<P: Platform, C: Borrow<Client<P>>> Watch<P, C> {
    /// A watch over `client`, starting at the latest round.
    pub fn new(client: C) -> Watch<P, C> {
        Watch {
            client,
            next_round: None,
            platform: PhantomData,
        }
    }

    /// The round the next call yields, once known.
    pub fn next_round(&self) -> Option<u64> {
        self.next_round
    }

    /// Waits for and returns the next beacon. Relay failures are retried (and reported through
    /// [`Client::take_events`]); only errors that retrying cannot fix are returned.
    pub async fn next(&mut self) -> Result<VerifiedBeacon, ClientError> {
        let client: &Client<P> = self.client.borrow();
        let round = match self.next_round {
            Some(round) => round,
            None => {
                let latest = client.latest().await?;
                self.next_round = Some(latest.round().saturating_add(1));
                return Ok(latest);
            }
        };
        let period_ms = u64::from(client.info().period()) * 1000;
        loop {
            let due_ms = round_time(client.info(), round)?.saturating_mul(1000);
            let now = client.platform().now_ms();
            if due_ms > now {
                client
                    .platform()
                    .sleep(Duration::from_millis(due_ms - now))
                    .await;
            }
            match client.get(round).await {
                Ok(beacon) => {
                    self.next_round = Some(round.saturating_add(1));
                    return Ok(beacon);
                }
                // Not produced yet, or every relay is down right now: try again shortly.
                Err(ClientError::TooEarly { .. } | ClientError::AllRelaysFailed { .. }) => {
                    let pause = (period_ms / 4).clamp(100, 5_000);
                    client.platform().sleep(Duration::from_millis(pause)).await;
                }
                Err(other) => return Err(other),
            }
        }
    }
}
