use anchor_lang::prelude::*;
use anchor_spl::associated_token::{self, get_associated_token_address_with_program_id, AssociatedToken};
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::MAX_BOUNTY_DESCRIPTION_LEN;
use crate::errors::CovenantError;
use crate::events::BountyCreated;
use crate::instructions::create::{write_account, Funding};
use crate::instructions::usd_gate::charge_usd;
use crate::instructions::vault::{pay_sol, TokenPayment};
use crate::policy::{bounty_funding, dispute_arbiter, enforce_keeper_spend, enforce_spend};
use crate::state::{Bounty, DecisionRecord, DisputeTerms, SpendPolicy, Treasury};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateBountyArgs {
    pub reward: u64,
    pub max_claims: u32,
    pub deadline: i64,
    /// What to do to earn it (or a URI describing it).
    pub description: String,
    /// The model's decision when the keeper creates it; the operator passes the default.
    pub decision: DecisionRecord,
    /// Every claim's photo must show the claimant's own code (see `Bounty::claim_code`).
    pub claim_code: bool,
    /// Challenge window, bond and arbiter (all zero: approvals pay at once, no disputes).
    pub disputes: DisputeTerms,
}

#[event_cpi]
#[derive(Accounts)]
pub struct CreateBounty<'info> {
    /// The keeper or the operator; pays the bounty's rent and gets it back on close.
    #[account(mut)]
    pub creator: Signer<'info>,
    #[account(mut)]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub policy: Box<Account<'info, SpendPolicy>>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(
        mut,
        seeds = [Bounty::SEED, treasury.key().as_ref(), &treasury.next_bounty_id.to_le_bytes()],
        bump,
    )]
    pub bounty: UncheckedAccount<'info>,
    /// Token bounties only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub vault_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    /// CHECK: the bounty's associated token account for the mint, checked and created by the handler.
    #[account(mut)]
    pub escrow_token_account: Option<UncheckedAccount<'info>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
    pub associated_token_program: Option<Program<'info, AssociatedToken>>,
    pub system_program: Program<'info, System>,
}

impl CreateBounty<'_> {
    pub fn validate(&self, args: &CreateBountyArgs) -> Result<()> {
        let creator = self.creator.key();
        let by_operator = creator == self.treasury.operator;
        require!(by_operator || creator == self.treasury.keeper, CovenantError::NotKeeperOrOperator);
        self.treasury.require_active()?;
        // Anyone can claim a bounty: under an allowlist that would let a keeper pay wallets the
        // operator never approved, so there only the operator opens one.
        require!(by_operator || !self.policy.limits.allowlist_required, CovenantError::BountyNeedsOperator);
        require!(args.description.len() <= MAX_BOUNTY_DESCRIPTION_LEN, CovenantError::InvalidBountyTerms);
        self.check_token_accounts()
    }

    fn check_token_accounts(&self) -> Result<()> {
        if self.policy.is_sol() {
            require!(self.mint.is_none(), CovenantError::PolicyAssetMismatch);
            return Ok(());
        }
        let (Some(mint), Some(vault_tokens), Some(escrow), Some(token_program), Some(_)) = (
            &self.mint,
            &self.vault_token_account,
            &self.escrow_token_account,
            &self.token_program,
            &self.associated_token_program,
        ) else {
            return err!(CovenantError::TokenAccountsRequired);
        };
        require_keys_eq!(mint.key(), self.policy.asset, CovenantError::PolicyAssetMismatch);
        require_keys_eq!(token_program.key(), self.policy.token_program, CovenantError::TokenProgramMismatch);
        require_keys_eq!(vault_tokens.owner, self.vault.key(), CovenantError::VaultTokenAccountMismatch);
        require_keys_eq!(vault_tokens.mint, mint.key(), CovenantError::MintMismatch);
        let expected =
            get_associated_token_address_with_program_id(&self.bounty.key(), &mint.key(), &token_program.key());
        require_keys_eq!(escrow.key(), expected, CovenantError::EscrowAccountMismatch);
        Ok(())
    }
}

/// Funding a bounty is a spend: `reward * max_claims` leaves the vault under the policy's per-tx
/// max and window cap (and, for the keeper, its co-sign threshold) into the bounty's escrow.
pub fn create_bounty_handler(ctx: Context<CreateBounty>, args: CreateBountyArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let by_operator = accounts.creator.key() == accounts.treasury.operator;
    let funding = bounty_funding(args.reward, args.max_claims, args.deadline, now)?;
    let terms = args.disputes;
    let treasury = &accounts.treasury;
    let arbiter =
        dispute_arbiter(terms.challenge_window, terms.bond, terms.arbiter, treasury.guardian, &treasury.keeper)?;
    let policy = &mut accounts.policy;
    let window = if by_operator {
        enforce_spend(&policy.limits, policy.window, funding, now)?
    } else {
        enforce_keeper_spend(&policy.limits, policy.window, funding, now)?
    };
    policy.record_spent(window, funding)?;
    let usd = charge_usd(&accounts.treasury, ctx.remaining_accounts, &policy.asset, policy.decimals, funding, now)?;

    // The account exists (holding exactly its rent) before the escrow is funded into it.
    let bounty_info = accounts.bounty.to_account_info();
    let id = accounts.treasury.next_bounty_id;
    let id_bytes = id.to_le_bytes();
    let treasury_key = accounts.treasury.key();
    let seeds: &[&[u8]] = &[Bounty::SEED, treasury_key.as_ref(), &id_bytes, &[ctx.bumps.bounty]];
    let payer = accounts.creator.to_account_info();
    let system_program = accounts.system_program.to_account_info();
    let new_account = Funding { payer: &payer, system_program: &system_program };
    new_account.create(&bounty_info, Bounty::DISCRIMINATOR.len() + Bounty::INIT_SPACE, &crate::ID, seeds)?;
    let vault_balance = match (&accounts.mint, &mut accounts.vault_token_account, &accounts.escrow_token_account) {
        (Some(mint), Some(vault_token_account), Some(escrow)) => {
            let (Some(token_program), Some(associated_token_program)) =
                (&accounts.token_program, &accounts.associated_token_program)
            else {
                return err!(CovenantError::TokenAccountsRequired);
            };
            associated_token::create_idempotent(CpiContext::new(
                associated_token_program.key(),
                associated_token::Create {
                    payer: accounts.creator.to_account_info(),
                    associated_token: escrow.to_account_info(),
                    authority: bounty_info.clone(),
                    mint: mint.to_account_info(),
                    system_program: accounts.system_program.to_account_info(),
                    token_program: token_program.to_account_info(),
                },
            ))?;
            TokenPayment {
                treasury: &accounts.treasury,
                vault: &accounts.vault.to_account_info(),
                mint,
                vault_token_account,
                destination: &escrow.to_account_info(),
                token_program,
            }
            .pay(funding)?
        }
        _ => pay_sol(
            &accounts.treasury,
            &accounts.vault.to_account_info(),
            &bounty_info,
            &accounts.system_program.to_account_info(),
            funding,
        )?,
    };

    let treasury = &mut accounts.treasury;
    treasury.next_bounty_id = id.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let bounty = Bounty {
        treasury: treasury.key(),
        id,
        creator: accounts.creator.key(),
        asset: accounts.policy.asset,
        token_program: accounts.policy.token_program,
        reward: args.reward,
        max_claims: args.max_claims,
        deadline: args.deadline,
        description: args.description,
        funded: funding,
        paid: 0,
        submitted_count: 0,
        approved_count: 0,
        rejected_count: 0,
        created_at: now,
        bump: ctx.bumps.bounty,
        claim_code: args.claim_code,
        challenge_window: terms.challenge_window,
        bond: terms.bond,
        arbiter,
        owed_claims: 0,
        appeals_open: 0,
        disputes_open: 0,
        disputable_until: 0,
    };
    let event = BountyCreated {
        treasury: bounty.treasury,
        bounty: ctx.accounts.bounty.key(),
        id,
        creator: bounty.creator,
        asset: bounty.asset,
        reward: bounty.reward,
        max_claims: bounty.max_claims,
        deadline: bounty.deadline,
        description: bounty.description.clone(),
        funded: funding,
        window_start: window.start,
        window_spent: window.spent,
        vault_balance,
        decision: args.decision,
        claim_code: bounty.claim_code,
        challenge_window: bounty.challenge_window,
        bond: bounty.bond,
        arbiter: bounty.arbiter,
    };
    write_account(&ctx.accounts.bounty, &bounty)?;
    emit_cpi!(event);
    if let Some(usd) = usd {
        emit_cpi!(usd);
    }
    Ok(())
}
