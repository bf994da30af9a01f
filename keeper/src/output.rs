//! How the operator's commands take amounts and print results: lines for people or JSON for
//! scripts (the amounts' arithmetic is `units`).

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

pub use crate::units::{parse_sol, sol};

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
