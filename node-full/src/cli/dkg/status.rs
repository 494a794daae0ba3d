//! `dkg status`: the current and the last completed ceremony, as JSON or for people.

use std::fmt::Write as _;
use std::net::SocketAddr;

use serde_json::{Value, json};

use super::super::Failure;
use crate::ceremony::{Status, Timestamp};
use crate::net::ControlClient;
use crate::proto::dkg::{DkgEntry, DkgStatusResponse, Participant};

/// The name of a numeric state (drand's, see [`Status`]), or `Unknown(n)`.
pub(crate) fn state_name(state: u32) -> String {
    Status::from_u32(state).map_or_else(|| format!("Unknown({state})"), |s| s.name().to_owned())
}

fn addresses(list: &[Participant]) -> Vec<&str> {
    list.iter().map(|p| p.address.as_str()).collect()
}

fn unix(t: Option<&prost_types::Timestamp>) -> Value {
    t.map_or(Value::Null, |t| json!(t.seconds))
}

/// One ceremony as JSON (addresses for participants, unix seconds for times).
pub(crate) fn entry_json(e: &DkgEntry) -> Value {
    json!({
        "beacon_id": e.beacon_id,
        "epoch": e.epoch,
        "state": state_name(e.state),
        "state_code": e.state,
        "threshold": e.threshold,
        "leader": e.leader.as_ref().map(|l| l.address.as_str()),
        "timeout": unix(e.timeout.as_ref()),
        "genesis_time": unix(e.genesis_time.as_ref()),
        "genesis_seed": drand_lite::hex::encode(&e.genesis_seed),
        "joining": addresses(&e.joining),
        "remaining": addresses(&e.remaining),
        "leaving": addresses(&e.leaving),
        "acceptors": addresses(&e.acceptors),
        "rejectors": addresses(&e.rejectors),
        "joined": addresses(&e.joined),
        "final_group": e.final_group,
    })
}

/// The whole answer: `{"complete": {...}|null, "current": {...}}`.
pub(crate) fn status_json(s: &DkgStatusResponse) -> Value {
    json!({
        "complete": s.complete.as_ref().map_or(Value::Null, entry_json),
        "current": entry_json(&s.current.clone().unwrap_or_default()),
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds (UTC), for people.
pub(crate) fn utc(secs: i64) -> String {
    Timestamp::from_secs(secs).to_string()
}

fn when(t: Option<&prost_types::Timestamp>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| utc(t.seconds))
}

/// What one participant did in the current ceremony.
fn participant_state(e: &DkgEntry, role: &str, p: &Participant) -> &'static str {
    let has = |list: &[Participant]| list.iter().any(|q| q.address == p.address);
    if e.leader.as_ref().is_some_and(|l| l.address == p.address) {
        return "leader";
    }
    match role {
        "leaving" => "leaving",
        "joining" if has(&e.joined) => "joined",
        "remaining" if has(&e.acceptors) => "accepted",
        "remaining" if has(&e.rejectors) => "rejected",
        _ => "silent",
    }
}

/// One ceremony for people: a summary line and one line per participant.
pub(crate) fn entry_text(title: &str, e: &DkgEntry) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{title}: beacon {:?}, epoch {}, state {}",
        e.beacon_id,
        e.epoch,
        state_name(e.state)
    );
    let _ = writeln!(
        out,
        "  threshold {}, leader {}, timeout {}, genesis {}",
        e.threshold,
        e.leader.as_ref().map_or("-", |l| l.address.as_str()),
        when(e.timeout.as_ref()),
        when(e.genesis_time.as_ref()),
    );
    for (role, list) in [
        ("remaining", &e.remaining),
        ("joining", &e.joining),
        ("leaving", &e.leaving),
    ] {
        for p in list {
            let _ = writeln!(
                out,
                "  {:<40} {:<10} {}",
                p.address,
                role,
                participant_state(e, role, p)
            );
        }
    }
    if !e.final_group.is_empty() {
        let _ = writeln!(out, "  group: {}", e.final_group.join(", "));
    }
    out
}

/// Prints the DKG status of `id`.
pub(super) fn run(control: SocketAddr, id: &str, as_json: bool) -> Result<(), Failure> {
    let status = super::super::runtime()?.block_on(async {
        ControlClient::connect(&control.to_string())
            .map_err(Failure::failed)?
            .dkg_status(id)
            .await
            .map_err(Failure::failed)
    })?;
    if as_json {
        println!("{}", status_json(&status));
        return Ok(());
    }
    print!(
        "{}",
        entry_text("current", &status.current.clone().unwrap_or_default())
    );
    match &status.complete {
        Some(done) => print!("{}", entry_text("last complete", done)),
        None => println!("last complete: none"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(a: &str) -> Participant {
        Participant {
            address: a.into(),
            key: vec![1],
            signature: vec![2],
        }
    }

    #[test]
    fn state_names_match_drand() {
        assert_eq!(state_name(0), "Fresh");
        assert_eq!(state_name(7), "Complete");
        assert_eq!(state_name(8), "TimedOut");
        assert_eq!(state_name(11), "Failed");
        assert_eq!(state_name(12), "Unknown(12)");
        assert_eq!(state_name(u32::MAX), format!("Unknown({})", u32::MAX));
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_692_803_367), "2023-08-23T15:09:27Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn json_has_the_documented_shape() {
        let current = DkgEntry {
            beacon_id: "default".into(),
            state: 2,
            epoch: 2,
            threshold: 3,
            timeout: Some(prost_types::Timestamp {
                seconds: 1_700_000_600,
                nanos: 9,
            }),
            leader: Some(who("a:1")),
            remaining: vec![who("a:1"), who("b:2"), who("c:3")],
            joining: vec![who("d:4"), who("e:5")],
            leaving: vec![who("f:6")],
            acceptors: vec![who("b:2")],
            rejectors: vec![who("c:3")],
            joined: vec![who("d:4")],
            ..Default::default()
        };
        let v = status_json(&DkgStatusResponse {
            complete: None,
            current: Some(current.clone()),
        });
        assert_eq!(v["complete"], Value::Null);
        let c = &v["current"];
        assert_eq!(c["state"], "Proposing");
        assert_eq!(c["epoch"], 2);
        assert_eq!(c["leader"], "a:1");
        assert_eq!(c["timeout"], 1_700_000_600);
        assert_eq!(c["genesis_time"], Value::Null);
        assert_eq!(c["joined"], json!(["d:4"]));
        assert_eq!(c["final_group"], json!([]));
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        for k in [
            "epoch",
            "state",
            "threshold",
            "leader",
            "timeout",
            "genesis_time",
            "joining",
            "remaining",
            "leaving",
            "acceptors",
            "rejectors",
            "joined",
            "final_group",
        ] {
            assert!(keys.contains(&k), "{k} missing in {keys:?}");
        }
        let text = entry_text("current", &current);
        for (addr, what) in [
            ("a:1", "leader"),
            ("b:2", "accepted"),
            ("c:3", "rejected"),
            ("d:4", "joined"),
            ("e:5", "silent"),
            ("f:6", "leaving"),
        ] {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(addr))
                .unwrap();
            assert!(line.ends_with(what), "{line}");
        }
        assert!(text.contains("2023-11-14T22:"), "{text}");
    }
}
