/**
 * The operators' guide alert rules (STREAMING_OPERATIONS.md) must refer only to metrics /metrics exposes.
 * The exposed names are read from the metrics function file itself, so adding or renaming a metric there is
 * what this checks, not a copy of the list.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const guide = path.resolve(root, '../shared/seeds/STREAMING_OPERATIONS.md');
const exposed = new Set([...readFileSync(path.join(root, 'src/functions/monitoring.ts'), 'utf8').matchAll(/(?:gauge\(|name: )'(streaming_[a-z_]+)'/g)].map((m) => m[1]!));

describe('Prometheus alert rules of the operators’ guide', () => {
  it('expose the metric names SPEC.md requires', () => {
    for (const name of ['streaming_events_generated', 'streaming_events_sent', 'streaming_events_failed', 'streaming_circuit_breaker_trips', 'streaming_events_per_second']) {
      expect(exposed, name).toContain(name);
    }
  });

  it.skipIf(!existsSync(guide))('use only metrics we expose', () => {
    const text = readFileSync(guide, 'utf8');
    const expressions = [...text.matchAll(/expr:\s*(.+)$/gm)].map((m) => m[1]!);
    expect(expressions.length).toBeGreaterThanOrEqual(3);
    for (const expression of expressions) {
      for (const [name] of expression.matchAll(/streaming_[a-z_]+/g)) expect(exposed, `${name} in ${expression}`).toContain(name);
    }
  });
});
