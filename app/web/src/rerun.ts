// Re-execution in the browser: the decision model, fetched by the hash a record names (and checked
// to hash to it), runs again on the record's features in onnxruntime-web, and its score must be
// the one the record logged, to the bit (float32). Loaded only when a record needs it.
import type { InferenceSession } from 'onnxruntime-web/wasm';

import { sha256Hex } from './records';

type Ort = typeof import('onnxruntime-web/wasm');
let runtime: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<InferenceSession>>();

function ort(): Promise<Ort> {
    runtime ??= (async () => {
        const module = await import('onnxruntime-web/wasm');
        const { default: wasm } = await import('onnxruntime-web/ort-wasm-simd-threaded.wasm?url');
        module.env.wasm.wasmPaths = { wasm };
        // One thread: no cross-origin isolation is asked of whoever serves the page.
        module.env.wasm.numThreads = 1;
        return module;
    })();
    return runtime;
}

async function session(base: string, modelHash: string): Promise<InferenceSession> {
    let found = sessions.get(modelHash);
    if (!found) {
        found = (async () => {
            const url = `${base}/models/${modelHash}.onnx`;
            const response = await fetch(url);
            if (!response.ok) throw new Error(`${url} answered ${response.status}`);
            const bytes = new Uint8Array(await response.arrayBuffer());
            const hashed = await sha256Hex(bytes);
            if (hashed !== modelHash) throw new Error(`the model at ${url} hashes to ${hashed}`);
            return (await ort()).InferenceSession.create(bytes);
        })();
        found.catch(() => sessions.delete(modelHash));
        sessions.set(modelHash, found);
    }
    return found;
}

export type Rerun = { reproduced: boolean; score: number; logged: number };

/** The model's `approve` score on `features` (the model reads as many as its input is wide). */
export async function rerun(base: string, modelHash: string, features: number[], logged: number): Promise<Rerun> {
    const [model, { Tensor }] = await Promise.all([session(base, modelHash), ort()]);
    const meta = model.inputMetadata?.[0] as { shape?: Array<number | string> } | undefined;
    const declared = meta?.shape?.[1];
    const width = typeof declared === 'number' ? declared : features.length;
    const input = new Tensor('float32', Float32Array.from(features.slice(0, width)), [1, width]);
    const output = await model.run({ features: input });
    const score = (output.approve.data as Float32Array)[0];
    return { reproduced: score === Math.fround(logged), score, logged };
}
