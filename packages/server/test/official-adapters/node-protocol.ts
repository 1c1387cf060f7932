/**
 * The IPC messages between a cross-node test and its server processes (adapter-node.ts): commands with an
 * id, answers with the same id, and reports (`event`). Binary arguments travel as `{ $bytes: [...] }`
 * (IPC is JSON) and become Buffers in the server process.
 */

export interface CommandArgs {
  rooms?: string[];
  except?: string[];
  event?: string;
  args?: unknown[];
  timeout?: number;
  ack?: boolean;
  id?: string;
  room?: string;
  count?: number;
  close?: boolean;
}

export interface NodeCommand {
  plexusTest: true;
  node: number;
  id: number;
  op: string;
  args?: CommandArgs;
}

export interface NodeMessage {
  plexusTest: true;
  node: number;
  id?: number;
  result?: unknown;
  error?: string;
  event?: string;
  data?: unknown;
}

/** An argument that the server process turns into a Buffer. */
export function bytes(values: readonly number[]): { $bytes: number[] } {
  return { $bytes: [...values] };
}

export function revive(args: readonly unknown[]): unknown[] {
  return args.map(reviveValue);
}

function reviveValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(reviveValue);
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.$bytes)) return Buffer.from(record.$bytes as number[]);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reviveValue(v)]));
}
