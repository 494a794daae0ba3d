//! Reading inputs: files or `-` for stdin, with a size cap so a huge file cannot exhaust memory,
//! and the chain info with its optional pin.

use std::io::Read;
use std::path::Path;

use drand_lite::{ChainHash, ChainInfo};

use crate::Failure;

/// Largest input file read (a batch of beacons; single documents have tighter caps inside).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a whole file, or stdin for `-`, as UTF-8.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let shown = path.display();
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::Usage(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::Usage(format!(
            "{shown} is larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|_| Failure::Invalid(format!("{shown} is not UTF-8 text")))
}

/// Parses a `--chain-hash` argument (a usage error if malformed).
pub fn parse_pin(pin: Option<&str>) -> Result<Option<ChainHash>, Failure> {
    pin.map(|text| {
        ChainHash::parse(text)
            .map_err(|e| Failure::Usage(format!("--chain-hash: {e} (expected 64 hex digits)")))
    })
    .transpose()
}

/// Loads chain info from a file and checks it against the pin, if any.
pub fn load_chain(path: &Path, pin: Option<&ChainHash>) -> Result<ChainInfo, Failure> {
    let text = read_text(path)?;
    let info = ChainInfo::from_json(&text)
        .map_err(|e| Failure::Invalid(format!("chain info {}: {e}", path.display())))?;
    if let Some(pin) = pin {
        info.check_pin(pin)
            .map_err(|e| Failure::Invalid(format!("chain info {}: {e}", path.display())))?;
    }
    Ok(info)
}
