//! Clients against the node's API over a real socket: drand-lite's own light client (v1 and
//! v2, verifying every beacon) and, when Node.js and npm `drand-client` are installed, the
//! reference JavaScript client.

mod http_support;

use std::time::Duration;

use drand_lite::client::native::NativePlatform;
use drand_lite::client::{
    ApiVersion, Client, ClientError, ClientOptions, HttpResponse, Platform, TransportError,
};
use drand_node::http::router;
use http_support::*;

/// The native platform with the test's clock, so "latest" means the same to client and node.
struct At {
    inner: NativePlatform,
    clock: TestClock,
}

impl Platform for At {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        self.inner.get(url, timeout).await
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
    fn now_ms(&self) -> u64 {
        self.clock.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn options(api: ApiVersion) -> ClientOptions {
    ClientOptions {
        api,
        timeout: Duration::from_secs(5),
        attempts: 1,
        clock_skew: Duration::ZERO,
        ..ClientOptions::default()
    }
}

async fn client(base: &str, chain: &TestChain, clock: &TestClock, api: ApiVersion) -> Client<At> {
    let platform = At {
        inner: NativePlatform::new().unwrap(),
        clock: clock.clone(),
    };
    Client::connect(
        platform,
        &[base.to_owned()],
        chain.info.hash(),
        options(api),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn light_client_verifies_unchained_beacons_over_v1_and_v2() {
    let chain = TestChain::load("mainnet-quicknet.json", 1004);
    let clock = TestClock::at(chain.due_ms(1004) + 500);
    let base = listen(router(api(&[&chain], &clock))).await;
    for api in [ApiVersion::V1, ApiVersion::V2] {
        let c = client(&base, &chain, &clock, api).await;
        assert_eq!(c.info().hash(), chain.info.hash());
        for round in [1, 2, 3, 42, 123, 1000] {
            let b = c.get(round).await.unwrap();
            assert_eq!(b.round(), round);
            assert_eq!(
                drand_lite::hex::encode(b.randomness()),
                chain.vectors.beacon(round)["randomness"].as_str().unwrap(),
            );
        }
        let range = c.range(1000, 1004).await.unwrap();
        assert_eq!(range.len(), 5);
        assert_eq!(c.latest().await.unwrap().round(), 1004);
        // A round this node lacks: the client says so rather than failing over forever.
        assert!(matches!(
            c.get(500).await,
            Err(ClientError::TooEarly { round: 500, .. })
        ));
    }
}

#[tokio::test]
async fn light_client_verifies_chained_beacons_over_v1_and_v2() {
    let chain = TestChain::load("mainnet-default.json", u64::MAX);
    let clock = TestClock::at(chain.due_ms(5_347_804) + 500);
    let base = listen(router(api(&[&chain], &clock))).await;
    for api in [ApiVersion::V1, ApiVersion::V2] {
        let c = client(&base, &chain, &clock, api).await;
        let range = c.range(1, 4).await.unwrap();
        assert_eq!(range.len(), 4);
        assert_eq!(
            range[0].previous_signature(),
            Some(&chain.info.genesis_seed()[..])
        );
        for round in [1337, 72785, 3907447, 5347804] {
            assert_eq!(c.get(round).await.unwrap().round(), round);
        }
        assert_eq!(c.latest().await.unwrap().round(), 5_347_804);
    }
}

#[tokio::test]
async fn light_client_reads_the_round_produced_while_it_waits() {
    let chain = TestChain::load("mainnet-quicknet.json", 1003);
    // The client's clock (with its skew allowance) already reaches round 1004; the node's
    // does not: the node long-polls until the daemon stores it.
    let node_clock = TestClock::at(chain.due_ms(1004) - 200);
    let base = listen(router(api(&[&chain], &node_clock))).await;
    let client_clock = TestClock::at(chain.due_ms(1004));
    let c = client(&base, &chain, &client_clock, ApiVersion::V2).await;
    let (b, ()) = tokio::join!(c.get(1004), async {
        for _ in 0..5000 {
            if chain.tx.receiver_count() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        chain.produce(1004);
    });
    assert_eq!(b.unwrap().round(), 1004);
}

/// npm `drand-client@1.4.2` (the reference JS client) fetches and verifies beacons from the
/// node. Needs `node` and the repository's `node_modules` (`npm ci`), or `NODE_MODULES`.
#[tokio::test]
async fn npm_drand_client_verifies_beacons() {
    let modules = std::env::var_os("NODE_MODULES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules")
        });
    let entry = modules.join("drand-client/build/esm/index.mjs");
    let has_node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !entry.exists() || !has_node {
        eprintln!("skipped: node or {} missing", entry.display());
        return;
    }
    let quick = TestChain::load("mainnet-quicknet.json", 1004);
    let default = TestChain::load("mainnet-default.json", 4);
    // The JS client uses the system clock, so only fixed rounds are asked for.
    let clock = TestClock::at(quick.due_ms(1004) + 500);
    let base = listen(router(api(&[&quick, &default], &clock))).await;
    let script = format!(
        r#"
import {{ HttpChainClient, HttpCachingChain, MultiBeaconNode, fetchBeacon }} from {entry:?};
const base = {base:?};
const check = async (url, params, rounds, noCache) => {{
  const options = {{ disableBeaconVerification: false, noCache, chainVerificationParams: params }};
  const client = new HttpChainClient(new HttpCachingChain(url, options), options);
  for (const r of rounds) {{
    const b = await fetchBeacon(client, r);
    if (b.round !== r) throw new Error(`asked ${{r}}, got ${{b.round}}`);
  }}
  const latest = await client.latest();
  return latest.round;
}};
const quick = {{ chainHash: {qh:?}, publicKey: {qk:?} }};
const dflt = {{ chainHash: {dh:?}, publicKey: {dk:?} }};
const a = await check(`${{base}}/${{quick.chainHash}}`, quick, [1, 2, 3, 42, 1000, 1004], false);
const b = await check(`${{base}}/${{dflt.chainHash}}`, dflt, [1, 2, 3, 4], true);
const c = await check(base, dflt, [2], false);
const node = new MultiBeaconNode(base);
const chains = await node.chains();
if (chains.length !== 2) throw new Error(`chains: ${{chains.length}}`);
console.log(JSON.stringify([a, b, c]));
"#,
        qh = quick.hash(),
        qk = drand_lite::hex::encode(quick.info.public_key()),
        dh = default.hash(),
        dk = drand_lite::hex::encode(default.info.public_key()),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.mjs");
    std::fs::write(&file, script).unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node").arg(&file).output(),
    )
    .await
    .expect("node hung")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "drand-client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "[1004,4,4]");
}

#[tokio::test]
async fn serve_stops_on_shutdown() {
    let chain = TestChain::load("mainnet-quicknet.json", 3);
    let clock = TestClock::at(chain.due_ms(3) + 100);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(drand_node::http::serve(
        listener,
        api(&[&chain], &clock),
        async move {
            let _ = stopped.await;
        },
    ));
    let r = reqwest::get(format!("{base}/public/2")).await.unwrap();
    assert_eq!(r.status(), 200);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(reqwest::get(format!("{base}/public/2")).await.is_err());
}
