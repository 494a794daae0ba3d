//! `dkg generate-proposal`: builds a proposal file from addresses.
//!
//! Joiners and remainers are asked for their identity (`Protocol.GetIdentity`, through the
//! same client path as `util check`); each answer must advertise the address asked
//! (drand/drand#1353), use the local scheme and carry a valid self-signature. A remainer's
//! key must also equal its key in the last group file. Leavers are never contacted (they may
//! be gone, drand/drand#1316): their entries come from the last group file
//! `<folder>/multibeacon/<id>/groups/drand_group.toml`.

use std::collections::HashSet;
use std::path::PathBuf;

use drand_lite::Scheme;

use super::super::Failure;
use crate::files::keys::parse_public_key;
use crate::files::layout::{file_exists, read_file_limited};
use crate::files::{BeaconPaths, Group, Identity, ProposalFile, ProposalParticipant};
use crate::net::{BeaconTarget, CheckReport, check_addresses};

/// Flags of `dkg generate-proposal`.
#[derive(clap::Args)]
pub struct Args {
    /// A new node (HOST:PORT); repeat the flag for each.
    #[arg(long = "joiner")]
    joiners: Vec<String>,
    /// A member of the last group that stays; repeat the flag for each.
    #[arg(long = "remainer")]
    remainers: Vec<String>,
    /// A member of the last group that leaves (taken from the last group file, never dialed).
    #[arg(long = "leaver")]
    leavers: Vec<String>,
    /// Where to write the proposal file (must not exist).
    #[arg(long)]
    out: PathBuf,
    /// This node's folder (for the local scheme and the last group file).
    #[arg(long, env = "DRAND_FOLDER", default_value = ".drand")]
    folder: PathBuf,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
    /// Trust this CA (PEM) instead of the public web roots.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Dial in plaintext (for plaintext local groups only).
    #[arg(long)]
    plaintext_group: bool,
    /// Threshold of the new group, written into the file.
    #[arg(long)]
    threshold: Option<u32>,
    /// Beacon period (first epoch only), e.g. `3s`.
    #[arg(long)]
    period: Option<String>,
    /// Catch-up period, e.g. `1s`.
    #[arg(long)]
    catchup_period: Option<String>,
    /// Absolute genesis time, unix seconds (first epoch only).
    #[arg(long, conflicts_with = "genesis_delay")]
    genesis_time: Option<u64>,
    /// Genesis this long from now, written as an absolute time (first epoch only).
    #[arg(long)]
    genesis_delay: Option<String>,
    /// Absolute deadline of the proposal, unix seconds.
    #[arg(long, conflicts_with = "timeout")]
    deadline: Option<u64>,
    /// Deadline this long from now (e.g. `24h`, `168h`), written as an absolute time.
    #[arg(long)]
    timeout: Option<String>,
}

/// The optional terms of the file: absolute times (delays are resolved now, here), threshold,
/// periods; the scheme for a first epoch.
struct FileTerms {
    threshold: Option<u32>,
    period_secs: Option<u32>,
    catchup_period_secs: Option<u32>,
    genesis_time: Option<u64>,
    timeout: Option<u64>,
}

fn file_terms(args: &Args, first_epoch: bool) -> Result<FileTerms, Failure> {
    let secs = |flag: &str, value: &Option<String>| -> Result<Option<u32>, Failure> {
        value
            .as_deref()
            .map(|v| {
                crate::files::duration::parse_go_duration_secs(v)
                    .map_err(|e| Failure::usage(format!("--{flag} {v:?}: {e}")))
            })
            .transpose()
    };
    let now = super::super::devnet::unix_now()?;
    if !first_epoch
        && (args.period.is_some() || args.genesis_time.is_some() || args.genesis_delay.is_some())
    {
        return Err(Failure::usage(
            "--period, --genesis-time and --genesis-delay are for a first epoch only (a reshare keeps them)",
        ));
    }
    let long_secs = |flag: &str, value: &Option<String>| -> Result<Option<u64>, Failure> {
        value
            .as_deref()
            .map(|v| {
                crate::files::duration::parse_go_duration_nanos(v)
                    .map(|n| u64::try_from(n / 1_000_000_000).unwrap_or(u64::MAX))
                    .map_err(|e| Failure::usage(format!("--{flag} {v:?}: {e}")))
            })
            .transpose()
    };
    Ok(FileTerms {
        threshold: args.threshold,
        period_secs: secs("period", &args.period)?,
        catchup_period_secs: secs("catchup-period", &args.catchup_period)?,
        genesis_time: match args.genesis_time {
            Some(t) => Some(t),
            None => long_secs("genesis-delay", &args.genesis_delay)?.map(|d| now.saturating_add(d)),
        },
        timeout: match args.deadline {
            Some(t) => Some(t),
            None => long_secs("timeout", &args.timeout)?.map(|d| now.saturating_add(d)),
        },
    })
}

/// The local scheme: from our public key file, else from the last group file.
fn local_scheme(paths: &BeaconPaths, group: Option<&Group>) -> Result<Scheme, Failure> {
    let public = paths.public_key_file();
    if file_exists(&public).map_err(Failure::usage)? {
        let text = read_file_limited(&public, 64 << 10).map_err(Failure::usage)?;
        let parsed = parse_public_key(&text).map_err(|e| Failure::usage(e.with_path(&public)))?;
        if let Some(scheme) = parsed.scheme {
            return Ok(scheme);
        }
    }
    group.map(|g| g.scheme).ok_or_else(|| {
        Failure::usage(format!(
            "cannot tell the local scheme: no SchemeName in {} and no group file; check --folder \
             and --id",
            public.display()
        ))
    })
}

/// Checks one `GetIdentity` answer against what was asked; the participant or the reason.
fn accept(
    report: &CheckReport,
    scheme: Scheme,
    group: Option<&Group>,
    remainer: bool,
) -> Result<ProposalParticipant, String> {
    let asked = &report.address;
    let id = report
        .outcome
        .as_ref()
        .map_err(|e| format!("{asked}: {e}"))?;
    if !id.address_matches {
        return Err(format!(
            "{asked}: the node advertises the address {:?}, not the address asked; fix its \
             identity or use the address it advertises",
            id.advertised_address
        ));
    }
    if id.scheme != scheme.id() {
        return Err(format!(
            "{asked}: the node uses scheme {:?}, this node {:?}",
            id.scheme,
            scheme.id()
        ));
    }
    let identity = Identity {
        address: asked.clone(),
        key: id.key.clone(),
        signature: id.signature.clone(),
        scheme,
    };
    identity
        .verify_self_signature()
        .map_err(|e| format!("{asked}: {e}"))?;
    if remainer
        && let Some(group) = group
        && let Some(node) = group.nodes.iter().find(|n| n.address == *asked)
        && node.key != id.key
    {
        return Err(format!(
            "{asked}: its key differs from its key in the last group file"
        ));
    }
    Ok(ProposalParticipant {
        address: asked.clone(),
        key: id.key.clone(),
        signature: id.signature.clone(),
    })
}

/// Runs `dkg generate-proposal`.
pub(super) fn run(args: Args) -> Result<(), Failure> {
    if args.joiners.is_empty() && args.remainers.is_empty() {
        return Err(Failure::usage("give at least one --joiner or --remainer"));
    }
    let mut seen = HashSet::new();
    for a in args
        .joiners
        .iter()
        .chain(&args.remainers)
        .chain(&args.leavers)
    {
        if !seen.insert(a.as_str()) {
            return Err(Failure::usage(format!("{a} is listed more than once")));
        }
    }
    if std::fs::symlink_metadata(&args.out).is_ok() {
        return Err(Failure::usage(format!(
            "{} already exists; remove it or choose another --out",
            args.out.display()
        )));
    }
    let paths = BeaconPaths::new(&args.folder, &args.id).map_err(Failure::usage)?;
    let group_path = paths.group_file();
    let group = if file_exists(&group_path).map_err(Failure::usage)? {
        Some(Group::read(&group_path).map_err(Failure::usage)?)
    } else {
        None
    };
    let scheme = local_scheme(&paths, group.as_ref())?;

    let mut problems = Vec::new();
    let mut leaving = Vec::new();
    for leaver in &args.leavers {
        match group
            .as_ref()
            .map(|g| g.nodes.iter().find(|n| n.address == *leaver))
        {
            None => problems.push(format!(
                "{leaver}: leavers are taken from the last group file, and {} does not exist",
                group_path.display()
            )),
            Some(None) => problems.push(format!(
                "{leaver}: not a member of the last group ({})",
                group_path.display()
            )),
            Some(Some(node)) => leaving.push(ProposalParticipant {
                address: node.address.clone(),
                key: node.key.clone(),
                signature: node.signature.clone(),
            }),
        }
    }

    let mode = super::super::transport_mode(
        args.plaintext_group,
        "--plaintext-group",
        args.tls_ca.as_deref(),
    )?;
    let target = BeaconTarget::id(&args.id);
    let asked: Vec<String> = args
        .joiners
        .iter()
        .chain(&args.remainers)
        .cloned()
        .collect();
    let reports = super::super::runtime()?.block_on(check_addresses(&asked, &mode, &target));
    let mut joining = Vec::new();
    let mut remaining = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        let remainer = i >= args.joiners.len();
        match accept(report, scheme, group.as_ref(), remainer) {
            Ok(p) if remainer => remaining.push(p),
            Ok(p) => joining.push(p),
            Err(reason) => problems.push(reason),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::failed(format!(
            "no proposal written:\n  {}",
            problems.join("\n  ")
        )));
    }
    let first_epoch = remaining.is_empty() && leaving.is_empty();
    let terms = file_terms(&args, first_epoch)?;
    let proposal = ProposalFile {
        joining,
        remaining,
        leaving,
        threshold: terms.threshold,
        period_secs: terms.period_secs,
        catchup_period_secs: terms.catchup_period_secs,
        genesis_time: terms.genesis_time,
        timeout: terms.timeout,
        scheme: first_epoch.then_some(scheme),
        beacon_id: Some(paths.beacon_id().to_owned()),
    };
    proposal.write(&args.out).map_err(Failure::failed)?;
    println!(
        "Wrote {} ({} joining, {} remaining, {} leaving; scheme {})",
        args.out.display(),
        proposal.joining.len(),
        proposal.remaining.len(),
        proposal.leaving.len(),
        scheme.id()
    );
    Ok(())
}
