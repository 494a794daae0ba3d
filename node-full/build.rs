//! Compiles the gRPC schema in `proto/` (packages `drand` and `dkg`, named as drand's so method
//! paths match) with `protoc` (Debian `protobuf-compiler`).
use std::path::{Path, PathBuf};

fn protos(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            protos(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let mut files = Vec::new();
    if Path::new("proto").is_dir() {
        protos(Path::new("proto"), &mut files)?;
    }
    files.sort();
    if files.is_empty() {
        return Ok(());
    }
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_protos(&files, &[PathBuf::from("proto")])?;
    Ok(())
}
