// The browser suite's dispute, on the localnet: the operator opens a bounty that takes disputes
// (a one-hour challenge window, a 0.05 SOL bond, a named arbiter), a fan claims it with a public
// photo, the keeper approves; the donor, in the page, sees the reward owed and the photo checked,
// challenges the approval with the bond; the arbiter overturns it; the page shows each step.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
    COVENANT_PROGRAM_ADDRESS,
    fetchTreasury,
    findClaimPda,
    findDisputePda,
    findPolicyPda,
    findVaultPda,
    getApproveClaimInstruction,
    getCreateBountyInstructionAsync,
    getRuleDisputeInstructionAsync,
    getSubmitClaimInstructionAsync,
} from '@covenant/client';
import { address, generateKeyPairSigner, getAddressEncoder, getProgramDerivedAddress, getU64Encoder } from '@solana/kit';

const SOL = 1_000_000_000n;
export const BOND = SOL / 20n;

/** Opens the bounty, claims it and approves the claim; returns what the page must show. */
export async function disputedClaim({ rpc, send, transfer, treasury, operator, keeper, photos, photosUrl }) {
    const program = COVENANT_PROGRAM_ADDRESS;
    const [eventAuthority] = await getProgramDerivedAddress({ programAddress: program, seeds: ['__event_authority'] });
    const arbiter = await generateKeyPairSigner();
    const fan = await generateKeyPairSigner();
    await transfer(arbiter.address, SOL / 10n);
    await transfer(fan.address, SOL / 2n);
    const { data } = await fetchTreasury(rpc, treasury);
    const [bounty] = await getProgramDerivedAddress({
        programAddress: program,
        seeds: ['bounty', getAddressEncoder().encode(treasury), getU64Encoder().encode(data.nextBountyId)],
    });
    const slot = await rpc.getSlot().send();
    const now = (await rpc.getBlockTime(slot).send()) ?? BigInt(Math.floor(Date.now() / 1000));
    await send(
        [
            await getCreateBountyInstructionAsync({
                creator: operator,
                treasury,
                policy: (await findPolicyPda({ treasury }))[0],
                bounty,
                eventAuthority,
                program,
                reward: SOL / 10n,
                maxClaims: 2,
                deadline: BigInt(now) + 86_400n,
                description: 'A photo of our poster, disputed',
                decision: { modelHash: new Uint8Array(32), decisionHash: new Uint8Array(32) },
                claimCode: false,
                disputes: { challengeWindow: 3_600n, bond: BOND, arbiter: arbiter.address },
            }),
        ],
        'the disputed bounty',
    );
    // The photo is public: the page hashes it and compares it with the hash on chain.
    const photo = Buffer.from(`poster photo ${fan.address}`);
    writeFileSync(join(photos, 'fan.png'), photo);
    const proofHash = new Uint8Array(createHash('sha256').update(photo).digest());
    const [claim] = await findClaimPda({ bounty, claimant: fan.address });
    await send(
        [await getSubmitClaimInstructionAsync({ claimant: fan, bounty, claim, eventAuthority, program, proofUri: `${photosUrl}/fan.png`, proofHash })],
        'the claim',
    );
    await send(
        [
            getApproveClaimInstruction({
                keeper,
                treasury,
                bounty,
                claim,
                claimant: fan.address,
                eventAuthority,
                program,
                decision: { modelHash: new Uint8Array(32).fill(1), decisionHash: new Uint8Array(32).fill(2) },
            }),
        ],
        'the approval',
    );
    const rule = async (disputer, overturn) => {
        const [dispute] = await findDisputePda({ claim });
        const [vault] = await findVaultPda({ treasury });
        const ix = await getRuleDisputeInstructionAsync({
            settler: arbiter,
            treasury,
            vault,
            bounty,
            claim,
            dispute,
            disputer: address(disputer),
            claimant: fan.address,
            eventAuthority,
            program,
            overturn,
        });
        await send([ix], 'the ruling');
    };
    return { bounty, claim, fan: fan.address, rule };
}

/** The page's view of the claim: challenged by the donor, then overturned by the arbiter. */
export async function challengeInPage({ page, open, untilStatus, flow, donor, FEED }) {
    const row = `li.claim[data-claimant="${flow.fan}"]`;
    await open();
    await page.waitForSelector(`${row} button.challenge`, FEED);
    assert.match(await page.textContent(`${row} .claim-state`), /^approved, pays from .+ UTC$/);
    assert.equal(await page.textContent(`${row} .photo`), 'photo matches its hash');
    assert.match(await page.textContent('#bounties .dispute-terms'), /bond of 0\.05 SOL/);
    await page.click(`${row} button.challenge`);
    await untilStatus(page, (line) => line.startsWith('claim challenged'), 60_000);
    await page.waitForSelector(`${row}[data-dispute="Open"]`);
    assert.equal(await page.textContent(`${row} .claim-state`), 'approved, held, under dispute: the arbiter rules');
    assert.equal(await page.$(`${row} button`), null, 'one dispute per claim');
    await page.waitForSelector('tr.event[data-name="DisputeOpened"]', FEED);

    await flow.rule(donor, true);
    await open();
    await page.waitForSelector(`${row}[data-dispute="Overturned"]`, FEED);
    assert.equal(await page.textContent(`${row} .claim-state`), 'rejected (reason 0), overturned on dispute');
    await page.waitForSelector('tr.event[data-name="DisputeResolved"]', FEED);
}
