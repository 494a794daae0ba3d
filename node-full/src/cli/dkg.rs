//! `drand-node dkg ...`: the DKG ceremony, driven over the daemon's local control port
//! (`dkg.DKGControl`), plus two commands that work on files only: `nuke` (the node stopped)
//! and `generate-proposal` (asks the joiners and remainers for their identities).
//!
//! Times are absolute on the wire. Relative flags (`--timeout 24h`, `--genesis-delay 30s`)
//! are turned into absolute times here, on this machine's clock; `--deadline` and
//! `--genesis-time` give them directly (unix seconds). Flags override the proposal file.

mod generate;
mod nuke;
mod status;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prost_types::Timestamp;

use super::Failure;
use crate::files::ProposalFile;
use crate::files::duration::{parse_go_duration_nanos, parse_go_duration_secs};
use crate::net::ControlClient;
use crate::proto::dkg::{
    AbortOptions, AcceptOptions, ExecutionOptions, FirstProposalOptions, JoinOptions, Participant,
    ProposalOptions, RejectOptions, dkg_command::Command as DkgCmd,
};

/// drand's default proposal lifetime (`DefaultDKGTimeout`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// `drand-node dkg ...`.
#[derive(clap::Subcommand)]
pub enum Dkg {
    /// Leader: propose the first epoch of a new network (from a proposal file of joiners).
    Init(InitArgs),
    /// Leader: propose a reshare of the current group (joiners, remainers, leavers).
    Reshare(ReshareArgs),
    /// Joiner: take part in the proposed ceremony (a reshare needs the previous group file).
    Join(JoinArgs),
    /// Remainer: accept the current proposal.
    Accept(Common),
    /// Remainer: reject the current proposal.
    Reject(Common),
    /// Leader: start the DKG now, when ready, or at a given time.
    Execute(ExecuteArgs),
    /// Abort the current ceremony (only the leader's abort is honoured by others).
    Abort(Common),
    /// Show the current and the last completed ceremony.
    Status(StatusArgs),
    /// Delete this beacon's DKG state and move its group, share and database aside (the node
    /// must be stopped).
    Nuke(nuke::Args),
    /// Write a proposal file, asking every joiner and remainer for its identity (leavers are
    /// taken from the last group file and never contacted).
    GenerateProposal(generate::Args),
    /// Wait until a state or a completed epoch (for scripts); fails at once when the awaited
    /// epoch failed, was aborted or timed out.
    Wait(super::dkg_wait::Args),
}

/// Flags every control command takes.
#[derive(clap::Args)]
pub struct Common {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
}

/// When the proposal expires: relative or absolute (default 24h from now).
#[derive(clap::Args)]
pub struct TimeoutArgs {
    /// Proposal lifetime from now (Go duration, e.g. 24h).
    #[arg(long, conflicts_with = "deadline")]
    timeout: Option<String>,
    /// Proposal deadline (unix seconds).
    #[arg(long)]
    deadline: Option<u64>,
}

/// Flags of `dkg init`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Beacon ID (default: the file's BeaconID, else "default").
    #[arg(long)]
    id: Option<String>,
    /// The proposal file ([[Joining]] only for a first epoch).
    #[arg(long)]
    proposal: PathBuf,
    /// Signatures needed per beacon.
    #[arg(long)]
    threshold: Option<u32>,
    /// Seconds between rounds (Go duration, e.g. 3s).
    #[arg(long)]
    period: Option<String>,
    /// Seconds between rounds while catching up (Go duration).
    #[arg(long)]
    catchup_period: Option<String>,
    /// Scheme ID.
    #[arg(long)]
    scheme: Option<String>,
    /// Unix time of round 1.
    #[arg(long, conflicts_with = "genesis_delay")]
    genesis_time: Option<u64>,
    /// Round 1 this long after now (Go duration).
    #[arg(long)]
    genesis_delay: Option<String>,
    #[command(flatten)]
    timeout: TimeoutArgs,
}

/// Flags of `dkg reshare`.
#[derive(clap::Args)]
pub struct ReshareArgs {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Beacon ID (default: the file's BeaconID, else "default").
    #[arg(long)]
    id: Option<String>,
    /// The proposal file ([[Joining]], [[Remaining]], [[Leaving]]).
    #[arg(long)]
    proposal: PathBuf,
    /// Signatures needed per beacon in the new group.
    #[arg(long)]
    threshold: Option<u32>,
    /// Seconds between rounds while catching up (Go duration; default 0s as drand).
    #[arg(long)]
    catchup_period: Option<String>,
    /// Refused: a reshare keeps the chain's period.
    #[arg(long, hide = true)]
    period: Option<String>,
    /// Refused: a reshare keeps the chain's scheme.
    #[arg(long, hide = true)]
    scheme: Option<String>,
    #[command(flatten)]
    timeout: TimeoutArgs,
}

/// Flags of `dkg join`.
#[derive(clap::Args)]
pub struct JoinArgs {
    #[command(flatten)]
    common: Common,
    /// The previous group file (required to join a reshare).
    #[arg(long)]
    group: Option<PathBuf>,
}

/// Flags of `dkg execute`.
#[derive(clap::Args)]
pub struct ExecuteArgs {
    #[command(flatten)]
    common: Common,
    /// Start once every remainer accepted and every joiner joined (or --quorum of them).
    #[arg(long, conflicts_with = "at")]
    when_ready: bool,
    /// With --when-ready: how many joiners + remainers must be ready.
    #[arg(long, requires = "when_ready")]
    quorum: Option<u32>,
    /// Start at this unix time.
    #[arg(long)]
    at: Option<u64>,
    /// Grace between the execute order and the first DKG phase (Go duration; default 5s).
    #[arg(long)]
    kickoff_delay: Option<String>,
}

/// Flags of `dkg status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    common: Common,
    /// Print JSON: `{"complete": {...}|null, "current": {...}}`.
    #[arg(long)]
    json: bool,
}

/// Runs a `dkg` subcommand.
pub fn run(cmd: Dkg) -> Result<(), Failure> {
    match cmd {
        Dkg::Init(args) => {
            let (id, options) = init_options(&args, now())?;
            let joiners = options.joining.len();
            send(args.control, &id, DkgCmd::Initial(options))?;
            println!("Proposed the first epoch of beacon {id:?} to {joiners} joiners");
            Ok(())
        }
        Dkg::Reshare(args) => {
            let (id, options) = reshare_options(&args, now())?;
            send(args.control, &id, DkgCmd::Resharing(options))?;
            println!("Proposed a reshare of beacon {id:?}");
            Ok(())
        }
        Dkg::Join(args) => {
            let options = join_options(args.group.as_deref())?;
            send(args.common.control, &args.common.id, DkgCmd::Join(options))?;
            println!(
                "Joined the proposed ceremony of beacon {:?}",
                args.common.id
            );
            Ok(())
        }
        Dkg::Accept(c) => {
            send(c.control, &c.id, DkgCmd::Accept(AcceptOptions {}))?;
            println!("Accepted the proposal of beacon {:?}", c.id);
            Ok(())
        }
        Dkg::Reject(c) => {
            send(c.control, &c.id, DkgCmd::Reject(RejectOptions {}))?;
            println!("Rejected the proposal of beacon {:?}", c.id);
            Ok(())
        }
        Dkg::Execute(args) => {
            let options = execute_options(&args)?;
            send(
                args.common.control,
                &args.common.id,
                DkgCmd::Execute(options),
            )?;
            println!("Execution of beacon {:?} ordered", args.common.id);
            Ok(())
        }
        Dkg::Abort(c) => {
            send(c.control, &c.id, DkgCmd::Abort(AbortOptions {}))?;
            println!("Aborted the ceremony of beacon {:?}", c.id);
            Ok(())
        }
        Dkg::Status(args) => status::run(args.common.control, &args.common.id, args.json),
        Dkg::Nuke(args) => nuke::run(args),
        Dkg::GenerateProposal(args) => generate::run(args),
        Dkg::Wait(args) => super::dkg_wait::run(args),
    }
}

fn send(control: SocketAddr, id: &str, command: DkgCmd) -> Result<(), Failure> {
    super::runtime()?.block_on(async {
        ControlClient::connect(&control.to_string())
            .map_err(Failure::failed)?
            .dkg_command(id, command)
            .await
            .map_err(Failure::failed)
    })
}

/// The current time as a protobuf timestamp (with nanoseconds, as Go's `time.Now()`).
fn now() -> Timestamp {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(since.subsec_nanos()).unwrap_or(0),
    }
}

fn unix(secs: u64, flag: &str) -> Result<Timestamp, Failure> {
    Ok(Timestamp {
        seconds: i64::try_from(secs)
            .map_err(|_| Failure::usage(format!("{flag} {secs} is out of range")))?,
        nanos: 0,
    })
}

fn after(now: &Timestamp, text: &str, flag: &str) -> Result<Timestamp, Failure> {
    let nanos = parse_go_duration_nanos(text)
        .map_err(|e| Failure::usage(format!("{flag} {text:?}: {e}")))?;
    let total = i128::from(now.seconds) * 1_000_000_000
        + i128::from(now.nanos)
        + i128::try_from(nanos).unwrap_or(i128::MAX / 2);
    let seconds = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| Failure::usage(format!("{flag} {text:?} is too far away")))?;
    let nanos = i32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0);
    Ok(Timestamp { seconds, nanos })
}

fn seconds(text: &str, flag: &str) -> Result<u32, Failure> {
    parse_go_duration_secs(text).map_err(|e| Failure::usage(format!("{flag} {text:?}: {e}")))
}

/// The proposal's deadline: `--timeout`, `--deadline`, the file's `Timeout`, else 24h.
fn deadline(
    args: &TimeoutArgs,
    file: &ProposalFile,
    now: &Timestamp,
) -> Result<Timestamp, Failure> {
    let t = match (&args.timeout, args.deadline, file.timeout) {
        (Some(d), _, _) => after(now, d, "--timeout")?,
        (None, Some(at), _) => unix(at, "--deadline")?,
        (None, None, Some(at)) => unix(at, "Timeout")?,
        (None, None, None) => after(now, &format!("{}s", DEFAULT_TIMEOUT.as_secs()), "--timeout")?,
    };
    if t.seconds <= now.seconds {
        return Err(Failure::usage(format!(
            "the proposal deadline (unix {}) is not in the future",
            t.seconds
        )));
    }
    Ok(t)
}

fn load_proposal(path: &Path) -> Result<ProposalFile, Failure> {
    ProposalFile::load(path).map_err(Failure::usage)
}

/// The beacon ID: `--id`, else the file's `BeaconID`, else `default`; they must agree.
fn beacon_id(flag: Option<&str>, file: &ProposalFile) -> Result<String, Failure> {
    match (flag, file.beacon_id.as_deref()) {
        (Some(a), Some(b)) if a != b => Err(Failure::usage(format!(
            "--id {a:?} differs from the proposal file's BeaconID {b:?}"
        ))),
        (Some(a), _) => Ok(a.to_owned()),
        (None, Some(b)) => Ok(b.to_owned()),
        (None, None) => Ok("default".to_owned()),
    }
}

fn participants(list: &[crate::files::ProposalParticipant]) -> Vec<Participant> {
    list.iter()
        .map(|p| Participant {
            address: p.address.clone(),
            key: p.key.clone(),
            signature: p.signature.clone(),
        })
        .collect()
}

/// `dkg init`: the first-epoch options from the file and the flags (flags win).
fn init_options(
    args: &InitArgs,
    now: Timestamp,
) -> Result<(String, FirstProposalOptions), Failure> {
    let file = load_proposal(&args.proposal)?;
    let id = beacon_id(args.id.as_deref(), &file)?;
    if !file.remaining.is_empty() || !file.leaving.is_empty() {
        return Err(Failure::usage(format!(
            "{}: a first epoch has only [[Joining]] nodes; use `dkg reshare` for [[Remaining]] \
             and [[Leaving]]",
            args.proposal.display()
        )));
    }
    let threshold = args.threshold.or(file.threshold);
    let period = match &args.period {
        Some(text) => Some(seconds(text, "--period")?),
        None => file.period_secs,
    };
    let catchup = match &args.catchup_period {
        Some(text) => Some(seconds(text, "--catchup-period")?),
        None => file.catchup_period_secs,
    };
    let scheme = match &args.scheme {
        Some(name) => Some(super::keys::parse_scheme(name)?),
        None => file.scheme,
    };
    let genesis = match (args.genesis_time, &args.genesis_delay, file.genesis_time) {
        (Some(t), _, _) => Some(unix(t, "--genesis-time")?),
        (None, Some(d), _) => Some(after(&now, d, "--genesis-delay")?),
        (None, None, Some(t)) => Some(unix(t, "GenesisTime")?),
        (None, None, None) => None,
    };
    let mut missing = Vec::new();
    if threshold.is_none() {
        missing.push("--threshold (or Threshold in the file)");
    }
    if period.is_none() {
        missing.push("--period (or Period)");
    }
    if catchup.is_none() {
        missing.push("--catchup-period (or CatchupPeriod)");
    }
    if scheme.is_none() {
        missing.push("--scheme (or Scheme)");
    }
    if genesis.is_none() {
        missing.push("--genesis-time or --genesis-delay (or GenesisTime)");
    }
    let (Some(threshold), Some(period), Some(catchup), Some(scheme), Some(genesis)) =
        (threshold, period, catchup, scheme, genesis)
    else {
        return Err(Failure::usage(format!(
            "dkg init is missing: {}",
            missing.join(", ")
        )));
    };
    if period == 0 {
        return Err(Failure::usage("the period must be at least 1s"));
    }
    if genesis.seconds <= now.seconds {
        return Err(Failure::usage(format!(
            "the genesis time (unix {}) is not in the future",
            genesis.seconds
        )));
    }
    let timeout = deadline(&args.timeout, &file, &now)?;
    if file.joining.is_empty() {
        return Err(Failure::usage(format!(
            "{}: no [[Joining]] nodes",
            args.proposal.display()
        )));
    }
    Ok((
        id,
        FirstProposalOptions {
            timeout: Some(timeout),
            threshold,
            period_seconds: period,
            scheme: scheme.id().to_owned(),
            catchup_period_seconds: catchup,
            genesis_time: Some(genesis),
            joining: participants(&file.joining),
        },
    ))
}

/// `dkg reshare`: the reshare options from the file and the flags (flags win).
fn reshare_options(
    args: &ReshareArgs,
    now: Timestamp,
) -> Result<(String, ProposalOptions), Failure> {
    if args.period.is_some() || args.scheme.is_some() {
        return Err(Failure::usage(
            "a reshare keeps the chain's period and scheme: --period and --scheme are refused",
        ));
    }
    let file = load_proposal(&args.proposal)?;
    let id = beacon_id(args.id.as_deref(), &file)?;
    let mut fixed = Vec::new();
    if file.period_secs.is_some() {
        fixed.push("Period");
    }
    if file.scheme.is_some() {
        fixed.push("Scheme");
    }
    if file.genesis_time.is_some() {
        fixed.push("GenesisTime");
    }
    if !fixed.is_empty() {
        return Err(Failure::usage(format!(
            "{}: a reshare keeps the chain's period, scheme and genesis; remove {} from the file",
            args.proposal.display(),
            fixed.join(", ")
        )));
    }
    if file.remaining.is_empty() {
        return Err(Failure::usage(format!(
            "{}: a reshare needs [[Remaining]] nodes",
            args.proposal.display()
        )));
    }
    let Some(threshold) = args.threshold.or(file.threshold) else {
        return Err(Failure::usage(
            "dkg reshare is missing: --threshold (or Threshold in the file)",
        ));
    };
    let catchup = match &args.catchup_period {
        Some(text) => seconds(text, "--catchup-period")?,
        None => file.catchup_period_secs.unwrap_or(0),
    };
    let timeout = deadline(&args.timeout, &file, &now)?;
    Ok((
        id,
        ProposalOptions {
            timeout: Some(timeout),
            threshold,
            catchup_period_seconds: catchup,
            joining: participants(&file.joining),
            leaving: participants(&file.leaving),
            remaining: participants(&file.remaining),
        },
    ))
}

/// `dkg join`: the previous group file's bytes, checked to be a valid group file first.
fn join_options(group: Option<&Path>) -> Result<JoinOptions, Failure> {
    let Some(path) = group else {
        return Ok(JoinOptions::default());
    };
    crate::files::Group::read(path).map_err(Failure::usage)?;
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(JoinOptions { group_file: bytes })
}

fn execute_options(args: &ExecuteArgs) -> Result<ExecutionOptions, Failure> {
    let kickoff_delay_ms = match &args.kickoff_delay {
        Some(text) => {
            let nanos = parse_go_duration_nanos(text)
                .map_err(|e| Failure::usage(format!("--kickoff-delay {text:?}: {e}")))?;
            let ms = u64::try_from(nanos / 1_000_000)
                .map_err(|_| Failure::usage("--kickoff-delay is too long"))?;
            if ms == 0 {
                return Err(Failure::usage("--kickoff-delay must be at least 1ms"));
            }
            ms
        }
        None => 0,
    };
    Ok(ExecutionOptions {
        when_ready: args.when_ready,
        quorum: args.quorum.unwrap_or(0),
        at: args.at.map(|t| unix(t, "--at")).transpose()?,
        kickoff_delay_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(subcommand)]
        dkg: Dkg,
    }

    fn parse(args: &[&str]) -> Dkg {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap()
            .dkg
    }

    const NOW: Timestamp = Timestamp {
        seconds: 1_700_000_000,
        nanos: 123,
    };

    fn proposal(dir: &Path, extra: &str) -> String {
        let path = dir.join("p.toml");
        std::fs::write(
            &path,
            format!(
                "{extra}\n[[Joining]]\nAddress = \"a.example:443\"\nKey = \"ab\"\nSignature = \"cd\"\n"
            ),
        )
        .unwrap();
        path.display().to_string()
    }

    fn init(args: &[&str]) -> Result<(String, FirstProposalOptions), Failure> {
        let Dkg::Init(a) = parse(args) else {
            unreachable!()
        };
        init_options(&a, NOW)
    }

    fn message(r: Result<impl std::fmt::Debug, Failure>) -> String {
        match r.unwrap_err() {
            Failure::Usage(m) => m,
            Failure::Failed(m) => panic!("expected a usage error, got {m}"),
        }
    }

    #[test]
    fn init_takes_flags_over_the_file_and_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "");
        let err = message(init(&["init", "--proposal", &p, "--threshold", "1"]));
        assert!(err.contains("--period"), "{err}");
        assert!(err.contains("--scheme"), "{err}");
        assert!(err.contains("--genesis-time or --genesis-delay"), "{err}");
        assert!(!err.contains("--threshold"), "{err}");

        let (id, o) = init(&[
            "init",
            "--proposal",
            &p,
            "--threshold",
            "1",
            "--period",
            "3s",
            "--catchup-period",
            "1s",
            "--scheme",
            "bls-unchained-g1-rfc9380",
            "--genesis-delay",
            "30s",
        ])
        .unwrap();
        assert_eq!(id, "default");
        assert_eq!(
            (o.threshold, o.period_seconds, o.catchup_period_seconds),
            (1, 3, 1)
        );
        assert_eq!(o.genesis_time.unwrap().seconds, NOW.seconds + 30);
        let timeout = o.timeout.unwrap();
        assert_eq!(
            (timeout.seconds, timeout.nanos),
            (NOW.seconds + 86_400, 123)
        );
        assert_eq!(o.joining[0].address, "a.example:443");

        let p = proposal(
            dir.path(),
            "Threshold = 1\nPeriod = \"30s\"\nCatchupPeriod = \"10s\"\nGenesisTime = 1700000600\n\
             Timeout = 1700003600\nScheme = \"pedersen-bls-chained\"\nBeaconID = \"other\"",
        );
        let (id, o) = init(&["init", "--proposal", &p, "--period", "5s"]).unwrap();
        assert_eq!(id, "other");
        assert_eq!(o.period_seconds, 5, "the flag wins");
        assert_eq!(o.catchup_period_seconds, 10);
        assert_eq!(o.scheme, "pedersen-bls-chained");
        assert_eq!(o.genesis_time.unwrap().seconds, 1_700_000_600);
        assert_eq!(o.timeout.unwrap().seconds, 1_700_003_600);
        let (_, o) = init(&["init", "--proposal", &p, "--deadline", "1700009999"]).unwrap();
        assert_eq!(o.timeout.unwrap().seconds, 1_700_009_999);
        let err = message(init(&["init", "--proposal", &p, "--id", "default"]));
        assert!(err.contains("BeaconID"), "{err}");
        let err = message(init(&[
            "init",
            "--proposal",
            &p,
            "--genesis-time",
            "1600000000",
        ]));
        assert!(err.contains("genesis time"), "{err}");
        let err = message(init(&[
            "init",
            "--proposal",
            &p,
            "--deadline",
            "1600000000",
        ]));
        assert!(err.contains("deadline"), "{err}");
        let err = message(init(&["init", "--proposal", &p, "--period", "1.5s"]));
        assert!(err.contains("--period"), "{err}");
    }

    #[test]
    fn reshare_refuses_period_and_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let p = proposal(dir.path(), "");
        let Dkg::Reshare(a) = parse(&["reshare", "--proposal", &p, "--period", "3s"]) else {
            unreachable!()
        };
        assert!(message(reshare_options(&a, NOW)).contains("--period"));
        let Dkg::Reshare(a) = parse(&["reshare", "--proposal", &p, "--threshold", "2"]) else {
            unreachable!()
        };
        assert!(message(reshare_options(&a, NOW)).contains("[[Remaining]]"));
        let p = proposal(dir.path(), "Period = \"3s\"");
        let Dkg::Reshare(a) = parse(&["reshare", "--proposal", &p, "--threshold", "2"]) else {
            unreachable!()
        };
        assert!(message(reshare_options(&a, NOW)).contains("remove Period"));
    }

    #[test]
    fn execute_options_and_conflicts() {
        let Dkg::Execute(a) = parse(&[
            "execute",
            "--when-ready",
            "--quorum",
            "5",
            "--kickoff-delay",
            "7s",
        ]) else {
            unreachable!()
        };
        let o = execute_options(&a).unwrap();
        assert!(o.when_ready);
        assert_eq!((o.quorum, o.kickoff_delay_ms, o.at), (5, 7000, None));
        let Dkg::Execute(a) = parse(&["execute", "--at", "1700000100"]) else {
            unreachable!()
        };
        assert_eq!(
            execute_options(&a).unwrap().at.unwrap().seconds,
            1_700_000_100
        );
        assert!(T::try_parse_from(["t", "execute", "--when-ready", "--at", "5"]).is_err());
        assert!(T::try_parse_from(["t", "execute", "--quorum", "5"]).is_err());
        assert!(
            T::try_parse_from([
                "t",
                "init",
                "--proposal",
                "p",
                "--genesis-time",
                "1",
                "--genesis-delay",
                "1s"
            ])
            .is_err()
        );
        assert!(
            T::try_parse_from([
                "t",
                "init",
                "--proposal",
                "p",
                "--timeout",
                "1h",
                "--deadline",
                "1"
            ])
            .is_err()
        );
    }
}
