//! `drand-node generate-keypair`: the node's long-term identity for one beacon ID. It refuses to
//! replace an existing keypair (the post-mortem's overwritten key) unless `--force` is given
//! and the operator types the beacon ID; the old pair is then kept as a timestamped backup.

use std::io::BufRead as _;
use std::path::PathBuf;

use drand_lite::Scheme;
use rand_core::OsRng;

use super::Failure;
use crate::files::keys::{self, ForceConfirm};

/// Flags of `drand-node generate-keypair`.
#[derive(clap::Args)]
pub struct Args {
    /// The node's folder.
    #[arg(long, env = "DRAND_FOLDER", default_value = ".drand")]
    folder: PathBuf,
    /// Scheme ID the key is for (always written to the key files).
    #[arg(long)]
    scheme: String,
    /// Beacon ID the key is for.
    #[arg(long, default_value = "default")]
    id: String,
    /// Replace an existing keypair (asks to type the beacon ID; keeps a backup).
    #[arg(long)]
    force: bool,
    /// The address other nodes reach this one at (HOST:PORT, as the TLS endpoint sees it).
    address: String,
}

/// Generates the keypair and prints the identity.
pub fn run(args: Args) -> Result<(), Failure> {
    let scheme = parse_scheme(&args.scheme)?;
    let force = if args.force {
        eprint!(
            "Replacing the keypair of beacon {:?} changes this node's identity in its group. \
             Type the beacon ID to confirm: ",
            args.id
        );
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read the confirmation: {e}")))?;
        ForceConfirm::Force {
            typed_beacon_id: line.trim().to_owned(),
        }
    } else {
        ForceConfirm::None
    };
    let now = super::devnet::unix_now()?;
    let generated = keys::generate_keypair(
        &args.folder,
        &args.id,
        scheme,
        &args.address,
        force,
        &mut OsRng,
        now,
    )
    .map_err(Failure::failed)?;
    for backup in &generated.backups {
        println!("Kept the previous key file as {}", backup.display());
    }
    let identity = generated.identity;
    println!(
        "Generated keypair for beacon {:?} in {}",
        args.id,
        args.folder.display()
    );
    println!("  address: {}", identity.address);
    println!("  scheme:  {}", identity.scheme.id());
    println!("  key:     {}", drand_lite::hex::encode(&identity.key));
    println!("  fingerprint: {}", identity.fingerprint());
    Ok(())
}

/// A scheme ID, or a usage error listing the known ones.
pub(crate) fn parse_scheme(id: &str) -> Result<Scheme, Failure> {
    Scheme::from_id(id).ok_or_else(|| {
        Failure::usage(format!(
            "unknown scheme {id:?}; known: {}",
            Scheme::ALL.map(|s| s.id()).join(", ")
        ))
    })
}
