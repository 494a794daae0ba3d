//! Transport mismatches through the real binaries, on loopback with real TLS: one node of a
//! TLS devnet restarted with `start --plaintext-behind-proxy` (and no proxy in front of it).
//! `util check` names plaintext for it and TLS for a TLS node dialed in plaintext, and prints
//! the TLS details of a healthy node; the TLS nodes say in their logs that the peer answered in
//! plaintext (no fallback), and none of their partials reaches the plaintext node: it never
//! aggregates a beacon itself, only syncs them over its own outgoing TLS. `start` refuses to
//! pick a transport by itself.

mod cli_support;

use std::time::Duration;

use cli_support::{Devnet, metric, process_gone, run, wait_for, wait_for_or};

const WITHIN: Duration = Duration::from_secs(30);

#[test]
fn plaintext_listener_in_a_tls_group_is_named_and_never_fallen_back_to() {
    let mut devnet = Devnet::start(3, 2, "bls-unchained-g1-rfc9380");
    let ca = devnet.ca().to_owned();
    let tls_node = devnet.nodes[0].clone();
    let plain = devnet.nodes[2].clone();

    // A healthy TLS node: OK with the negotiated TLS details.
    let out = run(
        &["util", "check", &tls_node.address, "--tls-ca", &ca],
        WITHIN,
    );
    out.assert_ok();
    assert!(out.stdout.starts_with("OK"), "{}", out.both());
    assert!(out.stdout.contains("TLS 1.3"), "{}", out.both());
    assert!(out.stdout.contains("ALPN h2"), "{}", out.both());
    assert!(
        out.stdout.contains("bls-unchained-g1-rfc9380"),
        "{}",
        out.both()
    );
    // The same node dialed in plaintext: the error names TLS.
    let out = run(&["util", "check", &tls_node.address, "--plaintext"], WITHIN);
    out.assert_fails(1);
    assert!(out.stdout.starts_with("FAIL"), "{}", out.both());
    assert!(out.stdout.contains("answered with TLS"), "{}", out.both());
    assert!(out.stdout.contains("no fallback"), "{}", out.both());
    // --plaintext and --tls-ca together make no sense.
    let out = run(
        &[
            "util",
            "check",
            &tls_node.address,
            "--plaintext",
            "--tls-ca",
            &ca,
        ],
        WITHIN,
    );
    out.assert_fails(2);

    // Node 2 restarted with a plaintext listener (it still dials its peers over TLS).
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &plain.pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    wait_for("node 2 killed", Duration::from_secs(10), || {
        process_gone(plain.pid).then_some(())
    });
    let mut args: Vec<String> = Vec::new();
    let mut start = plain.start.iter();
    while let Some(arg) = start.next() {
        if arg == "--tls-cert" || arg == "--tls-key" {
            start.next();
        } else {
            args.push(arg.clone());
        }
    }
    args.push("--plaintext-behind-proxy".to_owned());
    let log = devnet.dir.path().join("plaintext-node2.log");
    devnet.spawn_extra(&args, &log);
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let restarted_at = wait_for_or(
        "the plaintext node answers status",
        Duration::from_secs(20),
        || plain.last_stored(),
        read_log,
    );
    assert!(
        read_log().contains("speaks plaintext"),
        "start warns about the plaintext listener"
    );

    // util check with TLS against it: an error naming plaintext, exit 1.
    let out = run(&["util", "check", &plain.address, "--tls-ca", &ca], WITHIN);
    out.assert_fails(1);
    assert!(out.stdout.starts_with("FAIL"), "{}", out.both());
    assert!(out.stdout.contains("plaintext"), "{}", out.both());
    assert!(out.stdout.contains("no fallback"), "{}", out.both());
    // Several addresses: each gets its line; one failure fails the command.
    let out = run(
        &[
            "util",
            "check",
            &tls_node.address,
            &plain.address,
            "--tls-ca",
            &ca,
        ],
        WITHIN,
    );
    out.assert_fails(1);
    assert_eq!(
        out.stdout.lines().filter(|l| l.starts_with("OK")).count(),
        1,
        "{}",
        out.both()
    );
    assert_eq!(
        out.stdout.lines().filter(|l| l.starts_with("FAIL")).count(),
        1,
        "{}",
        out.both()
    );
    assert!(out.stderr.contains("1 of 2"), "{}", out.both());
    // In plaintext it answers (that is what it is).
    let out = run(&["util", "check", &plain.address, "--plaintext"], WITHIN);
    out.assert_ok();
    assert!(out.stdout.contains("plaintext"), "{}", out.both());

    // The TLS nodes say so in their logs, in words, and count the failed sends.
    for node in &devnet.nodes[0..2] {
        wait_for_or(
            "a TLS node logs the plaintext peer",
            Duration::from_secs(15),
            || {
                let log = node.log();
                log.lines()
                    .any(|l| {
                        l.contains(&plain.address) && l.contains("answered in plaintext HTTP/2")
                    })
                    .then_some(())
            },
            || node.log(),
        );
        let log = node.log();
        assert!(log.contains("no fallback"), "{log}");
        assert_cli_no_panic(&log);
        let sends = wait_for(
            "error_sending_partial for the plaintext node",
            Duration::from_secs(10),
            || {
                let (_, body) = cli_support::http_get(&format!("{}/metrics", node.metrics))?;
                body.lines()
                    .find(|l| {
                        l.starts_with("error_sending_partial")
                            && l.contains(&format!("\"{}\"", plain.address))
                    })
                    .map(str::to_owned)
            },
        );
        assert!(sends.ends_with(" 1"), "{sends}");
    }

    // The chain goes on (the TLS pair has t = 2); the plaintext node follows only by syncing:
    // no partial of the others reached it, so it never aggregated a beacon of its own.
    let target = restarted_at + 4;
    wait_for_or(
        "the chain advances 4 rounds",
        Duration::from_secs(20),
        || tls_node.last_stored().filter(|r| *r >= target),
        || {
            let tail = |log: String| log.lines().rev().take(40).collect::<Vec<_>>().join("\n");
            format!(
                "target {target}, status {:?} / {:?} / {:?}\n--- node 0 (newest first)\n{}\n--- node 1\n{}\n--- plaintext node\n{}",
                devnet.nodes[0].last_stored(),
                devnet.nodes[1].last_stored(),
                plain.last_stored(),
                tail(devnet.nodes[0].log()),
                tail(devnet.nodes[1].log()),
                tail(read_log())
            )
        },
    );
    wait_for_or(
        "the plaintext node follows by sync",
        Duration::from_secs(20),
        || plain.last_stored().filter(|r| *r >= target),
        read_log,
    );
    let log = read_log();
    assert!(
        !log.contains("NEW_BEACON_STORED"),
        "the plaintext node aggregated a beacon:\n{log}"
    );
    assert!(log.contains("sync done"), "{log}");
    assert_eq!(
        metric(&plain.metrics, "partials_rejected_total"),
        Some(0),
        "no partial arrived at all"
    );
    assert!(metric(&plain.metrics, "beacons_synced_total").unwrap() >= 4);
    assert_cli_no_panic(&log);
}

fn assert_cli_no_panic(log: &str) {
    cli_support::assert_no_panic(log);
}

#[test]
fn start_needs_an_explicit_transport() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let pem = dir.path().join("node.pem");
    let pem = pem.to_str().unwrap();
    let base = [
        "start",
        "--folder",
        folder,
        "--private-listen",
        "127.0.0.1:0",
        "--control",
        "127.0.0.1:0",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        run(&args, WITHIN)
    };
    // Neither TLS files nor --plaintext-behind-proxy.
    let out = with(&[]);
    out.assert_fails(2);
    assert!(out.stderr.contains("--tls-cert"), "{}", out.both());
    assert!(
        out.stderr.contains("--plaintext-behind-proxy"),
        "{}",
        out.both()
    );
    // Half a TLS configuration.
    let out = with(&["--tls-cert", pem]);
    out.assert_fails(2);
    assert!(out.stderr.contains("--tls-key"), "{}", out.both());
    // Both at once.
    let out = with(&[
        "--tls-cert",
        pem,
        "--tls-key",
        pem,
        "--plaintext-behind-proxy",
    ]);
    out.assert_fails(2);
    assert!(out.stderr.contains("exclude each other"), "{}", out.both());
    // Certificate files that do not exist: named.
    let out = with(&["--tls-cert", pem, "--tls-key", pem]);
    out.assert_fails(2);
    assert!(out.stderr.contains("node.pem"), "{}", out.both());
    // A plaintext group cannot also trust a CA.
    let out = with(&[
        "--plaintext-behind-proxy",
        "--plaintext-group",
        "--tls-ca",
        pem,
    ]);
    out.assert_fails(2);
    assert!(out.stderr.contains("exclude each other"), "{}", out.both());
}
