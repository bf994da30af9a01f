//! Every check a config must pass before anything touches the chain; each error names its field.

use super::KeeperConfig;

impl KeeperConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.cluster.url {
            crate::cluster::resolve_url(url).map_err(|error| format!("cluster.url: {error}"))?;
        }
        if let Some(commitment) = &self.cluster.commitment {
            crate::cluster::resolve_commitment(commitment).map_err(|error| format!("cluster.commitment: {error}"))?;
        }
        covenant::policy::validate_config_timelock(self.treasury.config_timelock_seconds)
            .map_err(|error| format!("treasury.config_timelock_seconds: {error}"))?;
        for (i, policy) in self.policies.iter().enumerate() {
            covenant::policy::validate_limits(&self.limits(policy))
                .map_err(|error| format!("policy[{i}] ({}): {error}", crate::decide::asset_name(&policy.asset)))?;
        }
        let mut names = std::collections::HashSet::new();
        for (i, call) in self.x402.calls.iter().enumerate() {
            let at = format!("x402.call[{i}] ({})", call.name);
            match url::Url::parse(&call.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => return Err(format!("{at}: url {:?} is not an http(s) URL", call.url)),
            }
            if reqwest::Method::from_bytes(call.method.to_ascii_uppercase().as_bytes()).is_err() {
                return Err(format!("{at}: {:?} is not an HTTP method", call.method));
            }
            if call.every_seconds == 0 || !names.insert(call.name.as_str()) {
                return Err(format!("{at}: every_seconds must be positive and names unique"));
            }
        }
        for (i, payment) in self.payments.iter().enumerate() {
            if payment.amount == 0 || payment.every_seconds == 0 {
                return Err(format!("payment[{i}] ({}): amount and every_seconds must be positive", payment.name));
            }
        }
        for (i, airdrop) in self.airdrops.iter().enumerate() {
            if airdrop.amount == 0 {
                return Err(format!("airdrop[{i}] ({}): amount must be positive", airdrop.name));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, bounty) in self.bounties.iter().enumerate() {
            if !ids.insert(bounty.id) {
                return Err(format!("bounty[{i}]: bounty {} has two proof rules", bounty.id));
            }
            if covenant_vision::rule::normalise(&bounty.proof.text).is_empty() {
                return Err(format!("bounty[{i}].proof.text: needs at least one letter or digit"));
            }
        }
        let proofs = &self.proofs;
        if [
            proofs.max_bytes,
            proofs.max_pixels,
            proofs.concurrency as u64,
            proofs.det_batch.unwrap_or(1) as u64,
            proofs.max_per_tick as u64,
            proofs.max_regions_per_tick as u64,
        ]
        .contains(&0)
        {
            return Err(
                "proofs: max_bytes, max_pixels, concurrency, max_per_tick, max_regions_per_tick and det_batch must be positive"
                    .into()
            );
        }
        let copies = &proofs.copies;
        if copies.copy_distance > crate::proofs::copies::EXACT_RADIUS || copies.new_distance <= copies.copy_distance {
            return Err(format!(
                "proofs.copies: need copy_distance <= {} and new_distance > copy_distance",
                crate::proofs::copies::EXACT_RADIUS
            ));
        }
        if proofs.timeout_seconds == 0 || !(32..=4096).contains(&proofs.det_side) {
            return Err("proofs: need timeout_seconds > 0 and 32 <= det_side <= 4096".into());
        }
        if let Some(gateway) = &proofs.ipfs_gateway {
            if !(gateway.starts_with("https://") || gateway.starts_with("http://")) {
                return Err(format!("proofs.ipfs_gateway: {gateway:?} is not an http(s) URL"));
            }
        }
        if let Some(uri) = &self.treasury.records_uri {
            if !covenant::state::RecordsLocation::uri_is_valid(uri) {
                return Err(format!(
                    "treasury.records_uri: {uri:?} is not an http(s) or ipfs base URL (at most 200 bytes, no trailing slash)"
                ));
            }
        }
        let (approve, reject) = (self.model.approve_threshold, self.model.reject_threshold);
        if !(0.0..=1.0).contains(&approve) || !(0.0..=1.0).contains(&reject) || reject >= approve {
            return Err("model: need 0 <= reject_threshold < approve_threshold <= 1".into());
        }
        if self.fees.floor_micro_lamports > self.fees.cap_micro_lamports || self.fees.percentile > 100 {
            return Err("fees: need floor_micro_lamports <= cap_micro_lamports and percentile <= 100".into());
        }
        if self.run.attempts == 0 || self.run.max_actions_per_tick == 0 || self.run.max_in_flight == 0 {
            return Err("loop: attempts, max_actions_per_tick and max_in_flight must be positive".into());
        }
        if let Some(shard) = &self.fleet.shard {
            shard.parse::<crate::fleet::Shard>().map_err(|error| format!("fleet.shard: {error}"))?;
        }
        self.mcp.validate()?;
        if self.run.retry_base_ms > self.run.retry_max_ms {
            return Err("loop: retry_base_ms must not exceed retry_max_ms".into());
        }
        Ok(())
    }
}
