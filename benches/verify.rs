//! Benchmarks for beacon verification.
//!
//! Criterion groups measure single-beacon verification per scheme (drand-lite against blst's own
//! API and the `drand-verify` crate) and batch verification on synthetic chains. A plain summary
//! table, timed with [`Instant`], is printed at the end of a benchmark run. evmnet (BN254) is
//! timed for drand-lite alone: neither blst nor drand-verify has BN254.
//!
//! Real beacons come from `$DRAND_VECTORS` or `$CARGO_MANIFEST_DIR/../shared/vectors`.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use blst::BLST_ERROR;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use drand_lite::scheme::Layout;
use drand_lite::{Beacon, ChainInfo, Scheme};
use drand_verify::{G1Pubkey, G2PubkeyFastnet, G2PubkeyRfc, Pubkey, derive_randomness};
use sha2::{Digest, Sha256};

/// RFC 9380 DST for hashing to G2.
const DST_G2: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
/// RFC 9380 DST for hashing to G1.
const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

/// Vector files with real beacons, one per scheme.
const REAL: [(Scheme, &str); 4] = [
    (Scheme::PedersenBlsChained, "mainnet-default.json"),
    (Scheme::PedersenBlsUnchained, "testnet-unchained-3s.json"),
    (Scheme::BlsUnchainedOnG1, "mainnet-fastnet.json"),
    (Scheme::BlsUnchainedG1Rfc9380, "mainnet-quicknet.json"),
];

/// Schemes of the synthetic chains: one with signatures on G2, one with signatures on G1.
const SYNTHETIC: [Scheme; 2] = [Scheme::PedersenBlsChained, Scheme::BlsUnchainedG1Rfc9380];

/// evmnet's vector file: BN254, drand-lite only.
const EVMNET_FILE: &str = "mainnet-evmnet.json";

/// evmnet batch sizes (the real beacons, repeated).
const EVMNET_BATCH_SIZES: [usize; 2] = [10, 100];

/// Batch sizes.
const BATCH_SIZES: [usize; 3] = [10, 100, 1000];

/// Largest batch drand-verify runs under criterion; it verifies one beacon at a time, so its
/// cost per beacon does not depend on the batch size.
const DRAND_VERIFY_CRITERION_MAX: usize = 100;

/// The batch size the per-beacon targets apply to.
const TARGET_BATCH: usize = 100;

/// The message a round signs: `sha256(prev ‖ BE64(round))` if chained, else `sha256(BE64(round))`.
fn message(chained: bool, round: u64, previous_signature: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    if chained {
        h.update(previous_signature.unwrap_or_default());
    }
    h.update(round.to_be_bytes());
    h.finalize().into()
}

/// The DST a scheme hashes messages with.
fn dst(scheme: Scheme) -> &'static [u8] {
    if scheme == Scheme::BlsUnchainedG1Rfc9380 {
        DST_G1
    } else {
        DST_G2
    }
}

/// The signature group, for labels.
fn signature_group(scheme: Scheme) -> &'static str {
    if scheme.layout() == Layout::KeyOnG1 {
        "G2"
    } else {
        "G1"
    }
}

/// A chain key in blst's safe API, validated once.
enum BlstKey {
    MinPk(blst::min_pk::PublicKey),
    MinSig(blst::min_sig::PublicKey),
}

/// Reference verification with blst's own API (signature decoded from bytes each time).
struct BlstVerifier {
    key: BlstKey,
    dst: &'static [u8],
    chained: bool,
}

impl BlstVerifier {
    fn new(info: &ChainInfo) -> BlstVerifier {
        let pk = info.public_key();
        let key = if info.scheme().layout() == Layout::KeyOnG1 {
            BlstKey::MinPk(blst::min_pk::PublicKey::key_validate(pk).expect("blst G1 key"))
        } else {
            BlstKey::MinSig(blst::min_sig::PublicKey::key_validate(pk).expect("blst G2 key"))
        };
        BlstVerifier {
            key,
            dst: dst(info.scheme()),
            chained: info.scheme().is_chained(),
        }
    }

    fn verify(&self, beacon: &Beacon) -> bool {
        let msg = message(
            self.chained,
            beacon.round,
            beacon.previous_signature.as_deref(),
        );
        match &self.key {
            BlstKey::MinPk(pk) => {
                blst::min_pk::Signature::from_bytes(&beacon.signature).is_ok_and(|s| {
                    s.verify(true, &msg, self.dst, &[], pk, false) == BLST_ERROR::BLST_SUCCESS
                })
            }
            BlstKey::MinSig(pk) => blst::min_sig::Signature::from_bytes(&beacon.signature)
                .is_ok_and(|s| {
                    s.verify(true, &msg, self.dst, &[], pk, false) == BLST_ERROR::BLST_SUCCESS
                }),
        }
    }
}

/// A chain key in drand-verify's types, decoded once.
enum DrandVerifyKey {
    G1(G1Pubkey),
    Fastnet(G2PubkeyFastnet),
    Rfc(G2PubkeyRfc),
}

impl DrandVerifyKey {
    fn new(info: &ChainInfo) -> DrandVerifyKey {
        let pk = info.public_key();
        match info.scheme() {
            Scheme::PedersenBlsChained | Scheme::PedersenBlsUnchained => {
                DrandVerifyKey::G1(G1Pubkey::from_variable(pk).expect("drand-verify G1 key"))
            }
            Scheme::BlsUnchainedOnG1 => DrandVerifyKey::Fastnet(
                G2PubkeyFastnet::from_variable(pk).expect("drand-verify fastnet key"),
            ),
            Scheme::BlsUnchainedG1Rfc9380 => {
                DrandVerifyKey::Rfc(G2PubkeyRfc::from_variable(pk).expect("drand-verify rfc key"))
            }
            other => panic!("drand-verify has no key type for {other}"),
        }
    }

    /// What a drand-verify user does per beacon: check the signature, then derive the
    /// randomness and compare it with the served one.
    fn verify(&self, beacon: &Beacon) -> bool {
        let prev = beacon.previous_signature.as_deref().unwrap_or_default();
        let sig = &beacon.signature;
        let ok = match self {
            DrandVerifyKey::G1(k) => k.verify(beacon.round, prev, sig),
            DrandVerifyKey::Fastnet(k) => k.verify(beacon.round, prev, sig),
            DrandVerifyKey::Rfc(k) => k.verify(beacon.round, prev, sig),
        };
        let randomness = derive_randomness(sig);
        matches!(ok, Ok(true)) && beacon.randomness.is_none_or(|r| r == randomness)
    }
}

/// One real beacon of one scheme, with the chain decoded for every implementation.
struct RealCase {
    scheme: Scheme,
    info: ChainInfo,
    beacon: Beacon,
    blst: BlstVerifier,
    drand_verify: DrandVerifyKey,
}

fn vectors_dir() -> PathBuf {
    std::env::var_os("DRAND_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

/// Loads the last valid beacon of a vector file and checks every implementation accepts it.
fn load_real(scheme: Scheme, file: &str) -> RealCase {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e} (set DRAND_VECTORS)", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vector JSON");
    let info = ChainInfo::from_json(&doc["chain"].to_string()).expect("chain info");
    assert_eq!(info.scheme(), scheme, "{file}");
    let last = doc["beacons"]
        .as_array()
        .and_then(|b| b.last())
        .expect("at least one beacon");
    let beacon = Beacon::from_json(&last.to_string()).expect("beacon");
    let case = RealCase {
        scheme,
        blst: BlstVerifier::new(&info),
        drand_verify: DrandVerifyKey::new(&info),
        info,
        beacon,
    };
    assert!(
        drand_lite::verify(&case.info, &case.beacon).is_ok(),
        "{file}: drand-lite"
    );
    assert!(case.blst.verify(&case.beacon), "{file}: blst");
    assert!(
        case.drand_verify.verify(&case.beacon),
        "{file}: drand-verify"
    );
    case
}

/// A synthetic chain signed with blst, rounds `1..=n`.
struct SyntheticChain {
    scheme: Scheme,
    info: ChainInfo,
    beacons: Vec<Beacon>,
    drand_verify: DrandVerifyKey,
}

/// A chain's secret key in blst, with the scheme's DST.
enum Signer {
    MinPk(blst::min_pk::SecretKey, &'static [u8]),
    MinSig(blst::min_sig::SecretKey, &'static [u8]),
}

impl Signer {
    fn new(scheme: Scheme, ikm: &[u8; 32]) -> Signer {
        if scheme.layout() == Layout::KeyOnG1 {
            let sk = blst::min_pk::SecretKey::key_gen(ikm, &[]).expect("key_gen");
            Signer::MinPk(sk, dst(scheme))
        } else {
            let sk = blst::min_sig::SecretKey::key_gen(ikm, &[]).expect("key_gen");
            Signer::MinSig(sk, dst(scheme))
        }
    }

    fn public_key(&self) -> Vec<u8> {
        match self {
            Signer::MinPk(sk, _) => sk.sk_to_pk().to_bytes().to_vec(),
            Signer::MinSig(sk, _) => sk.sk_to_pk().to_bytes().to_vec(),
        }
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Signer::MinPk(sk, dst) => sk.sign(msg, dst, &[]).to_bytes().to_vec(),
            Signer::MinSig(sk, dst) => sk.sign(msg, dst, &[]).to_bytes().to_vec(),
        }
    }
}

/// Signs rounds `1..=n` of a fresh chain; chained rounds link to the previous signature and
/// round 1 to the genesis seed.
fn synthetic_chain(scheme: Scheme, n: usize) -> SyntheticChain {
    let ikm = [0x5au8; 32];
    let seed: [u8; 32] = Sha256::digest(b"drand-lite bench genesis seed").into();
    let signer = Signer::new(scheme, &ikm);
    let pk = signer.public_key();
    let info =
        ChainInfo::new(scheme, &pk, 3, 1_700_000_000, seed, "bench").expect("synthetic info");
    let mut beacons = Vec::with_capacity(n);
    let mut previous = seed.to_vec();
    for round in 1..=n as u64 {
        let prev = scheme.is_chained().then(|| previous.clone());
        let signature = signer.sign(&message(scheme.is_chained(), round, prev.as_deref()));
        beacons.push(Beacon {
            round,
            randomness: Some(Sha256::digest(&signature).into()),
            signature: signature.clone(),
            previous_signature: prev,
        });
        previous = signature;
    }
    let drand_verify = DrandVerifyKey::new(&info);
    assert!(
        drand_lite::verify_batch(&info, &beacons).is_ok(),
        "{scheme}: batch"
    );
    assert!(
        beacons.iter().all(|b| drand_verify.verify(b)),
        "{scheme}: drand-verify"
    );
    SyntheticChain {
        scheme,
        info,
        beacons,
        drand_verify,
    }
}

/// evmnet's chain and its real beacons (every one checked to verify).
struct Evmnet {
    info: ChainInfo,
    beacons: Vec<Beacon>,
}

fn load_evmnet() -> Evmnet {
    let path = vectors_dir().join(EVMNET_FILE);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e} (set DRAND_VECTORS)", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vector JSON");
    let info = ChainInfo::from_json(&doc["chain"].to_string()).expect("chain info");
    assert_eq!(info.scheme(), Scheme::BlsBn254UnchainedOnG1);
    let beacons: Vec<Beacon> = doc["beacons"]
        .as_array()
        .expect("beacons")
        .iter()
        .map(|b| Beacon::from_json(&b.to_string()).expect("beacon"))
        .collect();
    assert!(
        beacons.iter().all(|b| drand_lite::verify(&info, b).is_ok()),
        "{EVMNET_FILE}: drand-lite"
    );
    Evmnet { info, beacons }
}

impl Evmnet {
    fn last(&self) -> &Beacon {
        self.beacons.last().expect("at least one beacon")
    }

    /// `n` beacons: the real ones, repeated (a batch may hold the same beacon twice).
    fn batch(&self, n: usize) -> Vec<Beacon> {
        self.beacons.iter().cycle().take(n).cloned().collect()
    }
}

fn bench_evmnet(c: &mut Criterion, evmnet: &Evmnet) {
    let mut g = c.benchmark_group(format!("single/{}", Scheme::BlsBn254UnchainedOnG1.id()));
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function("drand-lite", |b| {
        b.iter(|| drand_lite::verify(black_box(&evmnet.info), black_box(evmnet.last())))
    });
    g.finish();
    let mut g = c.benchmark_group(format!(
        "batch/{} (G1 sig, real beacons repeated)",
        Scheme::BlsBn254UnchainedOnG1.id()
    ));
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    for n in EVMNET_BATCH_SIZES {
        let beacons = evmnet.batch(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("drand-lite", n), &beacons, |b, beacons| {
            b.iter(|| drand_lite::verify_batch(black_box(&evmnet.info), black_box(beacons)))
        });
    }
    g.finish();
}

fn bench_single(c: &mut Criterion, cases: &[RealCase]) {
    for case in cases {
        let mut g = c.benchmark_group(format!("single/{}", case.scheme.id()));
        g.sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        g.bench_function("drand-lite", |b| {
            b.iter(|| drand_lite::verify(black_box(&case.info), black_box(&case.beacon)))
        });
        g.bench_function("blst", |b| {
            b.iter(|| case.blst.verify(black_box(&case.beacon)))
        });
        g.bench_function("drand-verify", |b| {
            b.iter(|| case.drand_verify.verify(black_box(&case.beacon)))
        });
        g.finish();
    }
}

fn bench_batch(c: &mut Criterion, chains: &[SyntheticChain]) {
    for chain in chains {
        let name = format!(
            "batch/{} ({} sig)",
            chain.scheme.id(),
            signature_group(chain.scheme)
        );
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(4));
        for n in BATCH_SIZES {
            let beacons = &chain.beacons[..n];
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new("drand-lite", n), beacons, |b, beacons| {
                b.iter(|| drand_lite::verify_batch(black_box(&chain.info), black_box(beacons)))
            });
            if n <= DRAND_VERIFY_CRITERION_MAX {
                g.bench_with_input(
                    BenchmarkId::new("drand-verify", n),
                    beacons,
                    |b, beacons| {
                        b.iter(|| {
                            black_box(beacons)
                                .iter()
                                .all(|beacon| chain.drand_verify.verify(beacon))
                        })
                    },
                );
            }
        }
        g.finish();
    }
}

/// How long the summary spends on one cell, and how many runs it takes at most.
#[derive(Clone, Copy)]
struct Budget {
    time: Duration,
    max_runs: usize,
}

/// Median wall times in µs of several functions, timed in turn in each round so that load
/// from elsewhere hits them alike, and the number of rounds: one warm-up round, then as many
/// as fit in the budget (at most `max_runs`). A warm-up longer than the budget is the only run.
fn medians_us<const K: usize>(budget: Budget, mut fs: [&mut dyn FnMut(); K]) -> ([f64; K], usize) {
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e6
    };
    let first: Vec<f64> = fs.iter_mut().map(|f| time(&mut **f)).collect();
    let round_us = first.iter().sum::<f64>().max(1e-3);
    let runs = ((budget.time.as_secs_f64() * 1e6 / round_us) as usize).min(budget.max_runs);
    if runs == 0 {
        return (std::array::from_fn(|k| first[k]), 1);
    }
    let mut times = vec![Vec::with_capacity(runs); K];
    for _ in 0..runs {
        for (f, t) in fs.iter_mut().zip(&mut times) {
            t.push(time(&mut **f));
        }
    }
    (std::array::from_fn(|k| median(&mut times[k])), runs)
}

/// [`medians_us`] for one function.
fn median_us<T>(budget: Budget, mut f: impl FnMut() -> T) -> (f64, usize) {
    let ([m], runs) = medians_us(
        budget,
        [&mut || {
            black_box(f());
        }],
    );
    (m, runs)
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    let mid = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[mid - 1] + times[mid]) / 2.0
    } else {
        times[mid]
    }
}

/// `ok`, or `MISSED` when a figure misses its target.
fn verdict(met: bool) -> &'static str {
    if met { "ok" } else { "MISSED" }
}

fn summary(cases: &[RealCase], chains: &[SyntheticChain], evmnet: &Evmnet, quick: bool) {
    let single = Budget {
        time: Duration::from_millis(if quick { 100 } else { 500 }),
        max_runs: if quick { 11 } else { 30 },
    };
    println!();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "drand-lite summary (std::time::Instant, median of up to {} runs{}; {cores} cores, \
         drand-lite batches use all of them, everything else one)",
        single.max_runs,
        if quick { ", quick" } else { "" }
    );
    println!();
    println!(
        "{:<26} {:>9} {:>9} {:>10} {:>7} {:>14} {:>8} {:>7}",
        "single verify",
        "lite µs",
        "blst µs",
        "lite/blst",
        "≤ 1.2",
        "drand-verify µs",
        "speedup",
        "≥ 2"
    );
    for case in cases {
        let ([lite, blst, dv], _) = medians_us(
            single,
            [
                &mut || {
                    black_box(drand_lite::verify(&case.info, &case.beacon).is_ok());
                },
                &mut || {
                    black_box(case.blst.verify(&case.beacon));
                },
                &mut || {
                    black_box(case.drand_verify.verify(&case.beacon));
                },
            ],
        );
        let ratio = lite / blst;
        let speedup = dv / lite;
        println!(
            "{:<26} {:>9.1} {:>9.1} {:>10.2} {:>7} {:>15.1} {:>8.2} {:>7}",
            case.scheme.id(),
            lite,
            blst,
            ratio,
            verdict(ratio <= 1.2),
            dv,
            speedup,
            verdict(speedup >= 2.0)
        );
    }
    // evmnet: no BN254 in blst or drand-verify, so drand-lite alone.
    let (lite, _) = median_us(single, || drand_lite::verify(&evmnet.info, evmnet.last()));
    println!(
        "{:<26} {:>9.1} {:>9} {:>10} {:>7} {:>15} {:>8} {:>7}",
        Scheme::BlsBn254UnchainedOnG1.id(),
        lite,
        "-",
        "-",
        "-",
        "-",
        "-",
        "-"
    );

    println!();
    println!(
        "{:<36} {:>5} {:>14} {:>13} {:>19} {:>8} {:>13}",
        "batch (synthetic, µs per beacon)",
        "N",
        "lite batch",
        "target",
        "drand-verify 1-by-1",
        "speedup",
        "runs lite/dv"
    );
    let batch = Budget {
        time: Duration::from_secs(if quick { 1 } else { 3 }),
        max_runs: if quick { 5 } else { 15 },
    };
    for chain in chains {
        let label = format!(
            "{} ({} sig)",
            chain.scheme.id(),
            signature_group(chain.scheme)
        );
        let limit = if chain.scheme.layout() == Layout::KeyOnG1 {
            500.0
        } else {
            250.0
        };
        for n in BATCH_SIZES {
            let beacons = &chain.beacons[..n];
            let (lite, lite_runs) =
                median_us(batch, || drand_lite::verify_batch(&chain.info, beacons));
            let (dv, dv_runs) = median_us(batch, || {
                beacons.iter().all(|b| chain.drand_verify.verify(b))
            });
            let (lite, dv) = (lite / n as f64, dv / n as f64);
            let target = if n == TARGET_BATCH {
                format!("≤ {limit:.0} {}", verdict(lite <= limit))
            } else {
                String::new()
            };
            println!(
                "{:<36} {:>5} {:>14.1} {:>13} {:>19.1} {:>8.2} {:>13}",
                label,
                n,
                lite,
                target,
                dv,
                dv / lite,
                format!("{lite_runs}/{dv_runs}")
            );
        }
    }
    for n in EVMNET_BATCH_SIZES {
        let beacons = evmnet.batch(n);
        let (lite, lite_runs) =
            median_us(batch, || drand_lite::verify_batch(&evmnet.info, &beacons));
        println!(
            "{:<36} {:>5} {:>14.1} {:>13} {:>19} {:>8} {:>13}",
            "evmnet (real beacons repeated)",
            n,
            lite / n as f64,
            "",
            "-",
            "-",
            format!("{lite_runs}/-")
        );
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and criterion then only
    // checks each benchmark once.
    let benchmarking = has("--bench")
        && !has("--test")
        && !has("--list")
        && !args.iter().any(|a| a.starts_with("--profile-time"));
    let quick = has("--quick");

    let cases: Vec<RealCase> = REAL.iter().map(|&(s, f)| load_real(s, f)).collect();
    let evmnet = load_evmnet();
    let largest = BATCH_SIZES.into_iter().max().unwrap_or_default();
    let chains: Vec<SyntheticChain> = SYNTHETIC
        .iter()
        .map(|&s| synthetic_chain(s, largest))
        .collect();

    let mut c = Criterion::default().configure_from_args();
    bench_single(&mut c, &cases);
    bench_batch(&mut c, &chains);
    bench_evmnet(&mut c, &evmnet);
    c.final_summary();

    if benchmarking {
        summary(&cases, &chains, &evmnet, quick);
    }
}
