//! `drand-node dkg wait`: blocks until a node's ceremony reaches a state or completes an
//! epoch, for scripts (the README's worked example) and operators. It fails at once, in words,
//! when the awaited epoch failed, was aborted or timed out, so a script never hangs on a
//! ceremony that is over.

use std::time::{Duration, Instant};

use super::Failure;
use crate::ceremony::Status;
use crate::net::ControlClient;

/// Flags of `drand-node dkg wait`.
#[derive(clap::Args)]
pub struct Args {
    /// The daemon's control address.
    #[arg(long, default_value = "127.0.0.1:8888")]
    control: String,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
    /// Wait until this epoch (or a later one) is complete.
    #[arg(long)]
    epoch: Option<u32>,
    /// Wait until the current state is one of these (drand's names, comma separated, e.g.
    /// `Proposed` or `Fresh,Complete`).
    #[arg(long, value_delimiter = ',')]
    state: Vec<String>,
    /// Give up after this long (e.g. `90s`, `5m`).
    #[arg(long, default_value = "120s")]
    timeout: String,
}

fn parse_states(names: &[String]) -> Result<Vec<Status>, Failure> {
    names
        .iter()
        .map(|name| {
            (0..12)
                .filter_map(Status::from_u32)
                .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "unknown DKG state {name:?}; known: {}",
                        (0..12)
                            .filter_map(Status::from_u32)
                            .map(Status::name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        })
        .collect()
}

/// Runs `dkg wait`.
pub fn run(args: Args) -> Result<(), Failure> {
    let states = parse_states(&args.state)?;
    if args.epoch.is_none() && states.is_empty() {
        return Err(Failure::usage("give --epoch N or --state NAME[,NAME...]"));
    }
    let nanos = crate::files::duration::parse_go_duration_nanos(&args.timeout)
        .map_err(|e| Failure::usage(format!("--timeout {:?}: {e}", args.timeout)))?;
    let timeout = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
    let deadline = Instant::now() + timeout;
    super::runtime()?.block_on(async {
        let client = ControlClient::connect(&args.control).map_err(Failure::usage)?;
        loop {
            let last_error = match client.dkg_status(&args.id).await {
                Ok(status) => {
                    let current = status.current.as_ref();
                    let state = current.and_then(|c| Status::from_u32(c.state));
                    let done_epoch = status
                        .complete
                        .as_ref()
                        .filter(|c| c.state == Status::Complete as u32)
                        .map(|c| c.epoch);
                    let epoch_ok = args
                        .epoch
                        .is_none_or(|e| done_epoch.is_some_and(|d| d >= e));
                    let state_ok = states.is_empty() || state.is_some_and(|s| states.contains(&s));
                    if epoch_ok && state_ok {
                        println!(
                            "{}: {} (epoch {})",
                            args.control,
                            state.map_or("?", Status::name),
                            current.map_or(0, |c| c.epoch)
                        );
                        return Ok(());
                    }
                    if let (Some(want), Some(current), Some(state)) = (args.epoch, current, state)
                        && current.epoch >= want
                        && matches!(state, Status::Failed | Status::Aborted | Status::TimedOut)
                    {
                        return Err(Failure::failed(format!(
                            "{}: epoch {} ended {} (see the node's log)",
                            args.control,
                            current.epoch,
                            state.name()
                        )));
                    }
                    format!(
                        "state {} of epoch {}",
                        state.map_or("?", Status::name),
                        current.map_or(0, |c| c.epoch)
                    )
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() > deadline {
                return Err(Failure::failed(format!(
                    "{}: gave up after {}; last seen: {last_error}",
                    args.control, args.timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}
