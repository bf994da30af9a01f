// The generated client and the event decoder against the program's own bytes and rules.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { getBase58Decoder, getBase64Encoder, type Address } from '@solana/kit';

import {
    COVENANT_ERROR__COSIGN_REQUIRED,
    COVENANT_EVENTS,
    COVENANT_PROGRAM_ADDRESS,
    decodeEventData,
    decodeTransactionEvents,
    findVaultPda,
    getCovenantErrorMessage,
} from '../src';

const idl = JSON.parse(readFileSync(new URL('../../../idl/covenant.json', import.meta.url), 'utf8'));
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/events.json', import.meta.url), 'utf8'));
const bytesOf = (base64: string) => new Uint8Array(getBase64Encoder().encode(base64));
const key = (byte: number) => getBase58Decoder().decode(new Uint8Array(32).fill(byte));

test('every event is in the table, under the discriminator Anchor derives from its name', () => {
    assert.equal(COVENANT_EVENTS.length, idl.events.length);
    for (const event of COVENANT_EVENTS) {
        const anchor = createHash('sha256').update(`event:${event.name}`).digest().subarray(0, 8);
        assert.deepEqual([...event.discriminator], [...anchor], event.name);
    }
});

test('a spend event written by the program decodes field by field', () => {
    const decoded = decodeEventData(bytesOf(fixtures.events[0].data));
    assert.ok(decoded);
    assert.equal(decoded.name, 'Spent');
    const data = decoded.data as Record<string, any>;
    assert.equal(data.treasury, key(1));
    assert.equal(data.recipient, key(3));
    assert.equal(data.asset, '11111111111111111111111111111111');
    assert.equal(data.amount, 1_500_000_000n);
    assert.deepEqual(data.category, { __option: 'Some', value: 'inference' });
    assert.deepEqual(data.pendingId, { __option: 'None' });
    assert.deepEqual([...data.decision.modelHash], new Array(32).fill(4));
    assert.deepEqual([...data.decision.decisionHash], new Array(32).fill(5));
    assert.equal(data.vaultBalance, 7_000_000_000n);
});

test('a grant event with a tranche schedule, payees and a cap decodes', () => {
    const decoded = decodeEventData(bytesOf(fixtures.events[1].data));
    assert.ok(decoded);
    assert.equal(decoded.name, 'GrantCreated');
    const data = decoded.data as Record<string, any>;
    assert.equal(data.grantId, 9n);
    assert.equal(data.amount, 50_000_000_000n);
    assert.equal(data.schedule.__kind, 'Tranches');
    assert.deepEqual(
        data.schedule.tranches.map((tranche: { at: bigint; bps: number }) => [tranche.at, tranche.bps]),
        [
            [1_796_000_000n, 4_000],
            [1_797_000_000n, 10_000],
        ],
    );
    assert.deepEqual(data.payees, [key(3)]);
    assert.deepEqual(data.perTxCap, { __option: 'Some', value: 10_000_000_000n });
});

test('events are read from inner instructions of the program only, with their instruction', () => {
    const base58 = (base64: string) => getBase58Decoder().decode(bytesOf(base64));
    const other = key(9);
    const tx = {
        transaction: { message: { accountKeys: [key(2), COVENANT_PROGRAM_ADDRESS, other] } },
        meta: {
            innerInstructions: [
                {
                    index: 1,
                    instructions: [
                        // The same bytes from another program are not Covenant's event.
                        { programIdIndex: 2, data: base58(fixtures.events[0].data) },
                        { programIdIndex: 1, data: base58(fixtures.events[0].data) },
                    ],
                },
                { index: 3, instructions: [{ programIdIndex: 1, data: base58(fixtures.events[1].data) }] },
            ],
        },
    };
    const events = decodeTransactionEvents(tx);
    assert.deepEqual(
        events.map((event) => [event.name, event.instructionIndex]),
        [
            ['Spent', 1],
            ['GrantCreated', 3],
        ],
    );
    assert.deepEqual(decodeTransactionEvents({ ...tx, meta: null }), []);
});

test('data that is not an event, or an unknown event, decodes to nothing', () => {
    assert.equal(decodeEventData(new Uint8Array([1, 2, 3])), null);
    const unknown = bytesOf(fixtures.events[0].data).slice();
    unknown[8] ^= 0xff;
    assert.equal(decodeEventData(unknown), null);
});

test('program errors carry their IDL name and message', () => {
    const cosign = idl.errors.find((error: { name: string }) => error.name === 'CosignRequired');
    assert.equal(COVENANT_ERROR__COSIGN_REQUIRED, cosign.code);
    assert.equal(getCovenantErrorMessage(cosign.code), cosign.msg);
});

test("PDAs match the program's seeds", async () => {
    // The vault of treasury 11111…: checked against the Rust SDK's TreasuryAddresses in
    // keeper/tests/client_fixtures.rs through the fixture's program address.
    assert.equal(fixtures.program, COVENANT_PROGRAM_ADDRESS);
    const [vault] = await findVaultPda({ treasury: key(1) as Address });
    assert.equal(vault, fixtures.vault_of_treasury_1);
});
