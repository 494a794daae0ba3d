// The tests of drand-client.test.mjs (npm drand-client@1.4.2 and drand-lite against a real
// devnet) on a chained devnet: pedersen-bls-chained, as mainnet's `default` chain.
//
//   node --test tests/js/devnet/chained.test.mjs
import { devnetSuite } from "../lib/devnet-suite.mjs";

devnetSuite("pedersen-bls-chained");
