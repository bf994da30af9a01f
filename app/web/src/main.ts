// The donor page: open a treasury by address (?treasury=…&rpc=…), see where its money is and what
// its keeper did with it, donate through a wallet, verify a decision hash.
import { address, type Address } from '@solana/kit';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import QRCode from 'qrcode';

import { activity, connect, load, type CovenantRpc, type Loaded } from './chain';
import { describe } from './errors';
import { decisionHash } from './verify';
import { confirm, connectWallet, donateSol, watchWallets } from './wallet';
import { esc, hex, lamportsToSol, optionValue, section, solToLamports, when } from './view';

const SOL_ASSET = '11111111111111111111111111111111';
const params = new URLSearchParams(location.search);
const rpcUrl = params.get('rpc') ?? 'http://127.0.0.1:8899';
const status = document.querySelector<HTMLParagraphElement>('#status')!;
const form = document.querySelector<HTMLFormElement>('#open')!;
(form.elements.namedItem('rpc') as HTMLInputElement).value = rpcUrl;

function say(text: string, kind: 'error' | 'ok' | '' = '') {
    status.textContent = text;
    status.className = kind;
}

let wallets: Wallet[] = [];
let connected: { wallet: Wallet; account: WalletAccount } | null = null;

async function show(rpc: CovenantRpc, treasury: Address) {
    say('loading…');
    const loaded = await load(rpc, treasury);
    document.querySelector('main')!.hidden = false;
    await renderVault(loaded);
    renderDonate(rpc, loaded);
    renderPolicies(loaded);
    renderPayees(loaded);
    renderGrants(loaded);
    renderBounties(loaded);
    renderVerify();
    say('');
    const events = await activity(rpc, treasury);
    section('activity', 'Activity', events.length
        ? `<table><tr><th>event</th><th>details</th><th>model hash · decision hash</th></tr>${events
              .map((event) => {
                  const data = event.data as Record<string, any>;
                  const decision = data.decision as { modelHash: Uint8Array; decisionHash: Uint8Array } | undefined;
                  const amount = typeof data.amount === 'bigint' ? `${lamportsToSol(data.amount)} SOL` : '';
                  const who = data.recipient ?? data.donor ?? data.claimant ?? '';
                  return `<tr class="event" data-name="${esc(event.name)}"><td>${esc(event.name)}</td><td>${esc(amount)} <span class="mono">${esc(String(who))}</span></td><td class="mono">${
                      decision ? `${hex(decision.modelHash)}<br><span class="decision-hash">${hex(decision.decisionHash)}</span>` : ''
                  }</td></tr>`;
              })
              .join('')}</table>`
        : '<p>No activity yet.</p>');
}

async function renderVault(loaded: Loaded) {
    const uri = `solana:${loaded.vault}`;
    section('vault', 'Vault', `<canvas id="qr"></canvas><div>
        <p>Send SOL or tokens to the vault; the chain enforces how the agent may spend them.</p>
        <p class="mono" id="vault-address">${loaded.vault}</p>
        <button id="copy">Copy address</button>
        <p>Balance (above rent): <strong id="vault-balance">${lamportsToSol(loaded.vaultLamports)} SOL</strong>
        ${when(loaded.treasury.paused, ' · <strong class="error">paused by its guardian</strong>')}</p>
        <p>Donations recorded: ${loaded.treasury.donationCount}</p></div>`);
    await QRCode.toCanvas(document.querySelector('#qr') as HTMLCanvasElement, uri, { width: 160 });
    document.querySelector('#copy')!.addEventListener('click', async () => {
        await navigator.clipboard.writeText(loaded.vault);
        say('vault address copied', 'ok');
    });
}

function renderDonate(rpc: CovenantRpc, loaded: Loaded) {
    const solPolicy = loaded.policies.find((policy) => policy.data.asset === SOL_ASSET)?.address;
    const draw = () => {
        section('donate', 'Donate', wallets.length === 0
            ? '<p>No wallet found: install Phantom, Solflare or Backpack (any Wallet Standard wallet).</p>'
            : `<p>${wallets.map((wallet, i) => `<button class="wallet" data-i="${i}">${esc(wallet.name)}</button>`).join(' ')}
               ${connected ? `connected: <span class="mono">${esc(connected.account.address)}</span>` : ''}</p>
               <p><input id="amount" value="1" size="8"> SOL <input id="memo" placeholder="memo" maxlength="64">
               <button id="give" ${connected ? '' : 'disabled'}>Donate</button></p>`);
        document.querySelectorAll<HTMLButtonElement>('button.wallet').forEach((button) =>
            button.addEventListener('click', async () => {
                try {
                    const wallet = wallets[Number(button.dataset.i)];
                    connected = { wallet, account: await connectWallet(wallet) };
                    draw();
                } catch (error) {
                    say(describe(error, rpcUrl), 'error');
                }
            }),
        );
        document.querySelector('#give')?.addEventListener('click', async () => {
            if (!connected) return;
            try {
                const lamports = solToLamports((document.querySelector('#amount') as HTMLInputElement).value);
                const memo = (document.querySelector('#memo') as HTMLInputElement).value;
                say('waiting for the wallet…');
                const signature = await donateSol(rpc, connected.wallet, connected.account, loaded.address, loaded.vault, solPolicy, lamports, memo);
                say('sent; confirming…');
                await confirm(rpc, signature);
                await show(rpc, loaded.address);
                say(`donated ${lamportsToSol(lamports)} SOL: ${signature}`, 'ok');
            } catch (error) {
                say(describe(error, rpcUrl), 'error');
            }
        });
    };
    watchWallets((found) => {
        wallets = found;
        draw();
    });
}

function renderPolicies(loaded: Loaded) {
    const rows = loaded.policies.map(({ data }) => {
        const limits = data.limits;
        const windowEnd = data.window.start + BigInt(limits.periodSeconds);
        const current = loaded.now < windowEnd;
        const spent = current ? data.window.spent : 0n;
        const used = limits.periodCap > 0n ? Number((spent * 1000n) / limits.periodCap) / 10 : 0;
        const asset = data.asset === SOL_ASSET ? 'SOL' : data.asset;
        const next = current ? new Date(Number(windowEnd) * 1000).toISOString().replace('.000Z', 'Z') : 'now (window over)';
        return `<tr><td class="mono">${esc(asset)}</td><td>${lamportsToSol(limits.perTxMax, data.decimals)}</td>
            <td><span class="bar"><span style="width:${Math.min(used, 100)}%"></span></span> ${lamportsToSol(spent, data.decimals)} of ${lamportsToSol(limits.periodCap, data.decimals)} (${used}%)</td>
            <td>${esc(next)}</td><td>${lamportsToSol(data.totalReceived, data.decimals)} / ${lamportsToSol(data.totalSpent, data.decimals)}</td></tr>`;
    });
    section('policies', 'Spend policies', rows.length
        ? `<table><tr><th>asset</th><th>per transaction</th><th>this period</th><th>next reset</th><th>received / spent</th></tr>${rows.join('')}</table>`
        : '<p>No spend policy: the keeper cannot spend anything.</p>');
}

function renderPayees(loaded: Loaded) {
    const byCategory = new Map<string, typeof loaded.payees>();
    for (const payee of loaded.payees) byCategory.set(payee.data.category, [...(byCategory.get(payee.data.category) ?? []), payee]);
    section('payees', 'Payees', byCategory.size
        ? [...byCategory].map(([category, payees]) => `<h3>${esc(category)}</h3><ul>${payees
              .map(({ data }) => `<li>${esc(data.label)} <span class="mono">${data.recipient}</span>, paid ${data.paidCount} times</li>`)
              .join('')}</ul>`).join('')
        : '<p>No allowlisted payees.</p>');
}

function renderGrants(loaded: Loaded) {
    section('grants', 'Grants', loaded.grants.length
        ? `<table><tr><th>grant</th><th>schedule</th><th>funded · released · spent · clawed back</th><th>expires</th></tr>${loaded.grants
              .map(({ data }) => {
                  const schedule = data.schedule;
                  const drawn = schedule.__kind === 'Tranches'
                      ? schedule.tranches.map((t) => `${new Date(Number(t.at) * 1000).toISOString().slice(0, 10)}: ${t.bps / 100}%`).join(', ')
                      : schedule.__kind === 'Linear'
                        ? `linear ${new Date(Number(schedule.start) * 1000).toISOString().slice(0, 10)} → ${new Date(Number(schedule.end) * 1000).toISOString().slice(0, 10)}`
                        : 'immediate';
                  const l = data.ledger as Record<string, bigint>;
                  return `<tr><td>#${data.grantId} from <span class="mono">${data.donor}</span></td><td>${esc(drawn)}</td>
                      <td>${[l.funded, l.released, l.spent, l.clawedBack].map((v) => lamportsToSol(v ?? 0n)).join(' · ')}</td>
                      <td>${new Date(Number(data.expiresAt) * 1000).toISOString().slice(0, 10)}</td></tr>`;
              })
              .join('')}</table>`
        : '<p>No grants.</p>');
}

function renderBounties(loaded: Loaded) {
    section('bounties', 'Bounties and claims', loaded.bounties.length
        ? loaded.bounties.map(({ data, claims }) => `<h3>#${data.id}: ${esc(data.description)}</h3>
            <p>${lamportsToSol(data.reward)} each, ${data.approvedCount} of ${data.maxClaims} paid</p>
            <ul>${claims.map((claim) => `<li><span class="mono">${claim.data.claimant}</span>: ${esc(String(claim.data.status))}
                ${optionValue(claim.data.settledAt) !== undefined ? ` <span class="mono">decision ${hex(claim.data.decision.decisionHash)}</span>` : ''}</li>`).join('')}</ul>`).join('')
        : '<p>No bounties.</p>');
}

function renderVerify() {
    section('verify', 'Verify a decision', `<p>Paste one line of the keeper's decision log: its hash is
        recomputed here and must equal the decision hash the chain recorded.</p>
        <textarea id="line" rows="4"></textarea><button id="check">Verify</button> <span id="verdict"></span>`);
    document.querySelector('#check')!.addEventListener('click', async () => {
        const verdict = document.querySelector('#verdict')!;
        try {
            const { computed, logged } = await decisionHash((document.querySelector('#line') as HTMLTextAreaElement).value.trim());
            const onChain = [...document.querySelectorAll('.decision-hash')].some((cell) => cell.textContent === computed);
            verdict.className = computed === logged ? 'ok' : 'error';
            verdict.textContent = `${computed}: ${computed === logged ? 'matches the line' : `differs from the line's ${logged}`}${onChain ? ', and is on chain in the activity above' : ''}`;
        } catch (error) {
            verdict.className = 'error';
            verdict.textContent = describe(error, rpcUrl);
        }
    });
}

form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.search = new URLSearchParams({ treasury: String(data.get('treasury')), rpc: String(data.get('rpc')) }).toString();
});

const treasuryParam = params.get('treasury');
if (treasuryParam) {
    (form.elements.namedItem('treasury') as HTMLInputElement).value = treasuryParam;
    try {
        await show(connect(rpcUrl), address(treasuryParam));
    } catch (error) {
        say(describe(error, rpcUrl), 'error');
    }
} else {
    say('Open a treasury by its address.');
}
