// The cluster connection every module reads through; its own module so that chain.ts and
// tokens.ts can both use it without importing each other.
import { createSolanaRpc, type Rpc, type SolanaRpcApi } from '@solana/kit';

export type CovenantRpc = Rpc<SolanaRpcApi>;
export const connect = (url: string): CovenantRpc => createSolanaRpc(url);
