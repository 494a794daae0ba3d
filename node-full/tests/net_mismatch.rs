//! A peer speaking another transport (TLS, plaintext HTTP/2, HTTP/1.1) gets an error naming it,
//! and no fallback is attempted.

mod net_support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use drand_node::net::{
    BeaconTarget, DevnetCa, Dialed, ListenMode, NetError, PeerClient, PeerSpeaks, TransportMode,
    check_addresses, probe,
};
use net_support::*;

fn target() -> BeaconTarget {
    BeaconTarget::id("default")
}

fn mismatch(err: &NetError) -> (Dialed, PeerSpeaks) {
    match err {
        NetError::ProtocolMismatch {
            dialed,
            peer_speaks,
            ..
        } => (*dialed, peer_speaks.clone()),
        other => panic!("expected a protocol mismatch, got: {other}"),
    }
}

#[tokio::test]
async fn tls_client_to_plaintext_server_is_named_and_no_fallback() {
    let setup = tls_setup();
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let client = PeerClient::connect(&server.addr, &setup.client).unwrap();
    for _ in 0..2 {
        let err = client.get_identity(&target()).await.unwrap_err();
        assert_eq!(
            mismatch(&err),
            (Dialed::Tls, PeerSpeaks::PlaintextHttp2),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("peer {} answered in plaintext", server.addr)),
            "{text}"
        );
        assert!(text.contains("this group uses TLS"), "{text}");
        assert!(text.contains("no fallback"), "{text}");
    }
    let err = client
        .partial_beacon(&target(), drand_node::proto::PartialBeaconPacket::default())
        .await
        .unwrap_err();
    assert_eq!(mismatch(&err).1, PeerSpeaks::PlaintextHttp2);
    // The plaintext server never handled a request: nothing was retried without TLS.
    assert_eq!(server.fake.calls(), 0);
    assert!(server.fake.partials.lock().unwrap().is_empty());
}

#[tokio::test]
async fn plaintext_client_to_tls_server_is_named() {
    let setup = tls_setup();
    let server = start(setup.server.clone()).await;
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    let err = client.get_identity(&target()).await.unwrap_err();
    assert_eq!(
        mismatch(&err),
        (Dialed::Plaintext, PeerSpeaks::Tls),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("answered with TLS"), "{text}");
    assert!(text.contains("plaintext local network"), "{text}");
    assert_eq!(server.fake.calls(), 0);
}

#[tokio::test]
async fn http1_server_is_named_in_both_modes() {
    let setup = tls_setup();
    let (addr, seen) = http1_server().await;
    let tls = PeerClient::connect(&addr, &setup.client).unwrap();
    let err = tls.get_identity(&target()).await.unwrap_err();
    assert_eq!(mismatch(&err), (Dialed::Tls, PeerSpeaks::Http1), "{err}");
    assert!(err.to_string().contains("HTTP/1.1"), "{err}");

    let plain = PeerClient::connect(&addr, &TransportMode::Plaintext).unwrap();
    let err = plain.get_identity(&target()).await.unwrap_err();
    assert_eq!(
        mismatch(&err),
        (Dialed::Plaintext, PeerSpeaks::Http1),
        "{err}"
    );
    assert!(err.to_string().contains("gRPC needs HTTP/2"), "{err}");
    assert!(seen.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn tls_endpoint_without_h2_is_named() {
    let setup = tls_setup();
    let addr = tls_http1_server(&setup.ca).await;
    let client = PeerClient::connect(&addr, &setup.client).unwrap();
    let err = client.get_identity(&target()).await.unwrap_err();
    assert_eq!(
        mismatch(&err),
        (Dialed::Tls, PeerSpeaks::TlsWithoutHttp2),
        "{err}"
    );
    assert!(err.to_string().contains("did not agree to HTTP/2"), "{err}");
}

#[tokio::test]
async fn wrong_ca_and_wrong_name_are_certificate_errors_in_words() {
    let setup = tls_setup();
    let server = start(setup.server.clone()).await;
    let other_ca = DevnetCa::generate().unwrap();
    let client = PeerClient::connect(
        &server.addr,
        &TransportMode::tls(&other_ca.trust_roots()).unwrap(),
    )
    .unwrap();
    let err = client.get_identity(&target()).await.unwrap_err();
    assert!(matches!(err, NetError::Certificate { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("not signed by a certificate authority this node trusts"),
        "{err}"
    );

    // A certificate for another host.
    let elsewhere = setup.ca.issue_node_cert(&["node.example.org"]).unwrap();
    let server2 = start(ListenMode::Tls(elsewhere.server_config().unwrap())).await;
    let client = PeerClient::connect(&server2.addr, &setup.client).unwrap();
    let err = client.get_identity(&target()).await.unwrap_err();
    assert!(matches!(err, NetError::Certificate { .. }), "{err}");
    assert!(
        err.to_string().contains("not valid for \"127.0.0.1\""),
        "{err}"
    );
    assert_eq!(server.fake.calls() + server2.fake.calls(), 0);
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let setup = tls_setup();
    for mode in [setup.client.clone(), TransportMode::Plaintext] {
        let err = PeerClient::connect(&addr, &mode)
            .unwrap()
            .get_identity(&target())
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::Connect { .. }), "{err}");
        assert!(
            err.to_string().contains("could not connect to peer"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn probe_names_each_listener_quickly() {
    let setup = tls_setup();
    let tls = start(setup.server.clone()).await;
    let plain = start(ListenMode::PlaintextBehindProxy).await;
    let (http1, _) = http1_server().await;
    let t = Duration::from_secs(2);
    let started = Instant::now();
    let p = |a: &str| drand_node::net::PeerAddress::parse(a).unwrap();
    assert_eq!(probe::probe(&p(&tls.addr), t).await, Some(PeerSpeaks::Tls));
    assert_eq!(
        probe::probe(&p(&plain.addr), t).await,
        Some(PeerSpeaks::PlaintextHttp2)
    );
    assert_eq!(probe::probe(&p(&http1), t).await, Some(PeerSpeaks::Http1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(tls.fake.calls() + plain.fake.calls(), 0);
}

#[tokio::test]
async fn util_check_reports_identity_tls_and_mismatches() {
    let setup = tls_setup();
    let good = start(setup.server.clone()).await;
    let plain = start(ListenMode::PlaintextBehindProxy).await;
    let addrs = vec![
        good.addr.clone(),
        plain.addr.clone(),
        "https://x:1".to_owned(),
    ];
    let reports = check_addresses(&addrs, &setup.client, &target()).await;
    assert_eq!(reports.len(), 3);

    let ok = &reports[0];
    assert!(ok.is_ok(), "{ok}");
    let id = ok.outcome.as_ref().unwrap();
    assert_eq!(id.key, vec![0xab; 48]);
    assert_eq!(id.version.as_deref(), Some("2.1.5"));
    let line = ok.to_string();
    assert!(line.starts_with("OK"), "{line}");
    assert!(line.contains("TLS 1.3, ALPN h2"), "{line}");

    let bad = &reports[1];
    assert!(!bad.is_ok());
    assert!(bad.to_string().contains("answered in plaintext"), "{bad}");
    assert!(
        reports[2].to_string().contains("without a scheme"),
        "{}",
        reports[2]
    );
    assert_eq!(plain.fake.calls(), 0);
}
