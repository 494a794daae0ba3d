//! `drand-lite get|latest|watch|range`: the light client from the command line. Every line
//! printed is a verified beacon as drand's v1 JSON (with the recomputed randomness).

use drand_lite::client::native::NativePlatform;
use drand_lite::client::{Client, ClientError, ClientOptions, Preset};

use crate::Failure;
use crate::input::parse_pin;

/// Which chain, through which relays.
#[derive(clap::Args)]
pub struct Source {
    /// Relay base URL (repeatable); defaults to the preset's public relays.
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// The chain hash to pin (its /info is fetched and must recompute to it).
    #[arg(long, value_name = "HEX", conflicts_with = "chain")]
    chain_hash: Option<String>,
    /// A known chain: default, quicknet, testnet-default, quicknet-t, testnet-unchained-3s,
    /// testnet-g.
    #[arg(long, value_name = "NAME")]
    chain: Option<String>,
    /// Per-request timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    timeout_ms: u64,
    /// Use the relays' v2 API.
    #[arg(long)]
    v2: bool,
}

/// The light-client commands.
#[derive(clap::Subcommand)]
pub enum Fetch {
    /// Fetch and verify one round.
    Get {
        #[command(flatten)]
        source: Source,
        /// The round.
        round: u64,
    },
    /// Fetch and verify the latest round by the clock.
    Latest {
        #[command(flatten)]
        source: Source,
    },
    /// Print every new round as it is produced, until interrupted.
    Watch {
        #[command(flatten)]
        source: Source,
    },
    /// Fetch, batch-verify and print rounds FROM..=TO.
    Range {
        #[command(flatten)]
        source: Source,
        /// First round.
        from: u64,
        /// Last round.
        to: u64,
    },
}

fn failure(e: ClientError) -> Failure {
    match e {
        ClientError::NoRelays | ClientError::BadUrl(_) | ClientError::BadRange { .. } => {
            Failure::Usage(e.to_string())
        }
        other => Failure::Invalid(other.to_string()),
    }
}

async fn connect(source: Source) -> Result<Client<NativePlatform>, Failure> {
    let platform = NativePlatform::new().map_err(|e| Failure::Usage(e.to_string()))?;
    let options = ClientOptions {
        timeout: std::time::Duration::from_millis(source.timeout_ms),
        api: if source.v2 {
            drand_lite::client::ApiVersion::V2
        } else {
            drand_lite::client::ApiVersion::V1
        },
        ..ClientOptions::default()
    };
    if let Some(name) = &source.chain {
        let preset = Preset::from_name(name)
            .ok_or_else(|| Failure::Usage(format!("unknown chain {name:?}")))?;
        let urls = if source.urls.is_empty() {
            preset.urls().iter().map(|u| u.to_string()).collect()
        } else {
            source.urls
        };
        let info = preset.info().map_err(|e| Failure::Invalid(e.to_string()))?;
        return Client::with_info(platform, &urls, info, options).map_err(failure);
    }
    let pin = parse_pin(source.chain_hash.as_deref())?
        .ok_or_else(|| Failure::Usage("give --chain-hash HEX or --chain NAME".into()))?;
    Client::connect(platform, &source.urls, pin, options)
        .await
        .map_err(failure)
}

fn report_events(client: &Client<NativePlatform>) {
    for event in client.take_events() {
        eprintln!("relay: {event:?}");
    }
}

/// Runs a light-client command.
pub fn run(command: Fetch) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        match command {
            Fetch::Get { source, round } => {
                let client = connect(source).await?;
                let result = client.get(round).await;
                report_events(&client);
                println!("{}", result.map_err(failure)?.to_json());
            }
            Fetch::Latest { source } => {
                let client = connect(source).await?;
                let result = client.latest().await;
                report_events(&client);
                println!("{}", result.map_err(failure)?.to_json());
            }
            Fetch::Range { source, from, to } => {
                let client = connect(source).await?;
                let result = client.range(from, to).await;
                report_events(&client);
                for beacon in result.map_err(failure)? {
                    println!("{}", beacon.to_json());
                }
            }
            Fetch::Watch { source } => {
                let client = connect(source).await?;
                let mut watch = client.watch();
                loop {
                    let beacon = watch.next().await;
                    report_events(&client);
                    println!("{}", beacon.map_err(failure)?.to_json());
                }
            }
        }
        Ok(())
    })
}
