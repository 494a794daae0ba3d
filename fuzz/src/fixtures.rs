//! Four real drand chains, one per supported scheme, and three genuine beacons of each, copied
//! verbatim from `shared/vectors/*.json` (public data: chain info as served by drand's relays).
//!
//! The fuzz targets verify fuzzed beacons against these chains and mix these genuine beacons into
//! fuzzed batches; the seed corpus (`fuzz/seeds/`) is derived from them too.

/// A chain as its relays serve it, with its published chain hash and a few genuine beacons.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    /// The vector file the data comes from, without `.json`.
    pub name: &'static str,
    /// The chain's v1 `/info` JSON.
    pub chain_json: &'static str,
    /// The published chain hash, to pin the chain with.
    pub chain_hash: &'static str,
    /// Genuine v1 beacon JSON, in increasing round order.
    pub beacons: &'static [&'static str],
}

/// Every fixture: one chain per scheme.
pub const ALL: [Fixture; 4] = [
    MAINNET_DEFAULT,
    MAINNET_QUICKNET,
    MAINNET_FASTNET,
    TESTNET_UNCHAINED_3S,
];

/// `mainnet-default.json`: scheme `pedersen-bls-chained`.
pub const MAINNET_DEFAULT: Fixture = Fixture {
    name: "mainnet-default",
    chain_json: r#"{"public_key":"868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31","period":30,"genesis_time":1595431050,"hash":"8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce","groupHash":"176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a","schemeID":"pedersen-bls-chained","metadata":{"beaconID":"default"}}"#,
    chain_hash: "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    beacons: &[
        r#"{"round":1,"randomness":"101297f1ca7dc44ef6088d94ad5fb7ba03455dc33d53ddb412bbc4564ed986ec","signature":"8d61d9100567de44682506aea1a7a6fa6e5491cd27a0a0ed349ef6910ac5ac20ff7bc3e09d7c046566c9f7f3c6f3b10104990e7cb424998203d8f7de586fb7fa5f60045417a432684f85093b06ca91c769f0e7ca19268375e659c2a2352b4655","previous_signature":"176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a"}"#,
        r#"{"round":2,"randomness":"e8fee7dac6eb2b89df97d631cfccedbada7d5d05495bb546eef462e4145fdf8f","signature":"aa18facd2d51b616511d542de6f9af8a3b920121401dad1434ed1db4a565f10e04fad8d9b2b4e3e0094364374caafe9b10478bf75650124831509c638b5a36a7a232ec70289f8751a2adb47fc32eb70b57dc81c39d48cbcac9fec46cdfc31663","previous_signature":"8d61d9100567de44682506aea1a7a6fa6e5491cd27a0a0ed349ef6910ac5ac20ff7bc3e09d7c046566c9f7f3c6f3b10104990e7cb424998203d8f7de586fb7fa5f60045417a432684f85093b06ca91c769f0e7ca19268375e659c2a2352b4655"}"#,
        r#"{"round":3,"randomness":"5e0c316703de0d11cc63439a26a5082ce966f4f1e4068cd64b35fee906a0f84b","signature":"a7b0877eaea7a0222f4c39a2c03434c34f5fe3ea47c533d24b88e5c3053b84775ccb78e984addcb55173f40428513f280cc6e0fccc3c89bb1625c7c0b477deb6faae43fc6ec036f09233bf38da16586b3042dd01a7e9ed97c8bafa343cc6071e","previous_signature":"aa18facd2d51b616511d542de6f9af8a3b920121401dad1434ed1db4a565f10e04fad8d9b2b4e3e0094364374caafe9b10478bf75650124831509c638b5a36a7a232ec70289f8751a2adb47fc32eb70b57dc81c39d48cbcac9fec46cdfc31663"}"#,
    ],
};

/// `mainnet-quicknet.json`: scheme `bls-unchained-g1-rfc9380`.
pub const MAINNET_QUICKNET: Fixture = Fixture {
    name: "mainnet-quicknet",
    chain_json: r#"{"public_key":"83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a","period":3,"genesis_time":1692803367,"hash":"52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971","groupHash":"f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e","schemeID":"bls-unchained-g1-rfc9380","metadata":{"beaconID":"quicknet"}}"#,
    chain_hash: "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    beacons: &[
        r#"{"round":1,"randomness":"1466a6cd24e327188770752f6134001c64d6efcc590ccc26b721611ad96f165a","signature":"b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b"}"#,
        r#"{"round":2,"randomness":"5782d6987841c654515a0e72b2d1ebb4e741234042c37cb19608ae50d93fb60c","signature":"b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db926626807"}"#,
        r#"{"round":3,"randomness":"7ef4621ace1c6da4eb2eee7cd901f81385bca5b189771ec0f08d0d2566dd1a21","signature":"b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64"}"#,
    ],
};

/// `mainnet-fastnet.json`: scheme `bls-unchained-on-g1`.
pub const MAINNET_FASTNET: Fixture = Fixture {
    name: "mainnet-fastnet",
    chain_json: r#"{"public_key":"a0b862a7527fee3a731bcb59280ab6abd62d5c0b6ea03dc4ddf6612fdfc9d01f01c31542541771903475eb1ec6615f8d0df0b8b6dce385811d6dcf8cbefb8759e5e616a3dfd054c928940766d9a5b9db91e3b697e5d70a975181e007f87fca5e","period":3,"genesis_time":1677685200,"hash":"dbd506d6ef76e5f386f41c651dcb808c5bcbd75471cc4eafa3f4df7ad4e4c493","groupHash":"a81e9d63f614ccdb144b8ff79fbd4d5a2d22055c0bfe4ee9a8092003dab1c6c0","schemeID":"bls-unchained-on-g1","metadata":{"beaconID":"fastnet"}}"#,
    chain_hash: "dbd506d6ef76e5f386f41c651dcb808c5bcbd75471cc4eafa3f4df7ad4e4c493",
    beacons: &[
        r#"{"round":1,"randomness":"ef076e4d0b9320bf3f50cb2940777ae6bbee79c3d620d8efc04195bfc0568486","signature":"9544ddce2fdbe8688d6f5b4f98eed5d63eee3902e7e162050ac0f45905a55657714880adabe3c3096b92767d886567d0"}"#,
        r#"{"round":2,"randomness":"08eb40c1dff4076da53d222b2076f06c144391445cfac750815d5cacf51bf7c2","signature":"a050676d1a1b6ceedb5fb3281cdfe88695199971426ff003c0862460b3a72811328a07ecd53b7d57fc82bb67f35efaf1"}"#,
        r#"{"round":3,"randomness":"a4eb0ed6c4132da066843c3bfdce732ce5013eda86e74c136ab8ccc387b798dd","signature":"8176555f90d71aa49ceb37739683749491c2bab15a46094b255289ed25cf8f01cdfb1fe8bd9cd5a19eb09448a3e53186"}"#,
    ],
};

/// `testnet-unchained-3s.json`: scheme `pedersen-bls-unchained`.
pub const TESTNET_UNCHAINED_3S: Fixture = Fixture {
    name: "testnet-unchained-3s",
    chain_json: r#"{"public_key":"8200fc249deb0148eb918d6e213980c5d01acd7fc251900d9260136da3b54836ce125172399ddc69c4e3e11429b62c11","period":3,"genesis_time":1651677099,"hash":"7672797f548f3f4748ac4bf3352fc6c6b6468c9ad40ad456a397545c6e2df5bf","groupHash":"65083634d852ae169e21b6ce5f0410be9ed4cc679b9970236f7875cff667e13d","schemeID":"pedersen-bls-unchained","metadata":{"beaconID":"testnet-unchained-3s"}}"#,
    chain_hash: "7672797f548f3f4748ac4bf3352fc6c6b6468c9ad40ad456a397545c6e2df5bf",
    beacons: &[
        r#"{"round":1,"randomness":"8430af445106a217c174b6265093d386bd3631ccb3dae833b5e645abbb281323","signature":"86ecea71376e78abd19aaf0ad52f462a6483626563b1023bd04815a7b953da888c74f5bf6ee672a5688603ab310026230522898f33f23a7de363c66f90ffd49ec77ebf7f6c1478a9ecd6e714b4d532ab43d044da0a16fed13b4791d7fc999e2b"}"#,
        r#"{"round":1000,"randomness":"3467f5d3118af125fbe8ffa0272e9fd1df026702afd4da50d0a0c8b3ff2dbf21","signature":"a4721e6c3eafcd823f138cd29c6c82e8c5149101d0bb4bafddbac1c2d1fe3738895e4e21dd4b8b41bf007046440220910bb1cdb91f50a84a0d7f33ff2e8577aa62ac64b35a291a728a9db5ac91e06d1312b48a376138d77b4d6ad27c24221afe"}"#,
        r#"{"round":20000,"randomness":"49891540810f410d114b25bdd47e6c14d316da3e513a82e91cc705a9bbb43fb3","signature":"91130cdcb1d7cbc402bbb10caecf3eaa2aa041a8bdc5a3791f24c033431bc0c7a0275c2b76fdcc2031dd613b2641a1a715eb6e97dce0a9c0325426315d5da276bd5ebbf07d2e6a082697e31db1d3e8f7813797d3c5a7ca95e90167404426a7c3"}"#,
    ],
};
