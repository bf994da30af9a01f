// Published records as the page checks them, without a browser: a record holds up only when its
// input hashes to the chain's decision hash and it names the chain's model; a claim's row offers
// a challenge or an appeal only inside the challenge window, and an appeal only to its claimant.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { ClaimStatus, DisputeState, type Bounty, type Claim } from '@covenant/client';

import { claimState } from '../src/bounties';
import { checkRecord, httpBase } from '../src/records';

const MODEL = 'ab'.repeat(32);
const input = `{"approve":0.75,"features":[1,0,0.5],"key":"pay:gpu","model_hash":"${MODEL}"}`;
const hash = createHash('sha256').update(input).digest('hex');
const record = (body: string, named = hash) => `{"decision_hash":"${named}","input":${body},"kind":"payment","outcome":"pass"}`;
const serve = (pages: Record<string, string>) => async (url: string) =>
    url in pages ? { ok: true, status: 200, text: async () => pages[url] } : { ok: false, status: 404, text: async () => '' };

test('a record is verified when its input hashes to the decision on chain and names its model', async () => {
    const base = 'https://agent.example/records';
    const get = serve({ [`${base}/decisions/${hash}.json`]: record(input) });
    const verified = await checkRecord(base, hash, MODEL, get);
    assert.equal(verified.state, 'verified', verified.detail);
    assert.equal(verified.record?.input.approve, 0.75);
    assert.equal((await checkRecord(base, hash, 'cd'.repeat(32), get)).state, 'mismatched', 'another model than the chain says');
    assert.equal((await checkRecord(base, 'ef'.repeat(32), MODEL, get)).state, 'missing');
});

test('a tampered record is mismatched, and an unreachable host is missing', async () => {
    const base = 'https://agent.example/records';
    const tampered = input.replace('0.75', '0.95');
    const get = serve({ [`${base}/decisions/${hash}.json`]: record(tampered) });
    const check = await checkRecord(base, hash, MODEL, get);
    assert.equal(check.state, 'mismatched');
    assert.match(check.detail, /^its input hashes to [0-9a-f]{64}, not to the/);
    const renamed = serve({ [`${base}/decisions/${hash}.json`]: record(input, '00'.repeat(32)) });
    assert.equal((await checkRecord(base, hash, MODEL, renamed)).state, 'mismatched', 'names another decision');
    const garbage = serve({ [`${base}/decisions/${hash}.json`]: '<html>not json</html>' });
    assert.equal((await checkRecord(base, hash, MODEL, garbage)).state, 'mismatched');
    const down = async () => {
        throw new Error('connection refused');
    };
    assert.equal((await checkRecord(base, hash, MODEL, down)).state, 'missing');
    assert.equal(httpBase('ipfs://bafyX/records/'), 'https://ipfs.io/ipfs/bafyX/records');
    assert.equal(httpBase('https://a.example/'), 'https://a.example');
});

const bounty = { challengeWindow: 3_600n, bond: 50_000_000n } as Bounty;
const claim = (status: ClaimStatus, settledAt: bigint, more: Partial<Claim> = {}) =>
    ({ status, settledAt: { __option: 'Some', value: settledAt }, payableAt: settledAt + 3_600n, paid: false, dispute: DisputeState.None, claimant: 'Fan111', reasonCode: 3, ...more }) as unknown as Claim;

test('a claim offers a challenge or an appeal only inside its window, once', () => {
    assert.equal(claimState(bounty, claim(ClaimStatus.Approved, 1_000n), 4_599n).action, 'challenge');
    assert.equal(claimState(bounty, claim(ClaimStatus.Approved, 1_000n), 4_600n).action, undefined, 'the window closed');
    assert.equal(claimState(bounty, claim(ClaimStatus.Approved, 1_000n, { paid: true }), 2_000n).action, undefined);
    assert.equal(claimState(bounty, claim(ClaimStatus.Approved, 1_000n, { dispute: DisputeState.Open }), 2_000n).text, 'approved, held, under dispute: the arbiter rules');
    assert.equal(claimState(bounty, claim(ClaimStatus.Rejected, 1_000n), 2_000n, 'Fan111').action, 'appeal');
    assert.equal(claimState(bounty, claim(ClaimStatus.Rejected, 1_000n), 2_000n, 'Someone').action, undefined, 'only its claimant appeals');
    const overturned = claimState(bounty, claim(ClaimStatus.Rejected, 1_000n, { dispute: DisputeState.Overturned }), 2_000n, 'Fan111');
    assert.deepEqual(overturned, { text: 'rejected (reason 3), overturned on dispute', action: undefined });
    assert.equal(claimState({ ...bounty, challengeWindow: 0n }, claim(ClaimStatus.Approved, 1_000n), 1_500n).action, undefined, 'no disputes');
});

test('a claim photo is checked where it is public, else where the treasury publishes its records', async () => {
    const { auditPhoto } = await import('../src/audit');
    const photo = new TextEncoder().encode('a photo of the poster');
    const sha = createHash('sha256').update(photo).digest('hex');
    const bytes = (pages: Record<string, Uint8Array>) => async (url: string) =>
        url in pages
            ? { ok: true, arrayBuffer: async () => pages[url].slice().buffer }
            : { ok: false, arrayBuffer: async () => new ArrayBuffer(0) };
    const base = 'https://agent.example/records';
    const other = new TextEncoder().encode('another photo');
    assert.equal(await auditPhoto('https://fan.example/p.png', sha, null, bytes({ 'https://fan.example/p.png': photo })), 'matches');
    assert.equal(await auditPhoto('https://fan.example/q.png', sha, null, bytes({ 'https://fan.example/q.png': other })), 'differs');
    // Not public at its own URI (a file, or taken down): the records' copy is checked instead.
    assert.equal(await auditPhoto('file://p.png', sha, base, bytes({ [`${base}/photos/${sha}`]: photo })), 'published');
    assert.equal(await auditPhoto('https://fan.example/gone.png', sha, base, bytes({ [`${base}/photos/${sha}`]: photo })), 'published');
    assert.equal(await auditPhoto('file://q.png', sha, base, bytes({ [`${base}/photos/${sha}`]: other })), 'differs');
    assert.equal(await auditPhoto('file://r.png', sha, base, bytes({})), 'private');
    assert.equal(await auditPhoto('file://r.png', sha, null, bytes({})), 'private');
});
