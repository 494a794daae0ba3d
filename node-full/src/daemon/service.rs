//! The daemon's answers to gRPC: `drand.Protocol` and `drand.Public` for peers, `drand.Control`
//! for the local operator. Partials go to the engine's queue; chain reads come from the store.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::Daemon;
use super::process::BeaconProcess;
use crate::engine::{Event, PartialPacket};
use crate::net::service::{BeaconRoute, BoxStream, Caller, ControlService, NodeService};
use crate::proto::{
    BeaconPacket, BeaconStatus, ChainInfoPacket, ChainStoreStatus, DkgStatus, GroupPacket,
    Identity as ProtoIdentity, IdentityResponse, Node as ProtoNode, PartialBeaconPacket,
    PublicKeyResponse, PublicRandResponse, StatusResponse,
};
use crate::store::StoredBeacon;

/// Beacons read from the store per step when streaming a chain.
const STREAM_CHUNK: usize = 512;

impl Daemon {
    fn beacon(&self, beacon_id: &str) -> Result<Arc<BeaconProcess>, Status> {
        self.beacon_process(beacon_id).ok_or_else(|| {
            if self.was_stopped(beacon_id) {
                Status::failed_precondition(format!(
                    "beacon {beacon_id:?} was stopped over the control port; restart the daemon to run it again"
                ))
            } else if self.node_keys(beacon_id).is_some() {
                Status::failed_precondition(format!(
                    "beacon {beacon_id:?} has no chain yet: its first DKG has not completed"
                ))
            } else {
                Status::not_found(format!("no beacon with ID {beacon_id:?} here"))
            }
        })
    }

    fn identity_of(&self, beacon_id: &str) -> Result<&crate::files::Identity, Status> {
        self.node_keys(beacon_id)
            .map(|k| &k.identity)
            .ok_or_else(|| Status::not_found(format!("no beacon with ID {beacon_id:?} here")))
    }
}

fn internal(e: impl std::fmt::Display) -> Status {
    Status::internal(e.to_string())
}

/// Chain streams (`SyncChain`, `PublicRandStream`) open at once over the whole node: each holds
/// a task and up to [`STREAM_CHUNK`] beacons, and peers can open them on many connections.
pub const MAX_CHAIN_STREAMS: usize = 256;

impl Daemon {
    /// A slot for one more chain stream, or `ResourceExhausted` when all are taken.
    fn stream_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Status> {
        Arc::clone(&self.streams).try_acquire_owned().map_err(|_| {
            Status::resource_exhausted(format!(
                "this node already serves {MAX_CHAIN_STREAMS} chain streams; retry later"
            ))
        })
    }
}

/// Streams stored beacons from `from` on, then each new one, until the receiver goes away or
/// the daemon stops (then the stream ends, so the server's graceful shutdown does not wait on
/// it). `slot` is held for the stream's lifetime.
fn follow_chain<T: Send + 'static>(
    process: Arc<BeaconProcess>,
    from: u64,
    convert: fn(StoredBeacon) -> T,
    slot: tokio::sync::OwnedSemaphorePermit,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> BoxStream<T> {
    let (tx, rx) = mpsc::channel::<Result<T, Status>>(STREAM_CHUNK);
    tokio::spawn(async move {
        let _slot = slot;
        let mut latest = process.latest.subscribe();
        let mut next = from;
        loop {
            let head = *latest.borrow_and_update();
            while next <= head {
                let store = Arc::clone(&process.store);
                let chunk =
                    tokio::task::spawn_blocking(move || store.range(next, STREAM_CHUNK)).await;
                let chunk = match chunk {
                    Ok(Ok(chunk)) if !chunk.is_empty() => chunk,
                    Ok(Ok(_)) => break,
                    Ok(Err(e)) => {
                        let _ = tx.send(Err(internal(e))).await;
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(internal(e))).await;
                        return;
                    }
                };
                for beacon in chunk {
                    next = beacon.round + 1;
                    if tx.send(Ok(convert(beacon))).await.is_err() {
                        return;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                changed = latest.changed() => if changed.is_err() { return },
                () = tx.closed() => return,
                _ = stop.changed() => return,
            }
        }
    });
    ReceiverStream::new(rx).boxed()
}

fn beacon_packet(b: StoredBeacon) -> BeaconPacket {
    BeaconPacket {
        previous_signature: b.previous_signature.unwrap_or_default(),
        round: b.round,
        signature: b.signature,
        metadata: None,
    }
}

#[allow(deprecated)] // `randomness` is deprecated in drand's schema; left empty
fn public_rand(b: StoredBeacon) -> PublicRandResponse {
    PublicRandResponse {
        round: b.round,
        signature: b.signature,
        previous_signature: b.previous_signature.unwrap_or_default(),
        randomness: Vec::new(),
        metadata: None,
    }
}

#[tonic::async_trait]
impl NodeService for Daemon {
    fn beacons(&self) -> Vec<BeaconRoute> {
        self.keys
            .keys()
            .map(|id| BeaconRoute {
                beacon_id: id.clone(),
                chain_hash: self.beacon_process(id).map(|p| p.info.hash().0.to_vec()),
            })
            .collect()
    }

    #[allow(deprecated)] // `tls` is deprecated in drand's schema but still sent
    async fn identity(&self, beacon_id: &str) -> Result<IdentityResponse, Status> {
        let identity = self.identity_of(beacon_id)?;
        Ok(IdentityResponse {
            address: identity.address.clone(),
            key: identity.key.clone(),
            tls: self.tls,
            signature: identity.signature.clone(),
            metadata: None,
            scheme_name: identity.scheme.id().to_owned(),
        })
    }

    async fn partial_beacon(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: PartialBeaconPacket,
    ) -> Result<(), Status> {
        let p = self.beacon(beacon_id)?;
        let from = caller
            .ip()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        let event = Event::Partial {
            from,
            packet: PartialPacket {
                round: packet.round,
                previous_signature: packet.previous_signature,
                partial_sig: packet.partial_sig,
            },
        };
        // Fairness is per connection (or per client behind our reverse proxy): loopback and
        // proxied peers share an IP but not a queue.
        let sender = match (caller.forwarded_ip, caller.remote) {
            (Some(ip), _) => ip.to_string(),
            (None, Some(remote)) => remote.to_string(),
            (None, None) => "unknown".to_owned(),
        };
        p.partials
            .push(&sender, event)
            .map_err(|e| Status::resource_exhausted(e.to_string()))
    }

    async fn sync_chain(
        &self,
        beacon_id: &str,
        _caller: Caller,
        from_round: u64,
    ) -> Result<BoxStream<BeaconPacket>, Status> {
        let p = self.beacon(beacon_id)?;
        let last = p.store.last().map_err(internal)?.round;
        if from_round > last.saturating_add(1) {
            return Err(Status::out_of_range(format!(
                "from_round {from_round} is beyond the next round {} of this node",
                last.saturating_add(1)
            )));
        }
        Ok(follow_chain(
            Arc::clone(&p),
            from_round.max(1),
            beacon_packet,
            self.stream_slot()?,
            self.shutdown.subscribe(),
        ))
    }

    async fn status(
        &self,
        beacon_id: &str,
        check_conn: Vec<String>,
    ) -> Result<StatusResponse, Status> {
        let p = self.beacon(beacon_id)?;
        let (dkg_state, dkg_epoch) = self
            .ceremonies
            .get(beacon_id)
            .map_or((0, 0), |c| *c.state.borrow());
        let last = p.store.last().map_err(internal)?.round;
        let now = super::clock::unix_ms() / 1000;
        let expected = drand_lite::round_at(&p.info, now).unwrap_or(0);
        // Only group members are dialed (a caller must not make this node connect to hosts of
        // its choosing), concurrently and each within a few seconds.
        let members: Vec<String> = check_conn
            .into_iter()
            .filter(|a| p.peers.addresses().contains(a))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let checks = members.into_iter().map(|address| async move {
            let ok = match self.pool.get(&address) {
                Ok(client) => tokio::time::timeout(
                    Duration::from_secs(3),
                    client.get_identity(&crate::net::BeaconTarget::id(beacon_id)),
                )
                .await
                .is_ok_and(|r| r.is_ok()),
                Err(_) => false,
            };
            (address, ok)
        });
        let connections = futures_util::future::join_all(checks)
            .await
            .into_iter()
            .collect();
        Ok(StatusResponse {
            dkg: Some(DkgStatus { status: dkg_state }),
            epoch: dkg_epoch,
            beacon: Some(BeaconStatus {
                status: 1,
                is_running: true,
                is_stopped: false,
                is_started: true,
                is_serving: true,
            }),
            chain_store: Some(ChainStoreStatus {
                is_empty: last == 0,
                last_stored: last,
                expected_last: expected,
            }),
            connections,
        })
    }

    async fn public_rand(&self, beacon_id: &str, round: u64) -> Result<PublicRandResponse, Status> {
        let p = self.beacon(beacon_id)?;
        let last = p.store.last().map_err(internal)?;
        if round == 0 {
            return Ok(public_rand(last));
        }
        if Some(round) == last.round.checked_add(1) {
            let wait = Duration::from_secs(u64::from(p.info.period()) + 1);
            let mut latest = p.latest.subscribe();
            let _ = tokio::time::timeout(wait, latest.wait_for(|r| *r >= round)).await;
        }
        match p.store.get(round).map_err(internal)? {
            Some(b) => Ok(public_rand(b)),
            None => Err(Status::not_found(format!(
                "round {round} is not stored here"
            ))),
        }
    }

    async fn public_rand_stream(
        &self,
        beacon_id: &str,
    ) -> Result<BoxStream<PublicRandResponse>, Status> {
        let p = self.beacon(beacon_id)?;
        let last = p.store.last().map_err(internal)?.round;
        Ok(follow_chain(
            Arc::clone(&p),
            last.saturating_add(1),
            public_rand,
            self.stream_slot()?,
            self.shutdown.subscribe(),
        ))
    }

    async fn chain_info(&self, beacon_id: &str) -> Result<ChainInfoPacket, Status> {
        let p = self.beacon(beacon_id)?;
        let info = &p.info;
        Ok(ChainInfoPacket {
            public_key: info.public_key().to_vec(),
            period: info.period(),
            genesis_time: i64::try_from(info.genesis_time()).map_err(internal)?,
            hash: info.hash().0.to_vec(),
            group_hash: info.genesis_seed().to_vec(),
            scheme_id: info.scheme().id().to_owned(),
            metadata: None,
        })
    }
}

#[tonic::async_trait]
impl ControlService for Daemon {
    #[allow(deprecated)] // `tls` is deprecated in drand's schema but still sent
    async fn public_key(&self, beacon_id: &str) -> Result<PublicKeyResponse, Status> {
        let identity = self.identity_of(beacon_id)?;
        Ok(PublicKeyResponse {
            pub_key: identity.key.clone(),
            addr: identity.address.clone(),
            tls: self.tls,
            signature: identity.signature.clone(),
            metadata: None,
            scheme_name: identity.scheme.id().to_owned(),
        })
    }

    #[allow(deprecated)] // `tls` is deprecated in drand's schema but still sent
    async fn group_file(&self, beacon_id: &str) -> Result<GroupPacket, Status> {
        let p = self.beacon(beacon_id)?;
        let g = p.group();
        Ok(GroupPacket {
            nodes: g
                .nodes
                .iter()
                .map(|n| ProtoNode {
                    public: Some(ProtoIdentity {
                        address: n.address.clone(),
                        key: n.key.clone(),
                        tls: self.tls,
                        signature: n.signature.clone(),
                    }),
                    index: n.index,
                })
                .collect(),
            threshold: g.threshold,
            period: g.period_secs,
            genesis_time: g.genesis_time,
            transition_time: g.transition_time,
            genesis_seed: g.genesis_seed.clone(),
            dist_key: g.public_coefficients.clone(),
            catchup_period: g.catchup_period_secs,
            scheme_id: g.scheme.id().to_owned(),
            metadata: None,
        })
    }

    async fn shutdown(&self, beacon_id: Option<&str>) -> Result<(), Status> {
        let Some(id) = beacon_id else {
            tracing::info!("shutdown requested over the control port");
            self.shutdown.send_replace(true);
            return Ok(());
        };
        self.identity_of(id)?;
        if !self.stop_beacon(id) {
            return Err(Status::failed_precondition(format!(
                "beacon {id:?} is not running here (no chain yet, or already stopped)"
            )));
        }
        tracing::info!(beacon_id = %id, "beacon stop requested over the control port; the daemon goes on");
        Ok(())
    }
}
