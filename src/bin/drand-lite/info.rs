//! `drand-lite info`: a chain's parameters as the verifier sees them.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use drand_lite::round_at;

use crate::Failure;
use crate::input::{load_chain, parse_pin};

/// Arguments of `drand-lite info`.
#[derive(clap::Args)]
pub struct Args {
    /// Chain info JSON (v1 or v2 `/info`).
    #[arg(value_name = "INFO.json")]
    info: PathBuf,
    /// Expected chain hash; the chain info must hash to it.
    #[arg(long, value_name = "HEX")]
    chain_hash: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let pin = parse_pin(args.chain_hash.as_deref())?;
    let info = load_chain(&args.info, pin.as_ref())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    // Before genesis no round exists yet: report 0.
    let current = round_at(&info, now).unwrap_or(0);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "scheme": info.scheme().id(),
                "beacon_id": info.beacon_id(),
                "period": info.period(),
                "genesis_time": info.genesis_time(),
                "chain_hash": info.hash().to_hex(),
                "genesis_seed": drand_lite::hex::encode(info.genesis_seed()),
                "public_key": drand_lite::hex::encode(info.public_key()),
                "current_round": current,
            })
        );
    } else {
        println!("scheme:        {}", info.scheme());
        println!("beacon id:     {}", info.beacon_id());
        println!("period:        {} s", info.period());
        println!("genesis time:  {}", info.genesis_time());
        println!("chain hash:    {} (recomputed)", info.hash());
        println!(
            "genesis seed:  {}",
            drand_lite::hex::encode(info.genesis_seed())
        );
        println!(
            "public key:    {}",
            drand_lite::hex::encode(info.public_key())
        );
        println!("current round: {current}");
    }
    Ok(())
}
