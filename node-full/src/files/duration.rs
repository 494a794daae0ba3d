//! Go `time.Duration` strings, as drand writes `Period` and `CatchupPeriod` in group files.
//!
//! Writing follows `Duration.String()` for whole seconds: `"0s"`, `"3s"`, `"1m0s"`, `"1h0m0s"`.
//! Reading accepts everything `time.ParseDuration` accepts (`"1.5m"`, `"500ms"`, `"1h30m"`),
//! but this node runs on whole seconds, so a value that is not a whole, non-negative number of
//! seconds is a clear error rather than a silent rounding.

const NANOS_PER_SEC: u128 = 1_000_000_000;
/// Go durations are an `i64` of nanoseconds; anything larger cannot come from drand.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Formats whole seconds exactly as Go's `time.Duration.String()` does.
pub fn format_go_duration(secs: u64) -> String {
    let hours = secs / 3600;
    let minutes = (secs % 3600) / 60;
    let seconds = secs % 60;
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not Go duration syntax.
    Syntax(&'static str),
    /// Negative durations make no sense for periods.
    Negative,
    /// Larger than Go's `time.Duration` can hold.
    Overflow,
    /// Not a whole number of seconds (e.g. `"500ms"`): this node needs whole seconds.
    NotWholeSeconds,
}

impl core::fmt::Display for DurationError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DurationError::Syntax(why) => write!(f, "not a Go duration ({why})"),
            DurationError::Negative => f.write_str("negative duration"),
            DurationError::Overflow => f.write_str("duration too large"),
            DurationError::NotWholeSeconds => {
                f.write_str("not a whole number of seconds (sub-second periods are not supported)")
            }
        }
    }
}

/// Parses a Go duration string into nanoseconds (exact, no floating point).
pub fn parse_go_duration_nanos(text: &str) -> Result<u128, DurationError> {
    let mut rest = text;
    let mut negative = false;
    if let Some(r) = rest.strip_prefix('-') {
        negative = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(DurationError::Syntax("empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after_int) = rest.split_at(int_len);
        let (frac_part, after_num) = match after_int.strip_prefix('.') {
            Some(r) => {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                r.split_at(n)
            }
            None => ("", after_int),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(DurationError::Syntax("expected a number"));
        }
        let unit_len = after_num
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after_num.len(), |(i, _)| i);
        let (unit, after_unit) = after_num.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SEC,
            "m" => 60 * NANOS_PER_SEC,
            "h" => 3600 * NANOS_PER_SEC,
            "" => return Err(DurationError::Syntax("missing unit")),
            _ => return Err(DurationError::Syntax("unknown unit")),
        };
        let whole = parse_digits(int_part)?;
        let mut value = whole
            .checked_mul(unit_nanos)
            .ok_or(DurationError::Overflow)?;
        // Fraction: digits beyond nanosecond precision are dropped, as Go does.
        let mut scale = unit_nanos;
        for d in frac_part.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            value = value
                .checked_add(u128::from(d - b'0') * scale)
                .ok_or(DurationError::Overflow)?;
        }
        total = total.checked_add(value).ok_or(DurationError::Overflow)?;
        if total > MAX_NANOS {
            return Err(DurationError::Overflow);
        }
        rest = after_unit;
    }
    if negative && total != 0 {
        return Err(DurationError::Negative);
    }
    Ok(total)
}

fn parse_digits(digits: &str) -> Result<u128, DurationError> {
    let mut v: u128 = 0;
    for d in digits.bytes() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(d - b'0')))
            .filter(|v| *v <= MAX_NANOS)
            .ok_or(DurationError::Overflow)?;
    }
    Ok(v)
}

/// Parses a Go duration that must be a whole number of seconds fitting in a `u32`.
pub fn parse_go_duration_secs(text: &str) -> Result<u32, DurationError> {
    let nanos = parse_go_duration_nanos(text)?;
    if nanos % NANOS_PER_SEC != 0 {
        return Err(DurationError::NotWholeSeconds);
    }
    u32::try_from(nanos / NANOS_PER_SEC).map_err(|_| DurationError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(format_go_duration(0), "0s");
        assert_eq!(format_go_duration(3), "3s");
        assert_eq!(format_go_duration(30), "30s");
        assert_eq!(format_go_duration(60), "1m0s");
        assert_eq!(format_go_duration(90), "1m30s");
        assert_eq!(format_go_duration(3600), "1h0m0s");
        assert_eq!(format_go_duration(3661), "1h1m1s");
        assert_eq!(format_go_duration(100 * 3600), "100h0m0s");
    }

    #[test]
    fn parses_like_go() {
        for (text, secs) in [
            ("0", 0),
            ("0s", 0),
            ("3s", 3),
            ("1m0s", 60),
            ("1h0m0s", 3600),
            ("1.5m", 90),
            ("1h30m", 5400),
            ("+5s", 5),
            ("2000ms", 2),
            ("1000000us", 1),
            ("1000000\u{b5}s", 1),
            ("-0s", 0),
        ] {
            assert_eq!(parse_go_duration_secs(text), Ok(secs), "{text}");
        }
        assert_eq!(parse_go_duration_nanos("500ms"), Ok(500_000_000));
        assert_eq!(parse_go_duration_nanos(".5s"), Ok(500_000_000));
        assert_eq!(
            parse_go_duration_secs("500ms"),
            Err(DurationError::NotWholeSeconds)
        );
        assert_eq!(parse_go_duration_secs("-3s"), Err(DurationError::Negative));
        for bad in ["", "3", "s", "3x", "1..5s", ".s", "3 s", "3s ", "-", "1e3s"] {
            assert!(
                matches!(parse_go_duration_nanos(bad), Err(DurationError::Syntax(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_go_duration_nanos("9999999999999999999999h"),
            Err(DurationError::Overflow)
        );
        assert_eq!(
            parse_go_duration_secs("5000000000s"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn every_whole_second_round_trips() {
        for secs in (0..100_000u64).step_by(7) {
            let text = format_go_duration(secs);
            assert_eq!(u64::from(parse_go_duration_secs(&text).unwrap()), secs);
        }
    }
}
