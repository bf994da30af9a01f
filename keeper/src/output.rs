//! How the operator's commands read amounts and print results: SOL amounts in exact integer
//! arithmetic, and lines for people or JSON for scripts.

/// An amount of SOL: `--amount` in SOL (exact, up to 9 decimals) or `--lamports`.
#[derive(clap::Args, Clone, Debug)]
#[group(required = true, multiple = false)]
pub struct AmountArgs {
    /// In SOL, e.g. 1.5.
    #[arg(long, value_parser = parse_sol)]
    amount: Option<u64>,
    /// In lamports.
    #[arg(long)]
    lamports: Option<u64>,
}

impl AmountArgs {
    pub fn lamports(&self) -> u64 {
        self.amount.or(self.lamports).unwrap_or_default()
    }
}

/// "1.5" SOL → 1,500,000,000 lamports, in integer arithmetic (no float rounding).
pub fn parse_sol(text: &str) -> Result<u64, String> {
    let invalid = || format!("{text:?} is not an amount of SOL (e.g. 1.5; at most 9 decimals)");
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return Err(invalid());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
    let fraction: u64 = format!("{fraction:0<9}").parse().map_err(|_| invalid())?;
    whole.checked_mul(1_000_000_000).and_then(|lamports| lamports.checked_add(fraction)).ok_or_else(invalid)
}

/// SOL for people: 1500000000 → "1.5".
pub fn sol(lamports: u64) -> String {
    crate::sim::report::amount(lamports, 9)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How commands print what they did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Lines for people.
    Display,
    /// One pretty JSON object.
    Json,
    /// One JSON object on one line.
    JsonCompact,
}

pub fn emit(output: Output, text: String, value: serde_json::Value) -> anyhow::Result<()> {
    match output {
        Output::Display => println!("{text}"),
        Output::Json => println!("{}", serde_json::to_string_pretty(&value)?),
        Output::JsonCompact => println!("{}", serde_json::to_string(&value)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse_sol, sol};

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
}
