import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

/**
 * What the run started and created, written to a file as it goes, so that scripts/chaos.mjs can
 * clean up by itself (kill these pids, drop the database, delete the queues and Redis keys) if the
 * run has to be stopped at the hard time limit before its own teardown ran.
 */
export interface RunState {
  pids: number[];
  database?: string;
  queuePrefix?: string;
  exchanges?: string[];
  redisPrefix?: string;
}

export const stateFile = process.env.CHAOS_STATE_FILE ?? path.join(resultsDir, 'state.json');

let state: RunState = { pids: [] };

function save(): void {
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

export function recordState(patch: Partial<RunState>): void {
  state = { ...state, ...patch };
  save();
}

export function recordPid(pid: number | undefined): void {
  if (pid === undefined) return;
  state.pids = [...new Set([...state.pids, pid])];
  save();
}

export function forgetPid(pid: number | undefined): void {
  state.pids = state.pids.filter((p) => p !== pid);
  save();
}

export function readState(file = stateFile): RunState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}
