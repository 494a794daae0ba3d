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
        let period_ms = u64::from(client.info().period()) * 1000;
        let pause = Duration::from_millis((period_ms / 4).clamp(100, 5_000));
        loop {
            let attempt = match self.next_round {
                None => client.latest().await,
                Some(round) => {
                    let due_ms = round_time(client.info(), round)?.saturating_mul(1000);
                    let now = client.platform().now_ms();
                    if due_ms > now {
                        client
                            .platform()
                            .sleep(Duration::from_millis(due_ms - now))
                            .await;
                    }
                    client.get(round).await
                }
            };
            match attempt {
                Ok(beacon) => {
                    self.next_round = Some(beacon.round().saturating_add(1));
                    return Ok(beacon);
                }
                // Not produced yet, or every relay is down right now: try again shortly.
                Err(ClientError::TooEarly { .. } | ClientError::AllRelaysFailed { .. }) => {
                    client.platform().sleep(pause).await;
                }
                Err(other) => return Err(other),
            }
        }
    }
}
