// Bounties and their claims: each claim's decision, its photo checked against the hash on chain,
// whether its reward is paid or owed, and its dispute. A donor can challenge an approval that is
// not paid yet, and a claimant can appeal a rejection, by posting the bounty's bond.
import {
    claimCode,
    ClaimStatus,
    COVENANT_PROGRAM_ADDRESS,
    DisputeState,
    getDisputeClaimInstructionAsync,
    type Bounty,
    type Claim,
} from '@covenant/client';
import { address, type Address, type Instruction, type TransactionSigner } from '@solana/kit';

import { auditPhoto } from './audit';
import { amountText, type Page } from './grants';
import { eventAuthority } from './wallet';
import { esc, hex, lamportsToSol, optionValue, section } from './view';

const when = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** The one instruction that opens a dispute: a challenge, or (from its claimant) an appeal. */
export async function disputeClaim(disputer: TransactionSigner, bounty: Address, claim: Address, bond: bigint): Promise<Instruction[]> {
    const program = COVENANT_PROGRAM_ADDRESS;
    return [await getDisputeClaimInstructionAsync({ disputer, bounty, claim, eventAuthority: await eventAuthority(), program, bond })];
}

/** What a claim's row says about its money and its dispute, and which action (if any) it offers. */
export function claimState(bounty: Bounty, claim: Claim, now: bigint, wallet?: string): { text: string; action?: 'challenge' | 'appeal' } {
    const decidedAt = optionValue(claim.settledAt);
    const open = bounty.challengeWindow > 0n && claim.dispute === DisputeState.None && decidedAt !== undefined && now < decidedAt + bounty.challengeWindow;
    const dispute = {
        [DisputeState.None]: '',
        [DisputeState.Open]: ', under dispute: the arbiter rules',
        [DisputeState.Upheld]: ', dispute upheld',
        [DisputeState.Overturned]: ', overturned on dispute',
        [DisputeState.Lapsed]: ', dispute lapsed (no ruling)',
    }[claim.dispute];
    switch (claim.status) {
        case ClaimStatus.Pending:
            return { text: 'pending review' };
        case ClaimStatus.Approved:
            if (claim.paid) return { text: `approved, paid${dispute}` };
            if (claim.dispute === DisputeState.Open) return { text: `approved, held${dispute}` };
            return { text: `approved, pays from ${when(claim.payableAt)} UTC${dispute}`, action: open && !claim.paid ? 'challenge' : undefined };
        case ClaimStatus.Rejected:
            return { text: `rejected (reason ${claim.reasonCode})${dispute}`, action: open && wallet === claim.claimant ? 'appeal' : undefined };
    }
}

export async function renderBounties(page: Page) {
    const { loaded } = page;
    const wallet = page.account?.address;
    const rows = await Promise.all(loaded.bounties.map(async ({ address: bounty, data, claims }) => {
        const code = (claimant: string) => (data.claimCode ? claimCode(bounty, address(claimant)) : Promise.resolve(''));
        const yours = wallet && data.claimCode
            ? `<p class="claim-code">Your claim code: <strong class="mono">${await code(wallet)}</strong>. Write it by hand next to the poster in your photo.</p>`
            : data.claimCode ? '<p class="claim-code">Claims need the claimant’s code in the photo: connect a wallet to see yours.</p>' : '';
        const bond = `${lamportsToSol(data.bond)} SOL`;
        const terms = data.challengeWindow > 0n
            ? `<p class="dispute-terms">Approvals pay ${Number(data.challengeWindow) / 3600} h after the decision. Until then anyone may challenge one, and a rejected claimant may appeal, with a bond of ${bond}; <span class="mono">${data.arbiter}</span> rules within 7 days. A disputer who wins gets the bond back; one who loses forfeits it (to the claimant, or for an appeal to the treasury); without a ruling the decision stands.</p>`
            : '';
        const listed = await Promise.all(claims.map(async (claim) => {
            const shown = data.claimCode ? ` code <span class="mono">${await code(claim.data.claimant)}</span>` : '';
            const decision = optionValue(claim.data.settledAt) !== undefined
                ? ` <span class="mono">decision ${hex(claim.data.decision.decisionHash)}</span>` : '';
            const photo = await auditPhoto(claim.data.proofUri, hex(claim.data.proofHash), page.recordsBase);
            const photoText = {
                matches: 'photo matches its hash',
                published: 'photo published with the records, matches its hash',
                differs: 'photo does not match its hash',
                private: 'photo not public',
            }[photo];
            const state = claimState(data, claim.data, loaded.now, wallet);
            const button = state.action
                ? ` <button class="${state.action}" data-claim="${claim.address}">${state.action === 'challenge' ? 'Challenge' : 'Appeal'} (bond ${bond})</button>`
                : '';
            return `<li class="claim" data-claimant="${claim.data.claimant}" data-dispute="${DisputeState[claim.data.dispute]}"><span class="mono">${claim.data.claimant}</span>: <span class="claim-state">${esc(state.text)}</span>${shown}${decision} · <span class="photo ${photo}">${photoText}</span>${button}</li>`;
        }));
        return `<h3>#${data.id}: ${esc(data.description)}</h3>
            <p>${amountText(loaded, data.asset, data.reward)} each, ${data.approvedCount} of ${data.maxClaims} approved, ${lamportsToSol(data.paid)} paid out</p>${terms}${yours}
            <ul>${listed.join('')}</ul>`;
    }));
    section('bounties', 'Bounties and claims', rows.length ? rows.join('') : '<p>No bounties.</p>');
    document.querySelectorAll<HTMLButtonElement>('#bounties button.challenge, #bounties button.appeal').forEach((button) =>
        button.addEventListener('click', () => {
            const claim = address(button.dataset.claim!);
            const owner = loaded.bounties.find(({ claims }) => claims.some((c) => c.address === claim))!;
            const kind = button.classList.contains('challenge') ? 'challenged' : 'appealed';
            void page.transact((signer) => disputeClaim(signer, owner.address, claim, owner.data.bond), `claim ${kind}`);
        }),
    );
}
