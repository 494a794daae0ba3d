//! The DKG gRPC services (dkg.DKGPublic, drandlite.Ceremony, dkg.DKGControl): round trips over
//! real TLS on 127.0.0.1 against a fake service, shape checks (drand's fuzz-found panics are
//! InvalidArgument here), the version gate, routing to a beacon without a chain yet, and the
//! fallback when a Go node does not know our extension service.

mod net_support;

use std::sync::Arc;

use drand_node::net::{
    BeaconRoute, BeaconTarget, ControlClient, ListenMode, PeerClient, TransportMode,
};
use drand_node::proto::dkg::dkg_public_server::{DkgPublic, DkgPublicServer};
use drand_node::proto::dkg::{
    AbortDkg, AcceptProposal, CommandMetadata, Deal, DealBundle, DkgCommand, DkgEntry, DkgPacket,
    DkgStatusResponse, EmptyDkgResponse, ExecutionOptions, FirstProposalOptions, GossipMetadata,
    GossipPacket, Justification, JustificationBundle, Packet, Participant, ProposalTerms,
    StartExecution, dkg_command, gossip_packet, packet,
};
use drand_node::proto::drandlite::PullProposalRequest;
use drand_node::proto::{Metadata, NodeVersion};
use net_support::raw::raw_call;
use net_support::*;
use prost::Message as _;
use prost_types::Timestamp;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use tonic::transport::{Channel, Server};

fn who(address: &str) -> Participant {
    Participant {
        address: address.to_owned(),
        key: vec![0xab; 48],
        signature: vec![0xcd; 96],
    }
}

fn ts(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp { seconds, nanos: 5 })
}

fn terms() -> ProposalTerms {
    ProposalTerms {
        beacon_id: "default".into(),
        epoch: 1,
        leader: Some(who("a:1")),
        threshold: 2,
        timeout: ts(1_700_000_600),
        catchup_period_seconds: 1,
        beacon_period_seconds: 3,
        scheme_id: "bls-unchained-g1-rfc9380".into(),
        genesis_time: ts(1_700_000_900),
        genesis_seed: Vec::new(),
        joining: vec![who("a:1"), who("b:2"), who("c:3")],
        remaining: Vec::new(),
        leaving: Vec::new(),
    }
}

fn proposal(beacon: &str) -> GossipPacket {
    GossipPacket {
        metadata: gossip_metadata(beacon, "a:1"),
        packet: Some(gossip_packet::Packet::Proposal(terms())),
    }
}

fn deal_packet() -> DkgPacket {
    DkgPacket {
        dkg: Some(Packet {
            bundle: Some(packet::Bundle::Deal(DealBundle {
                dealer_index: 1,
                commits: vec![vec![1; 48], vec![2; 48]],
                deals: vec![Deal {
                    share_index: 0,
                    encrypted_share: vec![3; 80],
                }],
                session_id: vec![4; 32],
                signature: vec![5; 96],
            })),
            metadata: Some(Metadata::default()),
        }),
    }
}

async fn dkg_round_trips(client: &PeerClient, server: &Running) {
    let fake = &server.fake;
    let default = BeaconTarget::id("");

    // Packet: a proposal reaches the service, routed to `default` (empty ID).
    client.dkg_packet(proposal("")).await.unwrap();
    {
        let gossip = fake.gossip.lock().unwrap();
        let (beacon, got) = gossip.last().unwrap();
        assert_eq!(beacon, "default");
        assert_eq!(got, &proposal(""));
    }
    for body in [
        gossip_packet::Packet::Accept(AcceptProposal {
            acceptor: Some(who("b:2")),
        }),
        gossip_packet::Packet::Execute(StartExecution {
            time: ts(1_700_000_100),
        }),
        gossip_packet::Packet::Abort(AbortDkg {
            reason: "none".into(),
        }),
    ] {
        let p = GossipPacket {
            metadata: gossip_metadata("quicknet", "a:1"),
            packet: Some(body),
        };
        client.dkg_packet(p.clone()).await.unwrap();
        assert_eq!(
            fake.gossip.lock().unwrap().last().unwrap(),
            &("quicknet".to_owned(), p)
        );
    }

    // BroadcastDKG: the bundle arrives with our metadata filled in from the target.
    client
        .broadcast_dkg(&BeaconTarget::id("quicknet"), deal_packet())
        .await
        .unwrap();
    {
        let bundles = fake.bundles.lock().unwrap();
        let (beacon, got) = bundles.last().unwrap();
        assert_eq!(beacon, "quicknet");
        let md = got.dkg.as_ref().unwrap().metadata.as_ref().unwrap();
        assert_eq!(md.beacon_id, "quicknet");
        assert!(md.node_version.is_some());
    }
    // A bundle inside a gossip packet goes to the echo broadcast, as drand does.
    let wrapped = GossipPacket {
        metadata: gossip_metadata("default", "a:1"),
        packet: Some(gossip_packet::Packet::Dkg(deal_packet())),
    };
    let before = fake.gossip.lock().unwrap().len();
    client.dkg_packet(wrapped).await.unwrap();
    assert_eq!(fake.gossip.lock().unwrap().len(), before);
    assert_eq!(fake.bundles.lock().unwrap().last().unwrap().0, "default");

    // PullProposal: none, then the stored one.
    assert_eq!(client.pull_proposal(&default).await.unwrap(), None);
    *fake.proposal.lock().unwrap() = Some(proposal("default"));
    assert_eq!(
        client.pull_proposal(&default).await.unwrap(),
        Some(proposal("default"))
    );

    // Joined: a notice without a body.
    let notice = GossipPacket {
        metadata: gossip_metadata("default", "c:3"),
        packet: None,
    };
    client.joined(notice.clone()).await.unwrap();
    assert_eq!(
        fake.joined.lock().unwrap().last().unwrap(),
        &("default".to_owned(), notice)
    );

    // Unknown beacon: NotFound, nothing reaches the service.
    let calls = fake.calls();
    let err = client.dkg_packet(proposal("nope")).await.unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::NotFound), "{err}");
    let err = client
        .pull_proposal(&BeaconTarget::id("nope"))
        .await
        .unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::NotFound), "{err}");
    assert_eq!(fake.calls(), calls);
}

#[tokio::test]
async fn tls_round_trip_of_every_dkg_rpc() {
    let tls = tls_setup();
    let server = start(tls.server.clone()).await;
    let client = PeerClient::connect(&server.addr, &tls.client).unwrap();
    dkg_round_trips(&client, &server).await;
}

#[tokio::test]
async fn plaintext_round_trip_of_every_dkg_rpc() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    dkg_round_trips(&client, &server).await;
}

#[tokio::test]
async fn dkg_traffic_reaches_a_beacon_without_a_chain_yet() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    server.fake.extra_routes.lock().unwrap().push(BeaconRoute {
        beacon_id: "fresh".into(),
        chain_hash: None,
    });
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    client.dkg_packet(proposal("fresh")).await.unwrap();
    client
        .broadcast_dkg(&BeaconTarget::id("fresh"), deal_packet())
        .await
        .unwrap();
    // A chain hash that is not known yet still finds the beacon by ID.
    client
        .broadcast_dkg(
            &BeaconTarget::id("fresh").with_chain_hash(vec![9; 32]),
            deal_packet(),
        )
        .await
        .unwrap();
    assert_eq!(
        client
            .pull_proposal(&BeaconTarget::id("fresh"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(server.fake.gossip.lock().unwrap()[0].0, "fresh");
    assert_eq!(server.fake.bundles.lock().unwrap().len(), 2);
}

fn with_version(major: u32, minor: u32) -> Option<Metadata> {
    Some(Metadata {
        node_version: Some(NodeVersion {
            major,
            minor,
            patch: 0,
            prerelease: None,
        }),
        ..Default::default()
    })
}

#[tokio::test]
async fn version_gate_applies_to_messages_with_a_version() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let channel = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut public =
        drand_node::proto::dkg::dkg_public_client::DkgPublicClient::new(channel.clone());
    let mut ceremony = drand_node::proto::drandlite::ceremony_client::CeremonyClient::new(channel);

    let mut old = deal_packet();
    old.dkg.as_mut().unwrap().metadata = with_version(1, 9);
    let status = public.broadcast_dkg(old.clone()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert!(status.message().contains("incompatible node version"));
    // The same bundle wrapped in a gossip packet is gated too.
    let wrapped = GossipPacket {
        metadata: gossip_metadata("default", "a:1"),
        packet: Some(gossip_packet::Packet::Dkg(old)),
    };
    let status = public.packet(wrapped).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    let status = ceremony
        .pull_proposal(PullProposalRequest {
            metadata: with_version(2, 3),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert_eq!(server.fake.calls(), 0, "refused requests reach no service");

    let mut ok = deal_packet();
    ok.dkg.as_mut().unwrap().metadata = with_version(2, 1);
    public.broadcast_dkg(ok).await.unwrap();
    ceremony
        .pull_proposal(PullProposalRequest {
            metadata: with_version(2, 0),
        })
        .await
        .unwrap();
}

/// Every malformed shape drand's fuzzing found (and the like) is InvalidArgument.
#[tokio::test]
async fn malformed_packets_are_invalid_arguments() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let channel = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut public =
        drand_node::proto::dkg::dkg_public_client::DkgPublicClient::new(channel.clone());
    let mut ceremony = drand_node::proto::drandlite::ceremony_client::CeremonyClient::new(channel);

    let mut gossip_cases: Vec<(&str, GossipPacket)> = Vec::new();
    // drand's TestPacketWithoutMetadata: a proposal with no leader and no metadata.
    let mut no_leader = terms();
    no_leader.leader = None;
    gossip_cases.push((
        "without metadata",
        GossipPacket {
            metadata: None,
            packet: Some(gossip_packet::Packet::Proposal(no_leader.clone())),
        },
    ));
    gossip_cases.push((
        "leader is missing",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Proposal(no_leader)),
        },
    ));
    let mut short = proposal("default");
    short.metadata.as_mut().unwrap().signature = vec![1, 2, 3];
    gossip_cases.push(("too short", short));
    let mut nobody = proposal("default");
    nobody.metadata.as_mut().unwrap().address.clear();
    gossip_cases.push(("no sender address", nobody));
    gossip_cases.push((
        "without a body",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: None,
        },
    ));
    // A nil entry in an array arrives as an empty message.
    let mut nil_joiner = terms();
    nil_joiner.joining.insert(0, Participant::default());
    gossip_cases.push((
        "proposal.joining[0] has no address",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Proposal(nil_joiner)),
        },
    ));
    let mut keyless = terms();
    keyless.remaining.push(Participant {
        address: "d:4".into(),
        ..Default::default()
    });
    gossip_cases.push((
        "proposal.remaining[0] (d:4) has no key",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Proposal(keyless)),
        },
    ));
    let mut no_timeout = terms();
    no_timeout.timeout = None;
    gossip_cases.push((
        "proposal.timeout is missing",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Proposal(no_timeout)),
        },
    ));
    let mut bad_nanos = terms();
    bad_nanos.genesis_time = Some(Timestamp {
        seconds: 1,
        nanos: -1,
    });
    gossip_cases.push((
        "proposal.genesis_time has -1 nanoseconds",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Proposal(bad_nanos)),
        },
    ));
    gossip_cases.push((
        "accept.acceptor is missing",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Accept(AcceptProposal {
                acceptor: None,
            })),
        },
    ));
    gossip_cases.push((
        "execute.time is missing",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Execute(StartExecution {
                time: None,
            })),
        },
    ));
    gossip_cases.push((
        "DKG packet without a bundle",
        GossipPacket {
            metadata: gossip_metadata("default", "a:1"),
            packet: Some(gossip_packet::Packet::Dkg(DkgPacket { dkg: None })),
        },
    ));
    for (want, packet) in gossip_cases {
        let status = public.packet(packet).await.unwrap_err();
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{want}: {status:?}"
        );
        assert!(
            status.message().contains(want),
            "{want}: {}",
            status.message()
        );
    }

    let mut bundle_cases: Vec<(&str, DkgPacket)> = Vec::new();
    // drand's TestDKGPacketWithoutMetadata: a deal with nothing in it and no metadata.
    bundle_cases.push((
        "without metadata",
        DkgPacket {
            dkg: Some(Packet {
                bundle: Some(packet::Bundle::Deal(DealBundle {
                    dealer_index: 1,
                    ..Default::default()
                })),
                metadata: None,
            }),
        },
    ));
    bundle_cases.push((
        "no commitments",
        DkgPacket {
            dkg: Some(Packet {
                bundle: Some(packet::Bundle::Deal(DealBundle::default())),
                metadata: Some(Metadata::default()),
            }),
        },
    ));
    let mut nil_deal = deal_packet();
    if let Some(packet::Bundle::Deal(d)) = nil_deal.dkg.as_mut().unwrap().bundle.as_mut() {
        d.deals.push(Deal::default());
    }
    bundle_cases.push(("deal.deals[1].encrypted_share is empty", nil_deal));
    let mut unsigned = deal_packet();
    if let Some(packet::Bundle::Deal(d)) = unsigned.dkg.as_mut().unwrap().bundle.as_mut() {
        d.signature.clear();
    }
    bundle_cases.push(("deal.signature is empty", unsigned));
    bundle_cases.push((
        "justifications[0].share is empty",
        DkgPacket {
            dkg: Some(Packet {
                bundle: Some(packet::Bundle::Justification(JustificationBundle {
                    dealer_index: 0,
                    justifications: vec![Justification::default()],
                    session_id: vec![1],
                    signature: vec![2],
                })),
                metadata: Some(Metadata::default()),
            }),
        },
    ));
    bundle_cases.push((
        "without a bundle",
        DkgPacket {
            dkg: Some(Packet {
                bundle: None,
                metadata: Some(Metadata::default()),
            }),
        },
    ));
    bundle_cases.push(("without a bundle", DkgPacket { dkg: None }));
    for (want, packet) in bundle_cases {
        let status = public.broadcast_dkg(packet).await.unwrap_err();
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{want}: {status:?}"
        );
        assert!(
            status.message().contains(want),
            "{want}: {}",
            status.message()
        );
    }

    let status = ceremony
        .pull_proposal(PullProposalRequest { metadata: None })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let status = ceremony.joined(proposal("default")).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("no packet body"),
        "{}",
        status.message()
    );
    let status = ceremony
        .joined(GossipPacket {
            metadata: None,
            packet: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);

    assert_eq!(
        server.fake.calls(),
        0,
        "nothing malformed reached the service"
    );
}

/// Seeded garbage and mutations of valid messages on every DKG method: a status every time,
/// never a dropped connection, and the server keeps serving.
#[tokio::test]
async fn garbage_on_every_dkg_method_never_breaks_the_server() {
    let server = start(ListenMode::PlaintextBehindProxy).await;
    let channel = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let seeds: Vec<(&'static str, Vec<u8>)> = vec![
        ("/dkg.DKGPublic/Packet", proposal("default").encode_to_vec()),
        ("/dkg.DKGPublic/BroadcastDKG", deal_packet().encode_to_vec()),
        (
            "/drandlite.Ceremony/PullProposal",
            PullProposalRequest {
                metadata: Some(Metadata::default()),
            }
            .encode_to_vec(),
        ),
        (
            "/drandlite.Ceremony/Joined",
            GossipPacket {
                metadata: gossip_metadata("default", "c:3"),
                packet: None,
            }
            .encode_to_vec(),
        ),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(0xd1c6);
    for round in 0..100 {
        for (path, valid) in &seeds {
            let mut body = valid.clone();
            match round % 3 {
                0 => {
                    let n = (rng.next_u32() % 200) as usize;
                    body = vec![0; n];
                    rng.fill_bytes(&mut body);
                }
                1 => {
                    for _ in 0..1 + rng.next_u32() % 4 {
                        let i = rng.next_u32() as usize % body.len();
                        body[i] ^= 1 << (rng.next_u32() % 8);
                    }
                }
                _ => body.truncate(rng.next_u32() as usize % body.len()),
            }
            // Whatever the answer, it must be an answer (Ok or a status), not a broken stream.
            if let Err(status) = raw_call(channel.clone(), path, body).await {
                assert!(
                    matches!(
                        status.code(),
                        tonic::Code::InvalidArgument
                            | tonic::Code::Internal
                            | tonic::Code::NotFound
                            | tonic::Code::PermissionDenied
                    ),
                    "{path}: {status:?}"
                );
            }
        }
    }
    let client = PeerClient::connect(&server.addr, &TransportMode::Plaintext).unwrap();
    client.dkg_packet(proposal("default")).await.unwrap();
}

/// A Go node knows dkg.DKGPublic but not drandlite.Ceremony.
struct GoNode;

#[tonic::async_trait]
impl DkgPublic for GoNode {
    async fn packet(
        &self,
        _req: tonic::Request<GossipPacket>,
    ) -> Result<tonic::Response<EmptyDkgResponse>, tonic::Status> {
        Ok(tonic::Response::new(EmptyDkgResponse {}))
    }
    async fn broadcast_dkg(
        &self,
        _req: tonic::Request<DkgPacket>,
    ) -> Result<tonic::Response<EmptyDkgResponse>, tonic::Status> {
        Ok(tonic::Response::new(EmptyDkgResponse {}))
    }
}

#[tokio::test]
async fn pull_from_a_go_node_is_none_and_joined_says_unimplemented() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(
        Server::builder()
            .add_service(DkgPublicServer::new(GoNode))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let client = PeerClient::connect(&addr, &TransportMode::Plaintext).unwrap();
    client.dkg_packet(proposal("default")).await.unwrap();
    assert_eq!(
        client
            .pull_proposal(&BeaconTarget::id("default"))
            .await
            .unwrap(),
        None
    );
    let err = client
        .joined(GossipPacket {
            metadata: gossip_metadata("default", "c:3"),
            packet: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::Unimplemented), "{err}");
}

#[tokio::test]
async fn control_dkg_command_and_status() {
    let fake = Arc::new(Fake::default());
    let control = start_control(fake.clone()).await;
    let client = ControlClient::connect(&control.addr).unwrap();

    let initial = dkg_command::Command::Initial(FirstProposalOptions {
        timeout: ts(1_700_000_600),
        threshold: 2,
        period_seconds: 3,
        scheme: "bls-unchained-g1-rfc9380".into(),
        catchup_period_seconds: 1,
        genesis_time: ts(1_700_000_900),
        joining: vec![who("a:1"), who("b:2")],
    });
    client.dkg_command("", initial.clone()).await.unwrap();
    let execute = dkg_command::Command::Execute(ExecutionOptions {
        when_ready: true,
        quorum: 3,
        at: None,
        kickoff_delay_ms: 7000,
    });
    client
        .dkg_command("quicknet", execute.clone())
        .await
        .unwrap();
    {
        let commands = fake.commands.lock().unwrap();
        assert_eq!(commands[0].0, "default");
        // The server names the routed beacon in the command's metadata.
        assert_eq!(
            commands[0].1,
            DkgCommand {
                metadata: Some(CommandMetadata {
                    beacon_id: "default".into()
                }),
                command: Some(initial),
            }
        );
        assert_eq!(commands[1].0, "quicknet");
        assert_eq!(commands[1].1.command, Some(execute));
    }

    *fake.dkg_status.lock().unwrap() = DkgStatusResponse {
        complete: Some(DkgEntry {
            state: 7,
            epoch: 1,
            final_group: vec!["a:1".into()],
            ..Default::default()
        }),
        current: Some(DkgEntry {
            state: 2,
            epoch: 2,
            joined: vec![who("c:3")],
            ..Default::default()
        }),
    };
    let status = client.dkg_status("default").await.unwrap();
    assert_eq!(status.complete.unwrap().final_group, vec!["a:1"]);
    assert_eq!(status.current.unwrap().joined, vec![who("c:3")]);

    // drand's TestDKGPacketWithNilInArray: a nil joiner in a command is refused, not a panic.
    let calls = fake.calls();
    let nil_joiner = dkg_command::Command::Initial(FirstProposalOptions {
        timeout: ts(1_700_000_600),
        genesis_time: ts(1_700_000_900),
        joining: vec![Participant::default(), who("a:1")],
        ..Default::default()
    });
    let err = client.dkg_command("default", nil_joiner).await.unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::InvalidArgument), "{err}");
    assert!(err.to_string().contains("initial.joining[0]"), "{err}");
    let err = client
        .dkg_command(
            "default",
            dkg_command::Command::Execute(ExecutionOptions {
                at: Some(Timestamp {
                    seconds: i64::MAX,
                    nanos: 0,
                }),
                ..Default::default()
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::InvalidArgument), "{err}");
    let err = client.dkg_status("nope").await.unwrap_err();
    assert_eq!(err.rpc_code(), Some(tonic::Code::NotFound), "{err}");
    // A command without metadata or without a command.
    let channel = Channel::from_shared(format!("http://{}", control.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut raw = drand_node::proto::dkg::dkg_control_client::DkgControlClient::new(channel);
    for bad in [
        DkgCommand {
            metadata: None,
            command: Some(dkg_command::Command::Abort(Default::default())),
        },
        DkgCommand {
            metadata: Some(CommandMetadata::default()),
            command: None,
        },
    ] {
        let status = raw.command(bad).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
    }
    assert_eq!(fake.calls(), calls, "refused commands reach no service");
}

#[test]
fn gossip_metadata_helper_is_a_valid_shape() {
    let p = GossipPacket {
        metadata: Some(GossipMetadata {
            beacon_id: String::new(),
            address: "a:1".into(),
            signature: vec![1; 4],
        }),
        packet: Some(gossip_packet::Packet::Abort(AbortDkg::default())),
    };
    drand_node::net::dkg_shape::gossip(&p).unwrap();
}
