// The web app's own logic, without a browser: schedules vest exactly like the program's
// `policy::grant::vested`, the form refuses what `validate_schedule` refuses, amounts parse in the
// asset's decimals, and a decision hash is recomputed from the raw text of a log line's input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { parseMoment, parseTranches, scheduleProblem, scheduleSvg, steps, vested } from '../src/schedule';
import { decisionHash, rawInput } from '../src/verify';
import { lamportsToSol, parseAmount } from '../src/view';

const tranches = (...pairs: Array<[number, number]>) => ({ __kind: 'Tranches' as const, tranches: pairs.map(([at, bps]) => ({ at: BigInt(at), bps })) });

test('tranches vest in steps and round down like the program', () => {
    const schedule = tranches([100, 3_333], [200, 6_667]);
    assert.equal(vested(schedule, 10n, 99n), 0n);
    assert.equal(vested(schedule, 10n, 100n), 3n, '3333 bps of 10 rounds down to 3');
    assert.equal(vested(schedule, 10n, 199n), 3n);
    assert.equal(vested(schedule, 10n, 200n), 10n);
    assert.deepEqual(steps(schedule, 10n, 50n), [
        { at: 50n, vested: 0n },
        { at: 100n, vested: 3n },
        { at: 200n, vested: 10n },
    ]);
});

test('a linear grant vests pro rata and all of it at the end', () => {
    const schedule = { __kind: 'Linear' as const, start: 1_000n, end: 2_000n };
    assert.equal(vested(schedule, 1_000_000_000n, 1_000n), 0n);
    assert.equal(vested(schedule, 1_000_000_000n, 1_250n), 250_000_000n);
    assert.equal(vested(schedule, 999n, 1_999n), 998n, '999 * 999 / 1000 rounds down');
    assert.equal(vested(schedule, 999n, 2_000n), 999n);
    assert.equal(vested({ __kind: 'Immediate' }, 7n, 0n), 7n);
});

test('the form refuses every schedule validate_schedule refuses', () => {
    assert.equal(scheduleProblem(tranches([1, 5_000], [2, 5_000])), null);
    assert.match(scheduleProblem(tranches([1, 5_000], [2, 4_999]))!, /99.99%, not 100%/);
    assert.match(scheduleProblem(tranches([2, 5_000], [2, 5_000]))!, /increase/);
    assert.match(scheduleProblem(tranches([1, 10_000], [2, 0]))!, /above 0%/);
    assert.match(scheduleProblem(tranches())!, /1 to 8/);
    assert.match(scheduleProblem(tranches(...Array.from({ length: 9 }, (_, i): [number, number] => [i, i < 8 ? 1_111 : 1_112])))!, /1 to 8/);
    assert.match(scheduleProblem({ __kind: 'Linear', start: 5n, end: 5n })!, /end after/);
});

test('moments and tranches parse as the donor types them', () => {
    const now = 1_800_000_000n;
    assert.equal(parseMoment('+7d', now), now + 7n * 86_400n);
    assert.equal(parseMoment('+90s', now), now + 90n);
    assert.equal(parseMoment('2027-01-31', now), BigInt(Date.UTC(2027, 0, 31) / 1000));
    assert.equal(parseMoment('2027-01-31T12:30', now), BigInt(Date.UTC(2027, 0, 31, 12, 30) / 1000));
    assert.throws(() => parseMoment('next week', now), /not a date/);
    assert.deepEqual(parseTranches('+1d 50%, +2d 25.5%\n+3d 24.5%', now), tranches([Number(now) + 86_400, 5_000], [Number(now) + 172_800, 2_550], [Number(now) + 259_200, 2_450]));
    assert.throws(() => parseTranches('+1d half', now), /not a tranche/);
});

test('the drawn schedule names what vests when, and the expiry', () => {
    const svg = scheduleSvg(tranches([86_400, 5_000], [172_800, 5_000]), 10n, 0n, 259_200n, (v) => `${v} units`);
    assert.match(svg, /5 units by 1970-01-02 00:00, 10 units by 1970-01-03 00:00; expires 1970-01-04 00:00/);
    assert.match(svg, /<path d="M6,84 H6 V84 H122 V45 H238 V6 H354" \/>/);
});

test('amounts parse in the asset decimals and never as zero', () => {
    assert.equal(parseAmount('1.5'), 1_500_000_000n);
    assert.equal(parseAmount(' 0.000000001 '), 1n);
    assert.equal(parseAmount('12.34', 2, 'tokens'), 1_234n);
    assert.equal(parseAmount('7', 0, 'tokens'), 7n);
    assert.throws(() => parseAmount('1.5', 0, 'tokens'), /not an amount of tokens/);
    assert.throws(() => parseAmount('0.0000000001'), /not an amount of SOL/);
    assert.throws(() => parseAmount('0'), /more than 0 SOL/);
    assert.throws(() => parseAmount('-1'), /not an amount/);
    assert.equal(lamportsToSol(1_230_000_000n), '1.23');
});

test('a decision hash is the sha256 of the input exactly as the line wrote it', async () => {
    const input = '{"action":"pay","amount":1.50,"note":"a \\"quoted\\" } brace"}';
    const expected = createHash('sha256').update(input).digest('hex');
    const line = `{"type":"decision","key":"x","input":${input},"decision_hash":"${expected}","scores":[0.5]}`;
    assert.equal(rawInput(line), input);
    assert.deepEqual(await decisionHash(line), { computed: expected, logged: expected });
    assert.throws(() => rawInput('{"nested":{"input":{}}}'), /no "input"/, 'only a top-level input counts');
    assert.throws(() => rawInput('{"type":"intent"}'), /no "input"/);
});
