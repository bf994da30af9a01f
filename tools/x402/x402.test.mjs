// The x402 suite: the reference packages from the npm registry (@x402/express's resource server
// middleware, @x402/core's facilitator with @x402/svm's exact scheme, unmodified) serve a paid
// endpoint on a localnet; the keeper binary pays for calls from a Covenant treasury.
// - N calls are paid and settled on chain; the policy's window and the payee's budget count them;
//   each Spent event carries the decision hash that names the HTTP call.
// - The call past the payee's budget is refused by the keeper's guard and never reaches the facilitator.
// - Forced past the guard (the keeper's hidden --unguarded), the program refuses it in the
//   facilitator's simulation and the facilitator reports the failure.
// The one setting the facilitator needs: Covenant's program id among smartWalletAllowedPrograms.
// Env: COVENANT_LOCALNET_URL, COVENANT_LOCALNET_FAUCET (keypair file), COVENANT_KEEPER (binary).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
    address,
    appendTransactionMessageInstructions,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createTransactionMessage,
    getBase58Decoder,
    getBase58Encoder,
    getBase64EncodedWireTransaction,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';
import {
    findAssociatedTokenPda,
    getCreateAssociatedTokenIdempotentInstruction,
    getInitializeMint2Instruction,
    getMintToInstruction,
    TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { x402Facilitator } from '@x402/core/facilitator';
import { HTTPFacilitatorClient } from '@x402/core/server';
import { paymentMiddleware, x402ResourceServer } from '@x402/express';
import { toFacilitatorSvmSigner } from '@x402/svm';
import { ExactSvmScheme as FacilitatorExactSvm } from '@x402/svm/exact/facilitator';
import { ExactSvmScheme as ServerExactSvm } from '@x402/svm/exact/server';
import express from 'express';

const COVENANT = 'Gt8kjCXBeKURSw35ZpHrW1CCqTxcbGyaaJA48GAqzs7b';
const PRICE = 10_000n; // 0.01 of a 6-decimal token per call
const CALLS = 3; // by `fetch`; then one by the loop's [[x402.call]]
const rpcUrl = process.env.COVENANT_LOCALNET_URL ?? 'http://127.0.0.1:8899';
const keeperBin = process.env.COVENANT_KEEPER;
assert.ok(keeperBin, 'COVENANT_KEEPER names the keeper binary');
const rpc = createSolanaRpc(rpcUrl);
const faucet = await createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(process.env.COVENANT_LOCALNET_FAUCET, 'utf8'))));

/** A fresh Ed25519 key: Solana CLI keypair bytes and its signer. */
async function newKey() {
    const seed = randomBytes(32);
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const publicKey = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).subarray(-32);
    const bytes = new Uint8Array([...seed, ...publicKey]);
    return { bytes, signer: await createKeyPairSignerFromBytes(bytes), address: address(getBase58Decoder().decode(publicKey)) };
}

/** Sends `instructions` paid by the faucet (other signers ride on their account metas). */
async function send(instructions) {
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(faucet, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: 'base64' }).send();
    for (let i = 0; i < 150; i++) {
        const { value } = await rpc.getSignatureStatuses([signature]).send();
        const status = value[0];
        if (status?.err) throw new Error(`transaction failed: ${JSON.stringify(status.err, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') return signature;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`not confirmed: ${signature}`);
}

function systemTransfer(to, lamports) {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setUint32(0, 2, true);
    new DataView(data.buffer).setBigUint64(4, lamports, true);
    return { programAddress: address('11111111111111111111111111111111'), accounts: [{ address: faucet.address, role: 3, signer: faucet }, { address: to, role: 1 }], data };
}

function createAccount(newAccount, lamports, space, owner) {
    const data = new Uint8Array(52);
    const view = new DataView(data.buffer);
    view.setUint32(0, 0, true);
    view.setBigUint64(4, lamports, true);
    view.setBigUint64(12, BigInt(space), true);
    data.set(getBase58Encoder().encode(owner), 20);
    return {
        programAddress: address('11111111111111111111111111111111'),
        accounts: [{ address: faucet.address, role: 3, signer: faucet }, { address: newAccount.address, role: 3, signer: newAccount }],
        data,
    };
}

/** Runs the keeper binary without blocking this process (its servers must answer it meanwhile). */
function keeper(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(keeperBin, ['--config', join(dir, 'keeper.toml'), ...args], { env: { ...process.env, RUST_LOG: 'error' } });
        const out = { stdout: '', stderr: '' };
        child.stdout.on('data', (chunk) => (out.stdout += chunk));
        child.stderr.on('data', (chunk) => (out.stderr += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout: out.stdout, stderr: out.stderr.trim() }));
    });
}

/** A confirmed transaction; a test validator may stop serving one for a while before its root. */
async function transaction(signature) {
    for (let i = 0; i < 240; i++) {
        const tx = await rpc.getTransaction(signature, { encoding: 'json', maxSupportedTransactionVersion: 0, commitment: 'confirmed' }).send();
        if (tx) return tx;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${signature} is confirmed but never served`);
}

async function tokenBalance(account) {
    const { value } = await rpc.getTokenAccountBalance(account).send();
    return BigInt(value.amount);
}

// Keys, SOL, the token (a USDC stand-in with 6 decimals) and the treasury.
const dir = mkdtempSync(join(tmpdir(), 'covenant-x402-'));
const [operator, keeperKey, feePayer, provider, mint] = await Promise.all([newKey(), newKey(), newKey(), newKey(), newKey()]);
writeFileSync(join(dir, 'operator.json'), JSON.stringify([...operator.bytes]));
writeFileSync(join(dir, 'keeper.json'), JSON.stringify([...keeperKey.bytes]));
await send([systemTransfer(operator.address, 5_000_000_000n), systemTransfer(feePayer.address, 2_000_000_000n), systemTransfer(provider.address, 10_000_000n)]);
const mintRent = await rpc.getMinimumBalanceForRentExemption(82n).send();
await send([
    createAccount(mint.signer, mintRent, 82, TOKEN_PROGRAM_ADDRESS),
    getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: faucet.address }),
]);

const budget = PRICE * BigInt(CALLS + 1);
writeFileSync(
    join(dir, 'keeper.toml'),
    `[cluster]\nurl = "${rpcUrl}"\n[keys]\nkeeper = "keeper.json"\noperator = "operator.json"\n[treasury]\nid = 402\n` +
        `[[policy]]\nasset = "${mint.address}"\nper_tx_max = 50_000\nperiod_seconds = 86_400\nperiod_cap = 1_000_000\nallowlist_required = true\n` +
        `[[payee]]\nrecipient = "${provider.address}"\nlabel = "inference API"\ncategory = "inference"\nbudget = ${budget}\nbudget_asset = "${mint.address}"\n` +
        `[x402]\ncategory = "inference"\n`,
);
let result = await keeper(['init']);
assert.equal(result.code, 0, `keeper init: ${result.stderr}`);
const status = async () => {
    const shown = await keeper(['--output', 'json', 'status']);
    assert.equal(shown.code, 0, shown.stderr);
    return JSON.parse(shown.stdout);
};
const vault = address((await status()).vault);
const [vaultAta] = await findAssociatedTokenPda({ mint: mint.address, owner: vault, tokenProgram: TOKEN_PROGRAM_ADDRESS });
const [providerAta] = await findAssociatedTokenPda({ mint: mint.address, owner: provider.address, tokenProgram: TOKEN_PROGRAM_ADDRESS });
await send([
    getCreateAssociatedTokenIdempotentInstruction({ payer: faucet, ata: vaultAta, owner: vault, mint: mint.address }),
    getCreateAssociatedTokenIdempotentInstruction({ payer: faucet, ata: providerAta, owner: provider.address, mint: mint.address }),
    getMintToInstruction({ mint: mint.address, token: vaultAta, mintAuthority: faucet, amount: 1_000_000n }),
]);

// The facilitator (stock @x402/svm exact scheme, smart-wallet verification on) and the paid API.
const genesis = await rpc.getGenesisHash().send();
const network = `solana:${genesis.slice(0, 32)}`;
const facilitator = new x402Facilitator();
const calls = { verify: 0, settle: 0, settled: [], refused: [] };
facilitator.register(
    network,
    new FacilitatorExactSvm(toFacilitatorSvmSigner(feePayer.signer, { [network]: rpc }), undefined, {
        enableSmartWalletVerification: true,
        smartWalletAllowedPrograms: [COVENANT],
    }),
);
const app = express();
app.use(express.json());
app.get('/supported', (_req, res) => res.json(facilitator.getSupported()));
app.post('/verify', async (req, res) => {
    calls.verify++;
    const verdict = await facilitator.verify(req.body.paymentPayload, req.body.paymentRequirements);
    if (!verdict.isValid) calls.refused.push(verdict.invalidReason);
    res.json(verdict);
});
app.post('/settle', async (req, res) => {
    calls.settle++;
    const settled = await facilitator.settle(req.body.paymentPayload, req.body.paymentRequirements);
    if (settled.success) calls.settled.push(settled.transaction);
    else calls.refused.push(settled.errorReason);
    res.json(settled);
});
const listening = app.listen(0, '127.0.0.1');
await new Promise((resolve) => listening.once('listening', resolve));
const base = `http://127.0.0.1:${listening.address().port}`;

const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: base })).register(network, new ServerExactSvm());
const api = express();
api.use(
    paymentMiddleware(
        {
            'GET /infer': {
                accepts: { scheme: 'exact', network, payTo: provider.address, price: { amount: String(PRICE), asset: mint.address }, maxTimeoutSeconds: 120 },
                description: 'one inference call',
            },
        },
        resourceServer,
    ),
);
let served = 0;
api.get('/infer', (req, res) => {
    served++;
    res.json({ answer: `a poster, call ${req.query.n}` });
});
const apiListening = api.listen(0, '127.0.0.1');
await new Promise((resolve) => apiListening.once('listening', resolve));
const url = (n) => `http://127.0.0.1:${apiListening.address().port}/infer?n=${n}`;
const decisions = join(dir, 'decisions.jsonl');

try {
    // Unpaid, the endpoint answers 402 (the reference middleware's own answer).
    assert.equal((await fetch(url(0))).status, 402);

    for (let n = 1; n <= CALLS; n++) {
        result = await keeper(['fetch', url(n), '--decision-log', decisions]);
        assert.equal(result.code, 0, `paid call ${n}: ${result.stderr}; facilitator: ${calls.refused.join(', ')}`);
        assert.deepEqual(JSON.parse(result.stdout), { answer: `a poster, call ${n}` });
        assert.match(result.stderr, new RegExp(`^paid ${PRICE} base units of ${mint.address} to ${provider.address} on ${network}: transaction \\w+, decision [0-9a-f]{64}$`));
        assert.equal(await tokenBalance(providerAta), PRICE * BigInt(n), `call ${n} settled on chain`);
    }
    assert.equal(calls.settled.length, CALLS);
    assert.equal(served, CALLS);
    console.log(`${CALLS} calls paid and settled by the facilitator: ${calls.settled.join(', ')}`);

    // The loop's own paid call: once per period, and not again after a restart within it.
    writeFileSync(
        join(dir, 'keeper.toml'),
        readFileSync(join(dir, 'keeper.toml'), 'utf8') +
            `[[x402.call]]\nname = "inference"\nurl = "${url('loop')}"\nevery_seconds = 86_400\n`,
    );
    for (let run = 0; run < 2; run++) {
        result = await keeper(['run', '--once', '--decision-log', decisions]);
        assert.equal(result.code, 0, `keeper run --once: ${result.stderr}`);
    }
    assert.equal(served, CALLS + 1, 'the loop paid for its call once');
    assert.equal(calls.settled.length, CALLS + 1);
    assert.equal(await tokenBalance(providerAta), budget);

    // The treasury counted them: the policy's window and the payee's budget.
    const shown = await status();
    const policy = shown.policies.find((entry) => entry.asset === mint.address);
    assert.equal(BigInt(policy.window_spent), budget, JSON.stringify(policy));
    const payee = shown.payees.find((entry) => entry.recipient === provider.address);
    assert.equal(BigInt(payee.spent), budget, JSON.stringify(payee));

    // Each Spent event carries the hash of the decision line that names its call.
    const lines = readFileSync(decisions, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const paid = lines.filter((line) => line.kind === 'x402');
    assert.equal(paid.length, CALLS + 1);
    assert.deepEqual(
        paid.map((line) => line.schedule),
        [...Array(CALLS).fill(null), 'inference'],
        'the loop\'s line names its call',
    );
    for (const [i, line] of paid.entries()) {
        assert.equal(line.input.request.url, i < CALLS ? url(i + 1) : url('loop'));
        assert.equal(line.input.requirements.payTo, provider.address);
        const tx = await transaction(calls.settled[i]);
        const hash = Buffer.from(line.decision_hash, 'hex');
        const inner = (tx.meta.innerInstructions ?? []).flatMap((group) => group.instructions);
        assert.ok(
            inner.some((ix) => Buffer.from(getBase58Encoder().encode(ix.data)).includes(hash)),
            `the Spent event of ${calls.settled[i]} carries decision ${line.decision_hash}`,
        );
    }

    // Past the payee's budget: the guard refuses, nothing is signed, the facilitator never hears of it.
    const before = { verify: calls.verify, settle: calls.settle };
    result = await keeper(['fetch', url(CALLS + 1), '--decision-log', decisions]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused before signing: PayeeBudgetExceeded/);
    assert.deepEqual({ verify: calls.verify, settle: calls.settle }, before, 'the refused call never reached the facilitator');
    console.log('guard:', result.stderr);

    // Forced past the guard: the program refuses it in the facilitator's simulation.
    result = await keeper(['fetch', url(CALLS + 2), '--decision-log', decisions, '--unguarded']);
    assert.equal(result.code, 1);
    assert.ok(calls.verify > before.verify, 'the unguarded payment reached the facilitator');
    assert.equal(calls.settled.length, CALLS + 1, 'and was not settled');
    const reason = calls.refused.at(-1);
    assert.match(reason, /simulation_failed/);
    // The program's error: PayeeBudgetExceeded, as its code in the simulation's instruction error.
    const idl = JSON.parse(readFileSync(new URL('../../idl/covenant.json', import.meta.url), 'utf8'));
    const code = idl.errors.find((error) => error.name === 'PayeeBudgetExceeded').code;
    assert.ok(reason.includes(`"Custom":${code}`) || reason.includes(String(code)), `the facilitator's reason names error ${code}: ${reason}`);
    assert.match(result.stderr, /^error: the facilitator did not settle the payment: invalid_exact_svm_smart_wallet_simulation_failed/);
    assert.equal(result.stderr.split('\n').length, 1, 'one line');
    assert.equal(await tokenBalance(providerAta), budget, 'nothing more was paid');
    assert.equal(served, CALLS + 1, 'the unpaid calls were never served');
    console.log('program, through the facilitator:', reason);
    // A server that is down: one line naming it, nothing signed.
    result = await keeper(['fetch', 'http://127.0.0.1:9/infer', '--decision-log', decisions]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: http:\/\/127\.0\.0\.1:9\/infer: /);
    assert.equal(result.stderr.split('\n').length, 1, 'one line');
    console.log('x402 suite passed');
} finally {
    listening.close();
    apiListening.close();
}
