//! A peer floods a real node with partials over TLS while the devnet runs: the flood fills only
//! its own connections' queues of the node's partial inbox, so the honest members' partials
//! still reach the engine and the chain goes on at its period.

mod cli_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cli_support::{Devnet, wait_for};
use drand_node::net::{BeaconTarget, PeerClient, TransportMode, TrustRoots};
use drand_node::proto::PartialBeaconPacket;

/// Connections the flooder opens, each sending as fast as the node answers.
const FLOOD_CONNECTIONS: usize = 8;

#[test]
fn a_partial_flood_does_not_stall_the_chain() {
    let devnet = Devnet::start(4, 3, "bls-unchained-g1-rfc9380");
    let victim = devnet.nodes[0].clone();
    let start = wait_for("the chain runs", Duration::from_secs(30), || {
        victim.last_stored().filter(|r| *r >= 2)
    });

    let roots = TrustRoots::ca_file(&devnet.ca).expect("the devnet CA");
    let mode = TransportMode::tls(&roots).expect("a TLS client");
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let flooder = {
        let (stop, sent, refused) = (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&refused));
        let address = victim.address.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut tasks = Vec::new();
                for c in 0..FLOOD_CONNECTIONS {
                    let client = PeerClient::connect(&address, &mode).expect("dial the victim");
                    let (stop, sent, refused) =
                        (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&refused));
                    tasks.push(tokio::spawn(async move {
                        let mut n: u64 = 0;
                        while !stop.load(Ordering::Relaxed) {
                            n += 1;
                            // Well-formed but invalid: index 1 (a real member's), garbage
                            // signature bytes, rounds around the current one.
                            let mut partial_sig = vec![0u8, 1];
                            partial_sig.extend((0..96).map(|i| (n as u8) ^ (i as u8) ^ (c as u8)));
                            let packet = PartialBeaconPacket {
                                round: start + n % 40,
                                partial_sig,
                                ..Default::default()
                            };
                            match client
                                .partial_beacon(&BeaconTarget::id("default"), packet)
                                .await
                            {
                                Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                                Err(_) => refused.fetch_add(1, Ordering::Relaxed),
                            };
                        }
                    }));
                }
                for task in tasks {
                    let _ = task.await;
                }
            });
        })
    };

    // Under the flood the chain advances by at least 4 rounds (period 1 s) within 20 s, on
    // the flooded node and on the others.
    let under_flood = victim.last_stored().unwrap_or(start);
    let reached = wait_for(
        "the flooded node stores new rounds",
        Duration::from_secs(20),
        || victim.last_stored().filter(|r| *r >= under_flood + 4),
    );
    wait_for("node 1 follows", Duration::from_secs(20), || {
        devnet.nodes[1].last_stored().filter(|r| *r >= reached)
    });
    stop.store(true, Ordering::Relaxed);
    flooder.join().expect("the flooder thread");
    let (sent, refused) = (
        sent.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
    );
    eprintln!("flood: {sent} partials queued, {refused} refused");
    assert!(sent + refused > 100, "the flood never got going");
    assert!(
        victim.log().matches("panicked").count() == 0,
        "{}",
        victim.log()
    );
}
