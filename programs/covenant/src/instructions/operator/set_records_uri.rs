use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::RecordsUriSet;
use crate::instructions::create::{is_program_account, write_account, Funding};
use crate::state::{RecordsLocation, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct SetRecordsUri<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    /// CHECK: created by the handler the first time (pre-funding cannot block it, see `create.rs`),
    /// rewritten after; its seeds tie it to this treasury.
    #[account(mut, seeds = [RecordsLocation::SEED, treasury.key().as_ref()], bump)]
    pub records: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl SetRecordsUri<'_> {
    pub fn validate(&self, uri: &str) -> Result<()> {
        require!(RecordsLocation::uri_is_valid(uri), CovenantError::InvalidRecordsUri);
        Ok(())
    }
}

/// Not a config change behind the timelock: it moves no money, and every record is checked against
/// the decision hash on chain, so a wrong location shows records as missing, never as verified.
pub fn set_records_uri_handler(ctx: Context<SetRecordsUri>, uri: String) -> Result<()> {
    let accounts = &ctx.accounts;
    let treasury = accounts.treasury.key();
    let location = RecordsLocation {
        treasury,
        uri: uri.clone(),
        updated_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.records,
    };
    let records = accounts.records.to_account_info();
    if is_program_account(&records) {
        write_account(&records, &location)?;
    } else {
        let seeds: &[&[u8]] = &[RecordsLocation::SEED, treasury.as_ref(), &[ctx.bumps.records]];
        let payer = accounts.operator.to_account_info();
        let system_program = accounts.system_program.to_account_info();
        Funding { payer: &payer, system_program: &system_program }.init(&records, seeds, &location)?;
    }
    emit_cpi!(RecordsUriSet { treasury, operator: accounts.operator.key(), uri });
    Ok(())
}
