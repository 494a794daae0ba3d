//! `drand-lite verify`: one beacon (file or stdin) or a JSON-lines batch.

use std::path::PathBuf;

use drand_lite::{Beacon, VerifiedBeacon, verify_batch};

use crate::Failure;
use crate::input::{load_chain, parse_pin, read_text};

/// Arguments of `drand-lite verify`.
#[derive(clap::Args)]
pub struct Args {
    /// Chain info JSON (v1 or v2 `/info`).
    #[arg(long, value_name = "INFO.json")]
    info: PathBuf,
    /// Expected chain hash; the chain info must hash to it.
    #[arg(long, value_name = "HEX")]
    chain_hash: Option<String>,
    /// A file with one beacon JSON per line; every beacon is checked.
    #[arg(long, value_name = "BEACONS.jsonl", conflicts_with = "beacon")]
    batch: Option<PathBuf>,
    /// The beacon JSON file, or `-` for stdin.
    #[arg(value_name = "BEACON.json", required_unless_present = "batch")]
    beacon: Option<PathBuf>,
}

/// The output contract: `{"round":N,"randomness":"hex"}`, keys in that order.
fn output_line(v: &VerifiedBeacon) -> String {
    format!(
        r#"{{"round":{},"randomness":"{}"}}"#,
        v.round(),
        v.randomness_hex()
    )
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let pin = parse_pin(args.chain_hash.as_deref())?;
    // Read every input before judging any, so an unreadable file is always exit 2.
    let (beacon_path, beacon_text) = match (&args.batch, &args.beacon) {
        (Some(path), _) | (None, Some(path)) => (path.clone(), read_text(path)?),
        (None, None) => return Err(Failure::Usage("give a beacon file or --batch".into())),
    };
    let info = load_chain(&args.info, pin.as_ref())?;
    if args.batch.is_some() {
        return run_batch(&info, &beacon_text);
    }
    let beacon = Beacon::from_json(beacon_text.trim())
        .map_err(|e| Failure::Invalid(format!("beacon {}: {e}", beacon_path.display())))?;
    let verified = drand_lite::verify(&info, &beacon)
        .map_err(|e| Failure::Invalid(format!("beacon {}: {e}", beacon_path.display())))?;
    println!("{}", output_line(&verified));
    Ok(())
}

/// Verifies a JSON-lines batch; prints every valid beacon, lists every invalid one.
fn run_batch(info: &drand_lite::ChainInfo, text: &str) -> Result<(), Failure> {
    let mut beacons = Vec::new();
    let mut lines = Vec::new();
    let mut unparsed = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        match Beacon::from_json(line) {
            Ok(b) => {
                beacons.push(b);
                lines.push(number);
            }
            Err(e) => unparsed.push(format!("line {number}{}: {e}", round_hint(line))),
        }
    }
    let total = beacons.len() + unparsed.len();
    let mut problems = unparsed;
    match verify_batch(info, &beacons) {
        Ok(valid) => valid.iter().for_each(|v| println!("{}", output_line(v))),
        Err(err) => {
            err.valid
                .iter()
                .for_each(|v| println!("{}", output_line(v)));
            for bad in &err.invalid {
                let line = lines.get(bad.index).copied().unwrap_or_default();
                problems.push(format!("line {line} round {}: {}", bad.round, bad.error));
            }
        }
    }
    if problems.is_empty() {
        // Every beacon of an empty batch is valid; say so, as it is likely a mistake.
        if beacons.is_empty() {
            eprintln!("warning: the batch holds no beacon");
        }
        Ok(())
    } else {
        for p in &problems {
            eprintln!("invalid: {p}");
        }
        Err(Failure::Invalid(format!(
            "{} of {total} beacons invalid",
            problems.len()
        )))
    }
}

/// ` round N` when an unparseable line still shows its round, for the report.
fn round_hint(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("round").map(|r| format!(" round {r}")))
        .unwrap_or_default()
}
