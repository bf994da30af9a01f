// The MCP suite on a real validator (scripts/localnet): the official MCP TypeScript SDK's client
// asks the keeper's MCP server (over Streamable HTTP, a keeper.toml like an operator's) for
// payments from a treasury the keeper binary created; balances are read back over JSON-RPC.
// A payment within the policy lands, one over the per-transaction max is refused by name, one
// above the co-sign threshold waits, and a key retried after a server restart pays once.
// Env: COVENANT_LOCALNET_URL, COVENANT_LOCALNET_FAUCET (keypair file), COVENANT_KEEPER (binary).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    address,
    appendTransactionMessageInstruction,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createTransactionMessage,
    getBase58Decoder,
    getBase64EncodedWireTransaction,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';

const rpcUrl = process.env.COVENANT_LOCALNET_URL;
const keeperBin = process.env.COVENANT_KEEPER;
assert.ok(rpcUrl && keeperBin && process.env.COVENANT_LOCALNET_FAUCET, 'COVENANT_LOCALNET_URL, _FAUCET and COVENANT_KEEPER');
const rpc = createSolanaRpc(rpcUrl);
const faucetBytes = new Uint8Array(JSON.parse(readFileSync(process.env.COVENANT_LOCALNET_FAUCET, 'utf8')));
const faucet = await createKeyPairSignerFromBytes(faucetBytes);
const dir = mkdtempSync(join(tmpdir(), 'covenant-mcp-localnet-'));
const SOL = 1_000_000_000n;

/** A fresh key as Solana CLI keypair bytes, and its address. */
function newKey() {
    const seed = randomBytes(32);
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const publicKey = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).subarray(-32);
    return { bytes: [...seed, ...publicKey], address: address(getBase58Decoder().decode(publicKey)) };
}

/** `lamports` from the faucet to `to` (a system transfer), confirmed. */
async function fund(to, lamports) {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setUint32(0, 2, true);
    new DataView(data.buffer).setBigUint64(4, lamports, true);
    const transfer = { programAddress: address('11111111111111111111111111111111'), accounts: [{ address: faucet.address, role: 3, signer: faucet }, { address: to, role: 1 }], data };
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(faucet, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstruction(transfer, m),
    );
    const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(await signTransactionMessageWithSigners(message)), { encoding: 'base64' }).send();
    for (let i = 0; i < 150 && !(await rpc.getSignatureStatuses([signature]).send()).value[0]?.confirmationStatus; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

const balance = async (key) => (await rpc.getBalance(address(key), { commitment: 'confirmed' }).send()).value;

/** The keeper binary with this suite's keeper.toml; resolves with its output. */
function keeper(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(keeperBin, ['--config', join(dir, 'keeper.toml'), ...args], { env: { ...process.env, RUST_LOG: 'error' } });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.stderr.on('data', (chunk) => (out += chunk));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`keeper ${args[0]} exited ${code}: ${out}`))));
    });
}

function server() {
    const child = spawn(keeperBin, ['--config', join(dir, 'keeper.toml'), 'mcp', '--http', '--bind', '127.0.0.1:0'], { env: { ...process.env, RUST_LOG: 'error' } });
    return new Promise((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk) => {
            err += chunk;
            const found = err.match(/covenant MCP server on (http:\/\/\S+)\n/);
            if (found) resolve({ child, url: new URL(found[1]) });
        });
        child.on('exit', (code) => reject(new Error(`mcp exited ${code}: ${err}`)));
    });
}

async function connect(url) {
    const client = new Client({ name: 'covenant-mcp-localnet', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: 'Bearer localnet-agent' } } }));
    return client;
}

const pay = (client, to, amount, key) => client.callTool({ name: 'request_payment', arguments: { to, amount, purpose: 'image API', idempotency_key: key } });

test('an agent pays through MCP on a real validator, within the chain\'s limits, once per key', { timeout: 300_000 }, async () => {
    const keeperKey = newKey();
    const vendor = newKey().address;
    writeFileSync(join(dir, 'keeper.json'), JSON.stringify(keeperKey.bytes));
    copyFileSync(process.env.COVENANT_LOCALNET_FAUCET, join(dir, 'faucet.json'));
    await fund(keeperKey.address, 2n * SOL);
    await fund(vendor, SOL); // the vendor's wallet exists (the rent rule needs nothing more)
    const hash = createHash('sha256').update('localnet-agent').digest('hex');
    writeFileSync(
        join(dir, 'keeper.toml'),
        `[cluster]\nurl = "${rpcUrl}"\n[keys]\nkeeper = "keeper.json"\n[treasury]\nid = ${Date.now() % 1_000_000}\noperator = "${faucet.address}"\n` +
            `[[policy]]\nasset = "SOL"\nper_tx_max = "0.5 SOL"\nperiod_seconds = 86_400\nperiod_cap = "2 SOL"\ncosign_threshold = "0.3 SOL"\ntimelock_seconds = 3_600\nallowlist_required = true\n` +
            `[[payee]]\nrecipient = "${vendor}"\nlabel = "image API"\ncategory = "dev"\n` +
            `[loop]\ndecision_log = "decisions.jsonl"\n[[mcp.agent]]\nid = "artist"\ntoken_sha256 = "${hash}"\n`,
    );
    await keeper(['init', '--operator', 'faucet.json']);
    await keeper(['donate', '--from', 'faucet.json', '--amount', '3']);

    let { child, url } = await server();
    let client = await connect(url);
    try {
        const before = await balance(vendor);
        const paid = await pay(client, vendor, '0.2', 'localnet-1');
        assert.equal(paid.structuredContent.status, 'paid', JSON.stringify(paid.structuredContent));
        assert.equal(await balance(vendor), before + SOL / 5n, 'exactly 0.2 SOL arrived');

        const over = await pay(client, vendor, '0.7', 'localnet-2');
        assert.equal(over.isError, true);
        assert.equal(over.structuredContent.refusal.error, 'ExceedsPerTxMax');
        const pending = await pay(client, vendor, '0.4', 'localnet-3');
        assert.equal(pending.structuredContent.status, 'pending', JSON.stringify(pending.structuredContent));
        assert.equal(await balance(vendor), before + SOL / 5n, 'nothing more moved');

        // A restart: the same key answers the same and pays nothing more.
        await client.close();
        child.kill();
        ({ child, url } = await server());
        client = await connect(url);
        const again = await pay(client, vendor, '0.2', 'localnet-1');
        assert.equal(again.structuredContent.signature, paid.structuredContent.signature);
        assert.equal(await balance(vendor), before + SOL / 5n, 'paid once');
        const status = await client.callTool({ name: 'treasury_status', arguments: {} });
        assert.equal(status.structuredContent.policies[0].window_spent, Number(SOL / 5n));
        assert.equal(status.structuredContent.pending_spends.length, 1);
    } finally {
        await client.close();
        child.kill();
    }
});
