//! `drand-lite vectors`: run drand test-vector files (`{"chain", "beacons", "invalid"}`)
//! through the verifier, both one by one and as a batch.

use std::path::PathBuf;

use drand_lite::{Beacon, ChainInfo, verify, verify_batch};
use serde_json::Value;

use crate::Failure;
use crate::input::read_text;

/// Arguments of `drand-lite vectors`.
#[derive(clap::Args)]
pub struct Args {
    /// Vector files.
    #[arg(value_name = "FILE.json", required = true)]
    files: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let mut failures = 0usize;
    for path in &args.files {
        let text = read_text(path)?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| Failure::Usage(format!("{}: not JSON: {e}", path.display())))?;
        let Some(chain) = doc.get("chain") else {
            println!("{}: no `chain`, skipped", path.display());
            continue;
        };
        let info = match ChainInfo::from_json(&chain.to_string()) {
            Ok(info) => info,
            Err(e) => {
                println!("{}: chain info rejected: {e}", path.display());
                failures += 1;
                continue;
            }
        };
        let entries = |key: &str| {
            doc.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (valid, invalid) = (entries("beacons"), entries("invalid"));
        let mut file_failures = 0usize;
        let mut good = Vec::new();
        for entry in &valid {
            match Beacon::from_json(&entry.to_string()).and_then(|b| verify(&info, &b).map(|_| b)) {
                Ok(b) => good.push(b),
                Err(e) => {
                    println!("  FAIL valid round {}: {e}", entry["round"]);
                    file_failures += 1;
                }
            }
        }
        for entry in &invalid {
            if Beacon::from_json(&entry.to_string())
                .and_then(|b| verify(&info, &b))
                .is_ok()
            {
                println!(
                    "  FAIL accepted invalid round {}: {}",
                    entry["round"], entry["why"]
                );
                file_failures += 1;
            }
        }
        if let Err(e) = verify_batch(&info, &good) {
            println!("  FAIL batch: {e}");
            file_failures += 1;
        }
        println!(
            "{}: {} ({}, {}): {} valid verified, {} invalid rejected{}",
            path.display(),
            info.hash(),
            info.scheme(),
            info.beacon_id(),
            valid.len(),
            invalid.len(),
            if file_failures == 0 {
                ""
            } else {
                " — FAILED"
            }
        );
        failures += file_failures;
    }
    if failures == 0 {
        Ok(())
    } else {
        Err(Failure::Invalid(format!("{failures} vector checks failed")))
    }
}
