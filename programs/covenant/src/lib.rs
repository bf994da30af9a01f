//! Covenant: on-chain spend policies for autonomous AI agents.
//!
//! An operator creates an agent treasury; its keeper (the agent's hot key) spends within per-asset
//! policies; a guardian can pause it; donors give to it. See `README.md` for the whole picture.

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod mint_rules;
pub mod policy;
#[cfg(not(target_os = "solana"))]
pub mod sdk;
pub mod state;

use instructions::*;
use policy::{ConfigChange, PolicyLimits, PriceFeed, UsdLimits};
use state::DecisionRecord;

declare_id!("Gt8kjCXBeKURSw35ZpHrW1CCqTxcbGyaaJA48GAqzs7b");

/// The entry for hosts that run the program natively as a builtin (solana-program-test banks, the
/// localnet validator). `processor!` needs a plain fn whose accounts slice and `AccountInfo`s have
/// independent lifetimes; Anchor's generated `entry` ties them together.
#[cfg(not(target_os = "solana"))]
pub fn native_entry(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: only lifetimes change; the runtime keeps every account buffer alive for the call.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    entry(program_id, accounts, data)
}

#[program]
pub mod covenant {
    use super::*;

    // ----- operator -----

    /// Creates an agent treasury and its SOL vault for (operator, treasury_id).
    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_treasury(ctx: Context<CreateTreasury>, args: CreateTreasuryArgs) -> Result<()> {
        create_treasury_handler(ctx, args)
    }

    /// Replaces the keeper key; the old key loses every power at once.
    #[access_control(ctx.accounts.validate(&new_keeper))]
    pub fn set_keeper(ctx: Context<SetKeeper>, new_keeper: Pubkey) -> Result<()> {
        set_keeper_handler(ctx, new_keeper)
    }

    /// Sets or removes the guardian.
    #[access_control(ctx.accounts.validate(&new_guardian))]
    pub fn set_guardian(ctx: Context<SetGuardian>, new_guardian: Option<Pubkey>) -> Result<()> {
        set_guardian_handler(ctx, new_guardian)
    }

    /// Says on chain where the keeper publishes its decision records.
    #[access_control(ctx.accounts.validate(&uri))]
    pub fn set_records_uri(ctx: Context<SetRecordsUri>, uri: String) -> Result<()> {
        set_records_uri_handler(ctx, uri)
    }

    /// Lifts a pause.
    #[access_control(ctx.accounts.validate())]
    pub fn unpause(ctx: Context<Unpause>) -> Result<()> {
        unpause_handler(ctx)
    }

    /// Creates the spend policy for native SOL.
    #[access_control(ctx.accounts.validate(&limits))]
    pub fn create_sol_policy(ctx: Context<CreateSolPolicy>, limits: PolicyLimits) -> Result<()> {
        create_sol_policy_handler(ctx, limits)
    }

    /// Creates the spend policy for an SPL Token or Token-2022 mint and the vault's token account.
    #[access_control(ctx.accounts.validate(&limits))]
    pub fn create_token_policy(ctx: Context<CreateTokenPolicy>, limits: PolicyLimits) -> Result<()> {
        create_token_policy_handler(ctx, limits)
    }

    /// Replaces a policy's limits; the current window's usage still counts.
    #[access_control(ctx.accounts.validate(&limits))]
    pub fn update_policy(ctx: Context<UpdatePolicy>, limits: PolicyLimits) -> Result<()> {
        update_policy_handler(ctx, limits)
    }

    /// Removes a policy (the asset can no longer be spent); rent returns to the operator.
    pub fn close_policy(ctx: Context<ClosePolicy>) -> Result<()> {
        close_policy_handler(ctx)
    }

    /// Adds a recipient to the payee allowlist with a category, optional budget and expiry.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn add_payee(ctx: Context<AddPayee>, args: AddPayeeArgs) -> Result<()> {
        add_payee_handler(ctx, args)
    }

    /// Changes a payee's label, category, budget or expiry.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_payee(ctx: Context<UpdatePayee>, args: UpdatePayeeArgs) -> Result<()> {
        update_payee_handler(ctx, args)
    }

    /// Removes a payee; rent returns to the operator.
    pub fn remove_payee(ctx: Context<RemovePayee>) -> Result<()> {
        remove_payee_handler(ctx)
    }

    /// Co-signs a pending spend: the keeper may execute it without waiting out the timelock.
    #[access_control(ctx.accounts.validate())]
    pub fn approve_pending(ctx: Context<ApprovePending>) -> Result<()> {
        approve_pending_handler(ctx)
    }

    /// Queues a change that loosens the rules; it runs, by the operator's own instruction, after
    /// the treasury's config timelock unless the guardian or operator cancels it first.
    #[access_control(ctx.accounts.validate(&change))]
    pub fn queue_config_change(ctx: Context<QueueConfigChange>, change: ConfigChange) -> Result<()> {
        queue_config_change_handler(ctx, change)
    }

    /// Queues an unpause or a guardian change the guardian cannot cancel, after the config timelock
    /// plus a week: the way out when a guardian never lifts its pause.
    #[access_control(ctx.accounts.validate(&change))]
    pub fn queue_guardian_override(ctx: Context<QueueConfigChange>, change: ConfigChange) -> Result<()> {
        queue_guardian_override_handler(ctx, change)
    }

    /// Changes the config timelock: longer at once, shorter only as a matured queued change.
    #[access_control(ctx.accounts.validate(seconds))]
    pub fn set_config_timelock(ctx: Context<SetConfigTimelock>, seconds: u32) -> Result<()> {
        set_config_timelock_handler(ctx, seconds)
    }

    // ----- keeper -----

    /// Pays SOL from the vault within the policy and payee rules.
    #[access_control(ctx.accounts.validate())]
    pub fn spend_sol(ctx: Context<SpendSol>, amount: u64, decision: DecisionRecord) -> Result<()> {
        spend_sol_handler(ctx, amount, decision)
    }

    /// Pays tokens from the vault within the policy and payee rules.
    #[access_control(ctx.accounts.validate())]
    pub fn spend_token(ctx: Context<SpendToken>, amount: u64, decision: DecisionRecord) -> Result<()> {
        spend_token_handler(ctx, amount, decision)
    }

    /// Marks keeper action `sequence` under `key` done for the treasury, once: sent in the same
    /// transaction as a scheduled payment, its proposal or an airdrop, so racing keepers land it once.
    pub fn mark_action(ctx: Context<MarkAction>, key: [u8; 32], sequence: u64) -> Result<()> {
        mark_action_handler(ctx, key, sequence)
    }

    /// Proposes a spend above the co-sign threshold; it waits for the timelock or the operator.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn propose_spend(ctx: Context<ProposeSpend>, args: ProposeSpendArgs) -> Result<()> {
        propose_spend_handler(ctx, args)
    }

    /// Executes a matured or approved SOL pending spend.
    #[access_control(ctx.accounts.validate())]
    pub fn execute_pending_sol(ctx: Context<ExecutePendingSol>) -> Result<()> {
        execute_pending_sol_handler(ctx)
    }

    /// Executes a matured or approved token pending spend.
    #[access_control(ctx.accounts.validate())]
    pub fn execute_pending_token(ctx: Context<ExecutePendingToken>) -> Result<()> {
        execute_pending_token_handler(ctx)
    }

    // ----- dollars and swaps -----

    /// Sets or removes the treasury's USD caps (per transaction and per period, over every asset).
    #[access_control(ctx.accounts.validate_limits(&limits))]
    pub fn set_usd_limits(ctx: Context<SetUsdRules>, limits: Option<UsdLimits>) -> Result<()> {
        set_usd_limits_handler(ctx, limits)
    }

    /// Pins or removes the Pyth feed that prices an asset, with its age, confidence and EMA terms.
    #[access_control(ctx.accounts.validate_feed(&feed))]
    pub fn set_price_feed(ctx: Context<SetUsdRules>, asset: Pubkey, feed: Option<PriceFeed>) -> Result<()> {
        set_price_feed_handler(ctx, asset, feed)
    }

    /// Allowlists or removes a program the vault may swap through, with its maximum slippage.
    #[access_control(ctx.accounts.validate_venue(&program, max_slippage_bps))]
    pub fn set_swap_venue(ctx: Context<SetUsdRules>, program: Pubkey, max_slippage_bps: Option<u16>) -> Result<()> {
        set_swap_venue_handler(ctx, program, max_slippage_bps)
    }

    /// Sells up to `amount_in` of one vault asset for another through an allowlisted program; the
    /// outcome is checked against oracle prices, the native policy and the USD caps.
    #[access_control(ctx.accounts.validate(amount_in))]
    pub fn swap<'info>(
        ctx: Context<'info, Swap<'info>>,
        amount_in: u64,
        swap_data: Vec<u8>,
        decision: DecisionRecord,
    ) -> Result<()> {
        swap_handler(ctx, amount_in, swap_data, decision)
    }

    // ----- meme token -----

    /// Launches a Token-2022 meme token with in-mint metadata, a hard supply cap and a keeper mint
    /// cap; the treasury PDA holds the mint authority, there is no freeze authority.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn launch_meme<'info>(ctx: Context<'info, LaunchMeme<'info>>, args: LaunchMemeArgs) -> Result<()> {
        launch_meme_handler(ctx, args)
    }

    /// Mints the meme token to a recipient within the hard cap, the period cap and the payee rules.
    #[access_control(ctx.accounts.validate())]
    pub fn mint_meme(ctx: Context<MintMeme>, amount: u64, decision: DecisionRecord) -> Result<()> {
        mint_meme_handler(ctx, amount, decision)
    }

    /// Points the meme token's metadata at a new URI.
    #[access_control(ctx.accounts.validate(&uri))]
    pub fn update_meme_uri(ctx: Context<UpdateMemeUri>, uri: String) -> Result<()> {
        update_meme_uri_handler(ctx, uri)
    }

    /// Gives up the meme token's mint authority forever.
    #[access_control(ctx.accounts.validate())]
    pub fn renounce_meme(ctx: Context<RenounceMeme>) -> Result<()> {
        renounce_meme_handler(ctx)
    }

    // ----- bounties -----

    /// Opens a bounty funded from the vault (a spend under the asset's policy); keeper or operator.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_bounty(ctx: Context<CreateBounty>, args: CreateBountyArgs) -> Result<()> {
        create_bounty_handler(ctx, args)
    }

    /// Claims a bounty with proof; one claim per wallet, before the deadline.
    #[access_control(ctx.accounts.validate(&proof_uri))]
    pub fn submit_claim(ctx: Context<SubmitClaim>, proof_uri: String, proof_hash: [u8; 32]) -> Result<()> {
        submit_claim_handler(ctx, proof_uri, proof_hash)
    }

    /// Approves a pending claim, once: paid now, or after the bounty's challenge window.
    #[access_control(ctx.accounts.validate())]
    pub fn approve_claim(ctx: Context<ApproveClaim>, decision: DecisionRecord) -> Result<()> {
        approve_claim_handler(ctx, decision)
    }

    /// Rejects a pending claim with a reason code.
    #[access_control(ctx.accounts.validate())]
    pub fn reject_claim(ctx: Context<RejectClaim>, reason_code: u16, decision: DecisionRecord) -> Result<()> {
        reject_claim_handler(ctx, reason_code, decision)
    }

    /// Pays an approved claim once its challenge window passed undisputed (or a ruling left it
    /// approved); anyone may crank it.
    #[access_control(ctx.accounts.validate())]
    pub fn pay_claim(ctx: Context<PayClaim>) -> Result<()> {
        pay_claim_handler(ctx)
    }

    /// Challenges an unpaid approval (anyone) or appeals a rejection (its claimant), posting the
    /// bounty's bond, within its challenge window.
    pub fn dispute_claim(ctx: Context<DisputeClaim>, bond: u64) -> Result<()> {
        dispute_claim_handler(ctx, bond)
    }

    /// The arbiter's ruling: uphold (`false`) or overturn (`true`) the disputed decision.
    #[access_control(ctx.accounts.validate_ruling())]
    pub fn rule_dispute(ctx: Context<SettleDispute>, overturn: bool) -> Result<()> {
        settle_dispute_handler(ctx, Some(overturn))
    }

    /// After the ruling deadline, anyone applies the default: the decision stands, the bond returns.
    #[access_control(ctx.accounts.validate_lapse())]
    pub fn lapse_dispute(ctx: Context<SettleDispute>) -> Result<()> {
        settle_dispute_handler(ctx, None)
    }

    /// Closes a bounty after its deadline: the unpaid rest returns to the vault.
    #[access_control(ctx.accounts.validate())]
    pub fn close_bounty(ctx: Context<CloseBounty>) -> Result<()> {
        close_bounty_handler(ctx)
    }

    /// Closes a claim of a closed bounty; rent returns to the claimant.
    #[access_control(ctx.accounts.validate())]
    pub fn close_claim(ctx: Context<CloseClaim>) -> Result<()> {
        close_claim_handler(ctx)
    }

    // ----- grants -----

    /// Funds a grant escrow for a treasury with a release schedule, optional payees and an expiry.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_grant(ctx: Context<CreateGrant>, args: CreateGrantArgs) -> Result<()> {
        create_grant_handler(ctx, args)
    }

    /// Adds to a grant (the donor); the addition vests on the same schedule.
    #[access_control(ctx.accounts.validate(amount))]
    pub fn top_up_grant(ctx: Context<TopUpGrant>, amount: u64) -> Result<()> {
        top_up_grant_handler(ctx, amount)
    }

    /// Moves what has vested into the treasury's vault (anyone may crank it).
    #[access_control(ctx.accounts.validate())]
    pub fn release_grant(ctx: Context<ReleaseGrant>) -> Result<()> {
        release_grant_handler(ctx)
    }

    /// Pays one of a restricted grant's payees from its escrow, within the treasury's policy.
    #[access_control(ctx.accounts.validate(amount))]
    pub fn spend_grant(ctx: Context<SpendGrant>, amount: u64, decision: DecisionRecord) -> Result<()> {
        spend_grant_handler(ctx, amount, decision)
    }

    /// After expiry, returns everything not released or spent to the donor.
    #[access_control(ctx.accounts.validate())]
    pub fn claw_back_grant(ctx: Context<ClawBackGrant>) -> Result<()> {
        claw_back_grant_handler(ctx)
    }

    /// Closes an empty grant; rent returns to the donor.
    #[access_control(ctx.accounts.validate())]
    pub fn close_grant(ctx: Context<CloseGrant>) -> Result<()> {
        close_grant_handler(ctx)
    }

    // ----- guardian -----

    /// Stops all outflows (guardian or operator).
    #[access_control(ctx.accounts.validate())]
    pub fn pause(ctx: Context<Pause>) -> Result<()> {
        pause_handler(ctx)
    }

    /// Cancels a pending spend (guardian or operator).
    #[access_control(ctx.accounts.validate())]
    pub fn cancel_pending(ctx: Context<CancelPending>) -> Result<()> {
        cancel_pending_handler(ctx)
    }

    /// Cancels a queued config change (guardian or operator; a guardian override, the operator only).
    #[access_control(ctx.accounts.validate())]
    pub fn cancel_config_change(ctx: Context<CancelConfigChange>) -> Result<()> {
        cancel_config_change_handler(ctx)
    }

    // ----- crank -----

    /// Closes an executed, cancelled or expired pending spend; rent returns to its proposer.
    #[access_control(ctx.accounts.validate())]
    pub fn close_pending(ctx: Context<ClosePending>) -> Result<()> {
        close_pending_handler(ctx)
    }

    // ----- donor -----

    /// Gives SOL to the treasury's vault, on the record.
    #[access_control(ctx.accounts.validate(amount, &memo))]
    pub fn donate_sol(ctx: Context<DonateSol>, amount: u64, memo: String) -> Result<()> {
        donate_sol_handler(ctx, amount, memo)
    }

    /// Gives tokens to the treasury's vault token account, on the record.
    #[access_control(ctx.accounts.validate(amount, &memo))]
    pub fn donate_token(ctx: Context<DonateToken>, amount: u64, memo: String) -> Result<()> {
        donate_token_handler(ctx, amount, memo)
    }
}
