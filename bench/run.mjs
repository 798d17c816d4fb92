#!/usr/bin/env node
// Runs every benchmark in bench/ (files named *.bench.mjs or the per-area scripts listed here) one after
// another, against the compiled app in dist/ (`npm run bench` builds first). Each prints its own rates and ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(folder)
  .filter((name) => name.endsWith('.mjs') && name !== 'run.mjs')
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
if (scripts.length === 0) {
  console.log('No benchmarks found in bench/.');
  process.exit(0);
}
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', path.join(folder, script)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
