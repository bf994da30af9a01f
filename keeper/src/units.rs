//! Amounts and their units, on the ground floor: base units (lamports, a token's smallest unit)
//! read from and written as decimals in exact integer arithmetic. Everything that reads or shows an
//! amount (the config, the CLI, `status`, reports, the agents' door) uses these.

/// The decimals of SOL.
pub const SOL_DECIMALS: u8 = 9;

/// "1.5" in an asset with `decimals` → base units (1.5 SOL → 1,500,000,000), with no float
/// rounding: more decimals than the asset has, a sign, an exponent or an overflow are refused.
pub fn parse_amount(text: &str, decimals: u8) -> Result<u64, String> {
    let invalid = || format!("{text:?} is not an amount (e.g. 1.5; at most {decimals} decimals)");
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    let too_fine = fraction.len() > usize::from(decimals);
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || too_fine {
        return Err(invalid());
    }
    let scale = 10u64.checked_pow(u32::from(decimals)).ok_or_else(invalid)?;
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
    let fraction: u64 = if decimals == 0 {
        0
    } else {
        format!("{fraction:0<width$}", width = usize::from(decimals)).parse().map_err(|_| invalid())?
    };
    whole.checked_mul(scale).and_then(|units| units.checked_add(fraction)).ok_or_else(invalid)
}

/// "1.5" SOL → 1,500,000,000 lamports.
pub fn parse_sol(text: &str) -> Result<u64, String> {
    parse_amount(text, SOL_DECIMALS)
        .map_err(|_| format!("{text:?} is not an amount of SOL (e.g. 1.5; at most 9 decimals)"))
}

/// Base units as a decimal for people: SOL with 9 decimals, tokens with theirs.
pub fn amount(value: u64, decimals: u8) -> String {
    // More decimals than a u64 can scale by: every unit is a fraction, shown in base units.
    let Some(scale) = 10u64.checked_pow(u32::from(decimals)) else { return format!("{value}e-{decimals}") };
    let whole = value / scale;
    let fraction = value % scale;
    if decimals == 0 || fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = usize::from(decimals));
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// SOL for people: 1500000000 → "1.5".
pub fn sol(lamports: u64) -> String {
    amount(lamports, SOL_DECIMALS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sol_amounts_are_exact() {
        assert_eq!(parse_sol("1.5"), Ok(1_500_000_000));
        assert_eq!(parse_sol("0.000000001"), Ok(1));
        assert_eq!(parse_sol("20"), Ok(20_000_000_000));
        assert_eq!(parse_sol(".25"), Ok(250_000_000));
        assert_eq!(parse_sol("18446744073.709551615"), Ok(u64::MAX));
        for bad in ["", ".", "-1", "1.0000000001", "1e9", "18446744073.709551616", "1,5", "one"] {
            assert!(parse_sol(bad).is_err(), "{bad:?}");
        }
        assert_eq!(sol(1_500_000_000), "1.5");
    }

    #[test]
    fn token_amounts_follow_their_decimals() {
        assert_eq!(parse_amount("2.5", 6), Ok(2_500_000));
        assert_eq!(parse_amount("7", 0), Ok(7));
        assert!(parse_amount("0.5", 0).is_err() && parse_amount("0.0000001", 6).is_err());
        assert_eq!((amount(2_500_000, 6), amount(7, 0), amount(10, 1)), ("2.5".into(), "7".into(), "1".into()));
    }
}
