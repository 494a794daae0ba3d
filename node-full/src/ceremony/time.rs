//! Timestamps as drand's ceremony sees them: a protobuf `Timestamp` read as a Go `time.Time`
//! in UTC, and Go's `MarshalBinary` form of it, which is inside every signed gossip packet.

use core::fmt;

use super::CeremonyError;

/// Seconds from 0001-01-01T00:00:00Z (Go's internal zero) to the Unix epoch.
pub const GO_UNIX_TO_INTERNAL: i64 = 62_135_596_800;

/// The earliest time a protobuf `Timestamp` may hold (0001-01-01T00:00:00Z).
pub const MIN_SECS: i64 = -GO_UNIX_TO_INTERNAL;

/// The latest second a protobuf `Timestamp` may hold (9999-12-31T23:59:59Z).
pub const MAX_SECS: i64 = 253_402_300_799;

const NANOS_PER_SEC: u32 = 1_000_000_000;

/// A point in time, UTC, with nanoseconds (a Go `time.Time` / protobuf `Timestamp`).
///
/// Ordering is chronological for valid values (`nanos < 10^9`); [`Timestamp::new`] checks
/// that, and the protobuf range, for values that come from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp {
    /// Seconds since the Unix epoch (negative before 1970).
    pub secs: i64,
    /// Nanoseconds within the second, `0..10^9`.
    pub nanos: u32,
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z, drand's timeout of a fresh state.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// A checked timestamp: `nanos < 10^9` and within the protobuf `Timestamp` range
    /// (years 1 to 9999).
    pub fn new(secs: i64, nanos: u32) -> Result<Timestamp, CeremonyError> {
        if nanos >= NANOS_PER_SEC || !(MIN_SECS..=MAX_SECS).contains(&secs) {
            return Err(CeremonyError::InvalidTimestamp {
                secs,
                nanos: i64::from(nanos),
            });
        }
        Ok(Timestamp { secs, nanos })
    }

    /// A checked timestamp from protobuf fields (`nanos` is an `int32` there).
    pub fn from_proto(seconds: i64, nanos: i32) -> Result<Timestamp, CeremonyError> {
        let n = u32::try_from(nanos).map_err(|_| CeremonyError::InvalidTimestamp {
            secs: seconds,
            nanos: i64::from(nanos),
        })?;
        Timestamp::new(seconds, n)
    }

    /// A whole-second timestamp.
    pub fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// The timestamp `ms` milliseconds after the Unix epoch.
    pub fn from_unix_millis(ms: u64) -> Timestamp {
        let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
        // `ms % 1000 < 1000`, so the product is below 10^9.
        let nanos = u32::try_from(ms % 1000).unwrap_or(0) * 1_000_000;
        Timestamp { secs, nanos }
    }

    /// Milliseconds since the Unix epoch (rounded down); 0 for times before 1970.
    pub fn unix_millis(&self) -> u64 {
        match u64::try_from(self.secs) {
            Ok(secs) => secs
                .saturating_mul(1000)
                .saturating_add(u64::from(self.nanos / 1_000_000)),
            Err(_) => 0,
        }
    }

    /// The Unix second, rounded up when there are nanoseconds (the first whole second at or
    /// after this time).
    pub fn ceil_secs(&self) -> i64 {
        if self.nanos > 0 {
            self.secs.saturating_add(1)
        } else {
            self.secs
        }
    }

    /// This time plus `ms` milliseconds (saturating at the largest representable second).
    pub fn plus_millis(&self, ms: u64) -> Timestamp {
        let add_secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
        let add_nanos = u32::try_from(ms % 1000).unwrap_or(0) * 1_000_000;
        let nanos = self.nanos.saturating_add(add_nanos);
        let (carry, nanos) = if nanos >= NANOS_PER_SEC {
            (1, nanos - NANOS_PER_SEC)
        } else {
            (0, nanos)
        };
        Timestamp {
            secs: self.secs.saturating_add(add_secs).saturating_add(carry),
            nanos,
        }
    }

    /// Go's `time.Time.MarshalBinary` of this time in UTC, 15 bytes:
    /// `0x01 ‖ BE64(secs + 62135596800) ‖ BE32(nanos) ‖ 0xFFFF` (version 1, seconds since
    /// 0001-01-01, nanoseconds, zone offset −1 meaning UTC). This is the `T(x)` of §1.10.
    pub fn go_binary(&self) -> [u8; 15] {
        let internal = self.secs.wrapping_add(GO_UNIX_TO_INTERNAL).to_be_bytes();
        let nanos = self.nanos.to_be_bytes();
        let [s0, s1, s2, s3, s4, s5, s6, s7] = internal;
        let [n0, n1, n2, n3] = nanos;
        [
            1, s0, s1, s2, s3, s4, s5, s6, s7, n0, n1, n2, n3, 0xFF, 0xFF,
        ]
    }

    /// Parses Go's 15-byte UTC `MarshalBinary` form (the inverse of [`Timestamp::go_binary`]).
    pub fn from_go_binary(bytes: &[u8]) -> Result<Timestamp, CeremonyError> {
        let bad = |why: &str| CeremonyError::BadGoTime {
            problem: why.to_owned(),
        };
        let bytes: &[u8; 15] = bytes
            .try_into()
            .map_err(|_| bad(&format!("{} bytes, expected 15", bytes.len())))?;
        let [
            version,
            s0,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            s7,
            n0,
            n1,
            n2,
            n3,
            z0,
            z1,
        ] = *bytes;
        if version != 1 {
            return Err(bad(&format!("version {version}, expected 1")));
        }
        if [z0, z1] != [0xFF, 0xFF] {
            return Err(bad("the zone is not UTC (offset bytes are not 0xFFFF)"));
        }
        let internal = i64::from_be_bytes([s0, s1, s2, s3, s4, s5, s6, s7]);
        let secs = internal
            .checked_sub(GO_UNIX_TO_INTERNAL)
            .ok_or_else(|| bad("seconds out of range"))?;
        Timestamp::new(secs, u32::from_be_bytes([n0, n1, n2, n3]))
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC (`2024-02-21T10:00:00Z`, with nanoseconds when there are any).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !(MIN_SECS..=MAX_SECS).contains(&self.secs) {
            return write!(f, "unix {}s", self.secs);
        }
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            write!(f, ".{:09}", self.nanos)?;
        }
        f.write_str("Z")
    }
}
