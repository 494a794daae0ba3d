//! Every RPC over real TLS on 127.0.0.1 (and over explicit plaintext), against a fake service.

mod net_support;

use std::sync::atomic::Ordering;

use drand_node::net::{
    BeaconTarget, ControlClient, ListenMode, NetError, PeerClient, PeerPool, ServerLimits,
    TransportMode, serve_control, version,
};
use drand_node::proto::protocol_client::ProtocolClient;
use drand_node::proto::{IdentityRequest, Metadata, NodeVersion, PartialBeaconPacket};
use futures_util::StreamExt as _;
use net_support::*;

async fn exercise_every_rpc(client: &PeerClient, server: &Running) {
    let default = BeaconTarget::id("");
    let id = client.get_identity(&default).await.unwrap();
    assert_eq!(id.address, server.addr);
    assert_eq!(id.key, vec![0xab; 48]);
    assert_eq!(id.scheme_name, "scheme-of-default");
    let meta = id.metadata.unwrap();
    assert_eq!(meta.beacon_id, "default");
    assert_eq!(meta.chain_hash, CHAIN_HASH.to_vec());
    assert_eq!(meta.node_version, Some(version::ours()));

    // Routed by chain hash alone.
    let quick = BeaconTarget::default().with_chain_hash(vec![8; 32]);
    assert_eq!(
        client.get_identity(&quick).await.unwrap().scheme_name,
        "scheme-of-quicknet"
    );

    let packet = PartialBeaconPacket {
        round: 12,
        previous_signature: vec![1; 96],
        partial_sig: vec![2; 98],
        metadata: None,
    };
    client
        .partial_beacon(&BeaconTarget::id("quicknet"), packet)
        .await
        .unwrap();
    {
        let partials = server.fake.partials.lock().unwrap();
        let (beacon, caller, got) = partials.last().unwrap();
        assert_eq!(beacon, "quicknet");
        assert_eq!(got.round, 12);
        assert_eq!(got.partial_sig, vec![2; 98]);
        assert_eq!(
            got.metadata.as_ref().unwrap().node_version,
            Some(version::ours())
        );
        assert!(caller.remote.unwrap().ip().is_loopback());
    }

    let beacons: Vec<_> = client
        .sync_chain(&default, 10)
        .await
        .unwrap()
        .collect()
        .await;
    let rounds: Vec<u64> = beacons.iter().map(|b| b.as_ref().unwrap().round).collect();
    assert_eq!(rounds, vec![10, 11, 12, 13, 14]);
    let first = beacons[0].as_ref().unwrap();
    assert_eq!(first.signature, beacon(10).signature);
    assert_eq!(first.metadata.as_ref().unwrap().beacon_id, "default");

    // A stream the service refuses fails at the call, with the service's words.
    let err = match client.sync_chain(&default, 5000).await {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(err.rpc_code(), Some(tonic::Code::InvalidArgument), "{err}");
    assert!(
        err.to_string().contains("beyond the last stored round"),
        "{err}"
    );

    let status = client.status(&default, &["a:1".to_owned()]).await.unwrap();
    assert_eq!(status.epoch, 3);
    assert_eq!(status.connections.get("a:1"), Some(&true));

    let latest = client.public_rand(&default, 0).await.unwrap();
    assert_eq!(latest.round, 1000);
    assert_eq!(latest.metadata.unwrap().chain_hash, CHAIN_HASH.to_vec());
    let err = client.public_rand(&default, 5000).await.unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::NotFound));

    let live: Vec<_> = client
        .public_rand_stream(&default)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(
        live.iter()
            .map(|r| r.as_ref().unwrap().round)
            .collect::<Vec<_>>(),
        vec![1001, 1002, 1003]
    );

    let info = client.chain_info(&default).await.unwrap();
    assert_eq!((info.period, info.genesis_time), (3, 1_700_000_000));
    assert_eq!(info.metadata.unwrap().beacon_id, "default");

    let ids = client.list_beacon_ids().await.unwrap();
    assert_eq!(ids.ids, vec!["default", "quicknet"]);
    assert_eq!(ids.metadatas[1].chain_hash, vec![8; 32]);

    let err = client
        .get_identity(&BeaconTarget::id("nope"))
        .await
        .unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::NotFound));
    assert!(
        err.to_string().contains("not running on this node"),
        "{err}"
    );
}

#[tokio::test]
async fn tls_round_trip_of_every_rpc() {
    let setup = tls_setup();
    let server = start(setup.server.clone()).await;
    let client = PeerClient::connect(&server.addr, &setup.client).unwrap();
    exercise_every_rpc(&client, &server).await;
    let info = client.connection_info().unwrap();
    assert_eq!(info.tls_version.as_deref(), Some("TLS 1.3"));
    assert_eq!(info.alpn.as_deref(), Some("h2"));
}

#[tokio::test]
async fn explicit_plaintext_round_trip() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    exercise_every_rpc(&client, &server).await;
    assert_eq!(
        client.connection_info().unwrap().to_string(),
        "plaintext HTTP/2"
    );
}

#[tokio::test]
async fn pool_reuses_one_client_per_peer() {
    let setup = tls_setup();
    let server = start(setup.server.clone()).await;
    let pool = PeerPool::new(setup.client.clone());
    for _ in 0..3 {
        pool.get(&server.addr)
            .unwrap()
            .get_identity(&BeaconTarget::id("default"))
            .await
            .unwrap();
    }
    assert_eq!(server.fake.calls.load(Ordering::SeqCst), 3);
    assert!(matches!(
        pool.get("no-port"),
        Err(NetError::InvalidAddress { .. })
    ));
}

#[tokio::test]
async fn version_gate_rejects_incompatible_peers() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let mut raw = ProtocolClient::connect(format!("http://{}", server.addr))
        .await
        .unwrap();
    let ask = |major, minor| IdentityRequest {
        metadata: Some(Metadata {
            node_version: Some(NodeVersion {
                major,
                minor,
                patch: 0,
                prerelease: None,
            }),
            ..Default::default()
        }),
    };
    for (major, minor) in [(2, 3), (1, 5), (3, 1)] {
        let status = raw.get_identity(ask(major, minor)).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::PermissionDenied);
        assert!(
            status.message().contains("incompatible node version"),
            "{}",
            status.message()
        );
    }
    assert_eq!(
        server.fake.calls(),
        0,
        "a refused request must not reach the service"
    );
    for (major, minor) in [(2, 0), (2, 1), (2, 2)] {
        raw.get_identity(ask(major, minor)).await.unwrap();
    }
    // No version at all is accepted, as drand does.
    raw.get_identity(IdentityRequest { metadata: None })
        .await
        .unwrap();
}

#[tokio::test]
async fn control_api_on_loopback_only() {
    let wide = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let fake = std::sync::Arc::new(Fake::default());
    let err = serve_control(wide, fake.clone(), ServerLimits::default(), async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no authentication"), "{err}");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let svc = fake.clone();
    let task = tokio::spawn(serve_control(
        listener,
        svc,
        ServerLimits::default(),
        async {
            let _ = rx.await;
        },
    ));
    let control = ControlClient::connect(&addr).unwrap();
    control.ping().await.unwrap();
    let target = BeaconTarget::id("default");
    assert_eq!(
        control.public_key(&target).await.unwrap().pub_key,
        vec![0xab; 48]
    );
    assert_eq!(control.group_file(&target).await.unwrap().threshold, 2);
    assert_eq!(control.chain_info(&target).await.unwrap().period, 3);
    assert_eq!(control.status(&target).await.unwrap().epoch, 3);
    control.shutdown(Some("quicknet")).await.unwrap();
    control.shutdown(None).await.unwrap();
    assert_eq!(
        *fake.shutdowns.lock().unwrap(),
        vec![Some("quicknet".to_owned()), None]
    );
    tx.send(()).unwrap();
    task.await.unwrap().unwrap();
}
