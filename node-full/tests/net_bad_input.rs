//! Malformed and oversized gRPC input gets a clean status, never a panic, and the server keeps
//! serving.

mod net_support;

use drand_node::net::{
    BeaconTarget, ListenMode, NetError, PeerClient, ServerLimits, TransportMode,
};
use drand_node::proto::PartialBeaconPacket;
use net_support::raw::raw_call;
use net_support::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use tokio::io::AsyncWriteExt as _;

/// A message of another type: field 1 as a string where `round` (a varint) is expected.
#[derive(Clone, PartialEq, prost::Message)]
struct Bogus {
    #[prost(string, tag = "1")]
    round: String,
}

async fn still_serves(addr: &str) {
    let client = PeerClient::connect(addr, &TransportMode::Plaintext).unwrap();
    client
        .get_identity(&BeaconTarget::id("default"))
        .await
        .unwrap();
}

#[tokio::test]
async fn malformed_messages_get_clean_errors() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
    for len in [1usize, 7, 64, 1000] {
        let mut body = vec![0u8; len];
        rng.fill_bytes(&mut body);
        // Field number 0 is never valid, so the garbage is certainly not a message.
        body[0] = 0x07;
        for path in [
            "/drand.Protocol/PartialBeacon",
            "/drand.Protocol/SyncChain",
            "/drand.Public/PublicRand",
        ] {
            let status = raw_call(channel.clone(), path, body.clone())
                .await
                .unwrap_err();
            assert_eq!(status.code(), tonic::Code::Internal, "{path}: {status:?}");
            assert!(status.message().contains("decode"), "{}", status.message());
        }
    }
    let bogus = prost::Message::encode_to_vec(&Bogus {
        round: "twelve".into(),
    });
    let status = raw_call(channel.clone(), "/drand.Protocol/PartialBeacon", bogus)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Internal);

    // An unknown method is Unimplemented, not a crash.
    let status = raw_call(channel.clone(), "/drand.Protocol/NoSuchThing", vec![])
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);

    assert_eq!(
        server.fake.calls(),
        0,
        "nothing malformed reached the service"
    );
    still_serves(&server.addr).await;
}

#[tokio::test]
async fn oversized_requests_are_refused_by_size() {
    let limits = ServerLimits {
        max_protocol_request: 4096,
        ..ServerLimits::default()
    };
    let server = start_with(ListenMode::PlaintextBehindProxy, limits).await;
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    let big = PartialBeaconPacket {
        round: 1,
        partial_sig: vec![9; 64 << 10],
        ..Default::default()
    };
    let err = client
        .partial_beacon(&BeaconTarget::id("default"), big)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            NetError::Rpc {
                code: tonic::Code::OutOfRange | tonic::Code::ResourceExhausted,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("too large"), "{err}");
    assert_eq!(server.fake.calls(), 0);
    // A normal partial still goes through on the same connection.
    let ok = PartialBeaconPacket {
        round: 2,
        partial_sig: vec![9; 98],
        ..Default::default()
    };
    client
        .partial_beacon(&BeaconTarget::id("default"), ok)
        .await
        .unwrap();
}

#[tokio::test]
async fn default_limits_refuse_megabyte_partials() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    let big = PartialBeaconPacket {
        round: 1,
        partial_sig: vec![9; 1 << 20],
        ..Default::default()
    };
    let err = client
        .partial_beacon(&BeaconTarget::id("default"), big)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
    still_serves(&server.addr).await;
}

#[tokio::test]
async fn garbage_connections_do_not_disturb_a_tls_server() {
    let setup = tls_setup();
    let server = start(setup.server.clone()).await;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for len in [0usize, 1, 5, 300, 5000] {
        let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
        let mut junk = vec![0u8; len];
        rng.fill_bytes(&mut junk);
        let _ = tcp.write_all(&junk).await;
        drop(tcp);
    }
    // A half-open connection that never finishes its handshake does not block others.
    let _stalled = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let client = PeerClient::connect(&server.addr, &setup.client).unwrap();
    client
        .get_identity(&BeaconTarget::id("default"))
        .await
        .unwrap();
}

#[tokio::test]
async fn garbage_answers_do_not_panic_the_client() {
    // A "server" that answers any connection with random bytes.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut junk = vec![0u8; 512];
            rng.fill_bytes(&mut junk);
            junk[0] = 0x42; // not TLS, not HTTP, not an HTTP/2 frame header we recognise
            let _ = tcp.write_all(&junk).await;
            let _ = tcp.shutdown().await;
        }
    });
    let setup = tls_setup();
    for mode in [setup.client.clone(), TransportMode::Plaintext] {
        let client = PeerClient::connect(&addr, &mode).unwrap();
        let err = client
            .get_identity(&BeaconTarget::id("default"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&addr), "{text}");
    }
}
