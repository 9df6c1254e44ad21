//! Calendar arithmetic for UTC timestamps (Howard Hinnant's days-from-civil):
//! node logs carry dates, MicroServo wants epoch seconds and ISO dates, and a
//! date library for two functions would be a heavy dependency.

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `2026-12-01T23:44:16.059Z` (milliseconds) for ns since the epoch.
pub(crate) fn iso_millis(wall_ns: i128) -> String {
    let secs = wall_ns.div_euclid(1_000_000_000) as i64;
    let millis = (wall_ns.rem_euclid(1_000_000_000) / 1_000_000) as u32;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Whole seconds since the epoch (MicroServo's 10-digit timestamps).
pub(crate) fn epoch_secs(wall_ns: i128) -> i64 {
    wall_ns.div_euclid(1_000_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for (y, m, d, days) in [
            (1970, 1, 1, 0),
            (2000, 2, 29, 11_016),
            (2026, 12, 1, 20_788),
            (1969, 12, 31, -1),
        ] {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d));
        }
    }

    #[test]
    fn formats_iso_and_epoch_seconds() {
        // date -u -d @1796168656 → 2026-12-01T23:44:16Z
        let ns = 1_796_168_656_059_322_000i128;
        assert_eq!(iso_millis(ns), "2026-12-01T23:44:16.059Z");
        assert_eq!(epoch_secs(ns), 1_796_168_656);
    }
}
