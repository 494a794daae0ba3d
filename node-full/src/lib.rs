//! # drand-node
//!
//! A drand-compatible threshold BLS randomness beacon node. The protocol logic (`crypto`,
//! `engine`) is pure and knows nothing of I/O; `store`, `net`, `http` and `daemon` are the thin
//! shell that wires it to disks, sockets and clocks. Beacons are verified with `drand-lite`'s
//! verifier: there is one verifier in the project.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ceremony;
pub mod cli;
pub mod crypto;
pub mod daemon;
pub mod dkg;
pub mod engine;
pub mod files;
pub mod http;
pub mod net;
pub mod proto;
pub mod store;
