//! The config file as text: amounts written in SOL, and TOML errors on one line.

/// Amounts may be written in SOL where the asset is SOL (`per_tx_max = "2 SOL"`, `budget = "0.5
/// SOL"`); integers are base units (lamports, or a token's smallest unit) everywhere. This turns
/// the SOL strings into lamports, and refuses one where the asset is a token.
pub(super) fn sol_amounts(table: &mut toml::Table) -> Result<bool, String> {
    let mut changed = false;
    // (array of tables, its amount fields, the field naming the asset, the asset when unset)
    let fields: [(&str, &[&str], &str, &str); 4] = [
        ("policy", &["per_tx_max", "period_cap", "cosign_threshold"], "asset", ""),
        ("payee", &["budget"], "budget_asset", "SOL"),
        ("payment", &["amount"], "asset", "SOL"),
        ("airdrop", &["amount"], "", ""),
    ];
    for (section, amounts, asset_field, default_asset) in fields {
        let Some(toml::Value::Array(entries)) = table.get_mut(section) else { continue };
        for (index, entry) in entries.iter_mut().enumerate() {
            let Some(entry) = entry.as_table_mut() else { continue };
            let asset = entry.get(asset_field).and_then(toml::Value::as_str).unwrap_or(default_asset).to_string();
            for field in amounts.iter().copied() {
                let Some(toml::Value::String(text)) = entry.get(field) else { continue };
                let at = format!("{section}[{index}].{field}");
                let Some(sol) = text.trim().strip_suffix("SOL").map(str::trim) else {
                    return Err(format!("{at}: {text:?} is not an amount (base units as an integer, or \"1.5 SOL\")"));
                };
                if !asset.eq_ignore_ascii_case("sol") {
                    return Err(format!("{at}: {text:?} is in SOL but the asset is a token: give base units"));
                }
                let lamports = crate::units::parse_sol(sol).map_err(|error| format!("{at}: {error}"))?;
                let lamports = i64::try_from(lamports).map_err(|_| format!("{at}: {text:?} is too large"))?;
                entry.insert(field.to_string(), toml::Value::Integer(lamports));
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// A TOML error on one line: where (line and the line itself, which names the key) and what.
pub fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end().replace('\n', " ");
    let Some(span) = error.span() else { return message };
    let start = span.start.min(text.len());
    let line_number = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_number - 1).unwrap_or_default().trim();
    let line: String = line.chars().take(60).collect();
    format!("line {line_number} (`{line}`): {message}")
}

#[cfg(test)]
mod tests {
    use crate::config::KeeperConfig;

    const BASE: &str = "[keys]\nkeeper = \"k.json\"\n[treasury]\nid = 1\n";

    #[test]
    fn sol_amounts_are_lamports_and_integers_stay_base_units() {
        let text = format!(
            "{BASE}[[policy]]\nasset = \"SOL\"\nper_tx_max = \"2 SOL\"\nperiod_seconds = 60\nperiod_cap = 5_000_000_000\n\
             [[payee]]\nrecipient = \"11111111111111111111111111111112\"\nlabel = \"gpu\"\ncategory = \"inference\"\nbudget = \"0.25 SOL\"\n"
        );
        let config = KeeperConfig::parse(&text).expect("parses");
        assert_eq!((config.policies[0].per_tx_max, config.policies[0].period_cap), (2_000_000_000, 5_000_000_000));
        assert_eq!(config.payees[0].budget, Some(250_000_000));
    }

    #[test]
    fn sol_for_a_token_or_a_bad_amount_is_refused_with_its_field() {
        let token = "[[policy]]\nasset = \"So11111111111111111111111111111111111111112\"\nper_tx_max = \"1 SOL\"\nperiod_seconds = 60\nperiod_cap = 5\n";
        let error = KeeperConfig::parse(&format!("{BASE}{token}")).unwrap_err();
        assert!(error.starts_with("policy[0].per_tx_max:") && error.contains("asset is a token"), "{error}");
        let bad = "[[payment]]\nname = \"x\"\nrecipient = \"11111111111111111111111111111112\"\namount = \"lots\"\nevery_seconds = 60\n";
        let error = KeeperConfig::parse(&format!("{BASE}{bad}")).unwrap_err();
        assert!(error.starts_with("payment[0].amount:") && error.contains("1.5 SOL"), "{error}");
        let typo = KeeperConfig::parse(&format!("{BASE}[loop]\nticks = 3\n")).unwrap_err();
        assert!(typo.starts_with("line 6 (`ticks = 3`): unknown field `ticks`"), "{typo}");
    }
}
