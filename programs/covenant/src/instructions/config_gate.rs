//! The config timelock at the point of use: every operator instruction that can loosen the rules
//! asks here whether it may apply now, or only by executing a matured queued request.

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ConfigChangeExecuted;
use crate::policy::{check_request_executable, ConfigChange};
use crate::state::{ConfigChangeRequest, Treasury};

/// A matured request that an instruction is executing: closed by `finish`, after the instruction's
/// own CPIs (a direct lamport move before a CPI would unbalance the CPI's accounts).
pub(crate) struct ExecutedChange<'a, 'info> {
    request: &'a AccountInfo<'info>,
    event: ConfigChangeExecuted,
}

impl ExecutedChange<'_, '_> {
    /// Closes the request (rent to its proposer, the operator signing now) and returns its event.
    pub fn finish(self, operator: &AccountInfo) -> Result<ConfigChangeExecuted> {
        close_program_account(self.request, operator)?;
        Ok(self.event)
    }
}

/// Lets `change` through when it tightens (or is neutral), when the treasury has no config
/// timelock, or when the first remaining account is this treasury's matured request for exactly
/// this change, returned to be closed once the change is applied. A request passed along is always
/// consumed and must always match, so passing one never changes what the instruction does.
///
/// `basis` is what the change replaces as it stands now (the shape the queue recorded as `old`); a
/// request runs only against the state it was queued against, and an unpause only against the
/// pause it was queued to answer.
pub(crate) fn authorize_config_change<'a, 'info>(
    treasury: &Account<Treasury>,
    operator: &AccountInfo,
    remaining_accounts: &'a [AccountInfo<'info>],
    change: ConfigChange,
    loosens: bool,
    basis: Option<ConfigChange>,
) -> Result<Option<ExecutedChange<'a, 'info>>> {
    let Some(request_info) = remaining_accounts.first() else {
        let immediate = !loosens || treasury.config_timelock_seconds == 0;
        require!(immediate, CovenantError::ConfigTimelockRequired);
        return Ok(None);
    };
    require!(request_info.is_writable, CovenantError::ConfigChangeMismatch);
    require_keys_eq!(*request_info.owner, crate::ID, CovenantError::ConfigChangeMismatch);
    let request = {
        let data = request_info.try_borrow_data()?;
        ConfigChangeRequest::try_deserialize(&mut &data[..]).map_err(|_| error!(CovenantError::ConfigChangeMismatch))?
    };
    let expected = ConfigChangeRequest::find_address(&treasury.key(), request.id).0;
    let matches = request_info.key() == expected && request.treasury == treasury.key() && request.change == change;
    require!(matches, CovenantError::ConfigChangeMismatch);
    let same_state =
        request.basis == basis && (change != ConfigChange::Unpause || request.pause_count == treasury.pause_count);
    require!(same_state, CovenantError::ConfigChangeStale);
    check_request_executable(
        request.queued_at,
        request.executable_at,
        treasury.config_timelock_seconds,
        request.overrides_guardian,
        Clock::get()?.unix_timestamp,
    )?;
    // Pause stops queued changes too, all but the unpause that was queued to end it and a guardian
    // override (the escape from a guardian who never lifts its pause).
    if change != ConfigChange::Unpause && !request.overrides_guardian {
        treasury.require_active()?;
    }
    require_keys_eq!(operator.key(), request.proposer, CovenantError::RentRecipientMismatch);
    let event = ConfigChangeExecuted { treasury: treasury.key(), id: request.id, change };
    Ok(Some(ExecutedChange { request: request_info, event }))
}

/// Closes an account this program owns: its lamports to `destination`, its data gone.
pub(crate) fn close_program_account(account: &AccountInfo, destination: &AccountInfo) -> Result<()> {
    let lamports = account.lamports();
    account.sub_lamports(lamports)?;
    destination.add_lamports(lamports)?;
    account.assign(&anchor_lang::system_program::ID);
    account.resize(0)?;
    Ok(())
}
