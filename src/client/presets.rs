//! Known drand chains: their full chain info (so no `/info` request is needed) and public
//! relays. The chain info is checked against its hash when a preset is used.

use crate::chain::ChainInfo;
use crate::error::ChainInfoError;

/// A known chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preset {
    /// mainnet `default` (chained, 30 s).
    MainnetDefault,
    /// mainnet `quicknet` (RFC 9380 G1 signatures, 3 s).
    Quicknet,
    /// mainnet `evmnet` (BN254 signatures for EVM contracts, 3 s).
    Evmnet,
    /// testnet `default` (chained, 25 s).
    TestnetDefault,
    /// testnet `quicknet-t` (RFC 9380 G1 signatures, 3 s).
    TestnetQuicknet,
    /// testnet `testnet-unchained-3s` (unchained G2 signatures, 3 s).
    TestnetUnchained,
    /// testnet `testnet-g` (deprecated G1 scheme, 3 s).
    TestnetG,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 7] = [
        Preset::MainnetDefault,
        Preset::Quicknet,
        Preset::Evmnet,
        Preset::TestnetDefault,
        Preset::TestnetQuicknet,
        Preset::TestnetUnchained,
        Preset::TestnetG,
    ];

    /// The preset's short name, as used by `--chain`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::MainnetDefault => "default",
            Preset::Quicknet => "quicknet",
            Preset::Evmnet => "evmnet",
            Preset::TestnetDefault => "testnet-default",
            Preset::TestnetQuicknet => "quicknet-t",
            Preset::TestnetUnchained => "testnet-unchained-3s",
            Preset::TestnetG => "testnet-g",
        }
    }

    /// Looks a preset up by name (or by its chain hash in hex).
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == name || p.chain_hash() == name)
    }

    /// The chain hash, lowercase hex.
    pub fn chain_hash(self) -> &'static str {
        match self {
            Preset::MainnetDefault => {
                "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
            }
            Preset::Quicknet => "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            Preset::Evmnet => "04f1e9062b8a81f848fded9c12306733282b2727ecced50032187751166ec8c3",
            Preset::TestnetDefault => {
                "84b2234fb34e835dccd048255d7ad3194b81af7d978c3bf157e3469592ae4e02"
            }
            Preset::TestnetQuicknet => {
                "cc9c398442737cbd141526600919edd69f1d6f9b4adb67e4d912fbc64341a9a5"
            }
            Preset::TestnetUnchained => {
                "7672797f548f3f4748ac4bf3352fc6c6b6468c9ad40ad456a397545c6e2df5bf"
            }
            Preset::TestnetG => "f3827d772c155f95a9fda8901ddd59591a082df5ac6efe3a479ddb1f5eeb202c",
        }
    }

    /// The v1 chain info JSON.
    pub fn info_json(self) -> &'static str {
        match self {
            Preset::MainnetDefault => {
                "{\"public_key\":\"868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31\",\"period\":30,\"genesis_time\":1595431050,\"hash\":\"8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce\",\"groupHash\":\"176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a\",\"schemeID\":\"pedersen-bls-chained\",\"metadata\":{\"beaconID\":\"default\"}}"
            }
            Preset::Quicknet => {
                "{\"public_key\":\"83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a\",\"period\":3,\"genesis_time\":1692803367,\"hash\":\"52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971\",\"groupHash\":\"f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e\",\"schemeID\":\"bls-unchained-g1-rfc9380\",\"metadata\":{\"beaconID\":\"quicknet\"}}"
            }
            Preset::Evmnet => {
                "{\"public_key\":\"07e1d1d335df83fa98462005690372c643340060d205306a9aa8106b6bd0b3820557ec32c2ad488e4d4f6008f89a346f18492092ccc0d594610de2732c8b808f0095685ae3a85ba243747b1b2f426049010f6b73a0cf1d389351d5aaaa1047f6297d3a4f9749b33eb2d904c9d9ebf17224150ddd7abd7567a9bec6c74480ee0b\",\"period\":3,\"genesis_time\":1727521075,\"hash\":\"04f1e9062b8a81f848fded9c12306733282b2727ecced50032187751166ec8c3\",\"groupHash\":\"cd7ad2f0e0cce5d8c288f2dd016ffe7bc8dc88dbb229b3da2b6ad736490dfed6\",\"schemeID\":\"bls-bn254-unchained-on-g1\",\"metadata\":{\"beaconID\":\"evmnet\"}}"
            }
            Preset::TestnetDefault => {
                "{\"public_key\":\"922a2e93828ff83345bae533f5172669a26c02dc76d6bf59c80892e12ab1455c229211886f35bb56af6d5bea981024df\",\"period\":25,\"genesis_time\":1590445175,\"hash\":\"84b2234fb34e835dccd048255d7ad3194b81af7d978c3bf157e3469592ae4e02\",\"groupHash\":\"4dd408e5fdff9323c76a9b6f087ba8fdc5a6da907bd9217d9d10f2287d081957\",\"schemeID\":\"pedersen-bls-chained\",\"metadata\":{\"beaconID\":\"default\"}}"
            }
            Preset::TestnetQuicknet => {
                "{\"public_key\":\"b15b65b46fb29104f6a4b5d1e11a8da6344463973d423661bb0804846a0ecd1ef93c25057f1c0baab2ac53e56c662b66072f6d84ee791a3382bfb055afab1e6a375538d8ffc451104ac971d2dc9b168e2d3246b0be2015969cbaac298f6502da\",\"period\":3,\"genesis_time\":1689232296,\"hash\":\"cc9c398442737cbd141526600919edd69f1d6f9b4adb67e4d912fbc64341a9a5\",\"groupHash\":\"40d49d910472d4adb1d67f65db8332f11b4284eecf05c05c5eacd5eef7d40e2d\",\"schemeID\":\"bls-unchained-g1-rfc9380\",\"metadata\":{\"beaconID\":\"quicknet-t\"}}"
            }
            Preset::TestnetUnchained => {
                "{\"public_key\":\"8200fc249deb0148eb918d6e213980c5d01acd7fc251900d9260136da3b54836ce125172399ddc69c4e3e11429b62c11\",\"period\":3,\"genesis_time\":1651677099,\"hash\":\"7672797f548f3f4748ac4bf3352fc6c6b6468c9ad40ad456a397545c6e2df5bf\",\"groupHash\":\"65083634d852ae169e21b6ce5f0410be9ed4cc679b9970236f7875cff667e13d\",\"schemeID\":\"pedersen-bls-unchained\",\"metadata\":{\"beaconID\":\"testnet-unchained-3s\"}}"
            }
            Preset::TestnetG => {
                "{\"public_key\":\"8f6e58c3dbc6d7e58e32baee6881fecc854161b4227c40b01ae7f0593cea964599648f91a0fa2d6b489a7fb0a552b959014007e05d0c069991be4d064bbe28275bd4c3a3cabf16c48f86f4566909dd6eb6d0e84fd6069c414562ca6abf5fdc13\",\"period\":3,\"genesis_time\":1675262550,\"hash\":\"f3827d772c155f95a9fda8901ddd59591a082df5ac6efe3a479ddb1f5eeb202c\",\"groupHash\":\"73c191da8ca22628987bc9fb330e2b82f9e38728a8708b10b42b43c90643b798\",\"schemeID\":\"bls-unchained-on-g1\",\"metadata\":{\"beaconID\":\"testnet-g\"}}"
            }
        }
    }

    /// Public relays serving the chain.
    pub fn urls(self) -> &'static [&'static str] {
        const MAINNET: &[&str] = &[
            "https://api.drand.sh",
            "https://api2.drand.sh",
            "https://api3.drand.sh",
            "https://drand.cloudflare.com",
            "https://api.drand.secureweb3.com:6875",
        ];
        const TESTNET: &[&str] = &[
            "https://pl-us.testnet.drand.sh",
            "https://pl-eu.testnet.drand.sh",
            "https://testnet-api.drand.cloudflare.com",
        ];
        match self {
            Preset::MainnetDefault | Preset::Quicknet | Preset::Evmnet => MAINNET,
            _ => TESTNET,
        }
    }

    /// The chain info, parsed and checked against the preset's hash.
    pub fn info(self) -> Result<ChainInfo, ChainInfoError> {
        ChainInfo::pinned(self.info_json(), self.chain_hash())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_pins_its_hash() {
        for p in Preset::ALL {
            assert_eq!(p.info().unwrap().hash().to_hex(), p.chain_hash());
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(Preset::from_name(p.chain_hash()), Some(p));
            assert!(!p.urls().is_empty());
        }
    }
}
