//! Prometheus metrics in the text exposition format, with drand's metric names where drand has
//! one (`last_beacon_round`, `group_size`, `group_threshold`, `beacon_discrepancy_latency`,
//! `error_sending_partial`, `is_drand_node`, `drand_start_timestamp`). A handful of gauges
//! needs no metrics library: each is an atomic, rendered on request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The gauges of one beacon process.
#[derive(Debug, Default)]
pub struct BeaconMetrics {
    /// The last stored round.
    pub last_beacon_round: AtomicU64,
    /// Nodes in the group.
    pub group_size: AtomicU64,
    /// The group's threshold.
    pub group_threshold: AtomicU64,
    /// Milliseconds between a round's time and the moment its beacon was stored (last round).
    pub beacon_discrepancy_latency: AtomicU64,
    /// Partials rejected as misbehaviour (invalid, future, unknown index, ...; not the benign
    /// stale or duplicate ones every healthy round has).
    pub partials_rejected: AtomicU64,
    /// Beacons stored from sync rather than aggregation.
    pub beacons_synced: AtomicU64,
    /// Per peer address: 1 if the last partial sent to it failed, else 0.
    pub error_sending_partial: Mutex<BTreeMap<String, u64>>,
}

impl BeaconMetrics {
    /// Records the group's size and threshold.
    pub fn set_group(&self, group: &crate::files::Group) {
        self.group_size
            .store(group.nodes.len() as u64, Ordering::Relaxed);
        self.group_threshold
            .store(u64::from(group.threshold), Ordering::Relaxed);
    }

    /// Records whether sending a partial to `address` failed.
    pub fn set_send_error(&self, address: &str, failed: bool) {
        if let Ok(mut map) = self.error_sending_partial.lock() {
            map.insert(address.to_owned(), u64::from(failed));
        }
    }

    /// Whether the last partial sent to `address` failed.
    pub fn send_error(&self, address: &str) -> bool {
        self.error_sending_partial
            .lock()
            .is_ok_and(|map| map.get(address).is_some_and(|v| *v != 0))
    }
}

/// A per-beacon gauge: name, help text and how to read it.
type Series = (&'static str, &'static str, fn(&BeaconMetrics) -> u64);

/// Renders every beacon process's gauges plus the process-wide ones.
pub fn render(start_unix_secs: u64, beacons: &[(String, &BeaconMetrics)]) -> String {
    let mut out = String::new();
    gauge_header(&mut out, "is_drand_node", "1 for a drand node process");
    let _ = writeln!(out, "is_drand_node 1");
    gauge_header(
        &mut out,
        "drand_start_timestamp",
        "Unix time the node started",
    );
    let _ = writeln!(out, "drand_start_timestamp {start_unix_secs}");
    let series: [Series; 6] = [
        ("last_beacon_round", "Last stored round", |m| {
            m.last_beacon_round.load(Ordering::Relaxed)
        }),
        ("group_size", "Number of nodes in the group", |m| {
            m.group_size.load(Ordering::Relaxed)
        }),
        ("group_threshold", "Threshold of the group", |m| {
            m.group_threshold.load(Ordering::Relaxed)
        }),
        (
            "beacon_discrepancy_latency",
            "Milliseconds from round time to stored beacon (last round)",
            |m| m.beacon_discrepancy_latency.load(Ordering::Relaxed),
        ),
        (
            "partials_rejected_total",
            "Partials rejected as misbehaviour",
            |m| m.partials_rejected.load(Ordering::Relaxed),
        ),
        ("beacons_synced_total", "Beacons stored from sync", |m| {
            m.beacons_synced.load(Ordering::Relaxed)
        }),
    ];
    for (name, help, value) in series {
        gauge_header(&mut out, name, help);
        for (id, metrics) in beacons {
            let _ = writeln!(
                out,
                "{name}{{beacon_id=\"{}\"}} {}",
                escape(id),
                value(metrics)
            );
        }
    }
    gauge_header(
        &mut out,
        "error_sending_partial",
        "1 if the last partial sent to the peer failed",
    );
    for (id, metrics) in beacons {
        if let Ok(map) = metrics.error_sending_partial.lock() {
            for (address, failed) in map.iter() {
                let _ = writeln!(
                    out,
                    "error_sending_partial{{beaconID=\"{}\",address=\"{}\"}} {failed}",
                    escape(id),
                    escape(address)
                );
            }
        }
    }
    out
}

fn gauge_header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// Escapes a label value (backslash, quote, newline) as the exposition format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One beacon ID's ceremony gauges.
pub struct CeremonyGauges {
    /// The beacon ID.
    pub beacon_id: String,
    /// drand's status number of the current state.
    pub state: u32,
    /// Its epoch.
    pub epoch: u32,
    /// Ceremony packets, notices and DKG bundles sent by this node (bytes, retries included).
    pub bytes_sent: u64,
}

/// How one gauge family reads its value.
type Family = (
    &'static str,
    &'static str,
    &'static str,
    fn(&CeremonyGauges) -> u64,
);

/// `dkg_state` (drand's status number), `dkg_epoch` and `dkg_bytes_sent_total` per beacon ID.
pub fn render_ceremonies(ceremonies: &[CeremonyGauges]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let families: [Family; 3] = [
        (
            "dkg_state",
            "gauge",
            "DKG status (drand's numbers: 7 = Complete)",
            |c| u64::from(c.state),
        ),
        (
            "dkg_epoch",
            "gauge",
            "Epoch of the current DKG state",
            |c| u64::from(c.epoch),
        ),
        (
            "dkg_bytes_sent_total",
            "counter",
            "Bytes of ceremony packets and DKG bundles sent",
            |c| c.bytes_sent,
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for c in ceremonies {
            let _ = writeln!(out, "{name}{{beacon_id=\"{}\"}} {}", c.beacon_id, value(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_drand_names_with_labels() {
        let m = BeaconMetrics::default();
        m.last_beacon_round.store(42, Ordering::Relaxed);
        m.group_size.store(4, Ordering::Relaxed);
        m.set_send_error("127.0.0.1:1", true);
        let text = render(7, &[("default".into(), &m)]);
        assert!(text.contains("last_beacon_round{beacon_id=\"default\"} 42"));
        assert!(text.contains("group_size{beacon_id=\"default\"} 4"));
        assert!(
            text.contains("error_sending_partial{beaconID=\"default\",address=\"127.0.0.1:1\"} 1")
        );
        assert!(text.contains("drand_start_timestamp 7"));
        assert_eq!(escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }
}
