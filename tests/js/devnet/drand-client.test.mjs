// npm drand-client@1.4.2 and drand-lite against a real `drand-node devnet` with the unchained
// G1 scheme of quicknet (bls-unchained-g1-rfc9380): 4 TLS node processes, threshold 3, 1 s
// rounds. The tests are in tests/js/lib/devnet-suite.mjs; chained.test.mjs runs them on a
// chained (pedersen-bls-chained) devnet.
//
//   node --test tests/js/devnet/drand-client.test.mjs
//
// Needs target/debug/drand-node (or DRAND_NODE_BIN) and the package unpacked in
// tests/js/node_modules/drand-lite (scripts/test-js does both).
import { devnetSuite } from "../lib/devnet-suite.mjs";

devnetSuite("bls-unchained-g1-rfc9380");
