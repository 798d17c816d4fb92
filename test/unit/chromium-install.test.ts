/**
 * The browser tests' Chromium installer, against a stand-in apt-get (the real one is never run here): it installs
 * when missing, refreshes the package lists only when a plain install fails, and says clearly what went wrong.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureChromium } from '../support/chromium.js';

/** A fake apt-get: logs its arguments; `install` fails until `update` has run (as on a fresh image), then "installs". */
async function fakeAptGet(options: { everFails?: boolean } = {}) {
  const folder = await mkdtemp(path.join(tmpdir(), 'apt-'));
  const browser = path.join(folder, 'chromium');
  const aptGet = path.join(folder, 'apt-get');
  await writeFile(
    aptGet,
    `#!/bin/sh
echo "$*" >> "${folder}/calls"
${options.everFails ? 'echo "E: Unable to locate package chromium" >&2; exit 100' : ''}
if [ "$1" = "update" ]; then touch "${folder}/lists"; exit 0; fi
if [ ! -f "${folder}/lists" ]; then echo "E: Unable to locate package chromium" >&2; exit 100; fi
touch "${browser}"
`,
  );
  await chmod(aptGet, 0o755);
  const calls = async () => (await readFile(path.join(folder, 'calls'), 'utf8')).trim().split('\n');
  return { browser, aptGet, calls };
}

describe('ensureChromium', () => {
  it('installs a missing Chromium, running apt-get update only after a failed install', async () => {
    const fake = await fakeAptGet();
    expect(await ensureChromium({ path: fake.browser, aptGet: fake.aptGet, isRoot: true })).toBe(fake.browser);
    expect(await fake.calls()).toEqual(['install -y --no-install-recommends chromium', 'update', 'install -y --no-install-recommends chromium']);
    // Present now: nothing more is run.
    await ensureChromium({ path: fake.browser, aptGet: fake.aptGet, isRoot: true });
    expect(await fake.calls()).toHaveLength(3);
  });

  it('reports apt-get’s own error when the install keeps failing', async () => {
    const fake = await fakeAptGet({ everFails: true });
    await expect(ensureChromium({ path: fake.browser, aptGet: fake.aptGet, isRoot: true })).rejects.toThrow(
      /Could not install Chromium[\s\S]*Unable to locate package chromium/,
    );
  });

  it('tells a non-root user the command to run, and a machine without apt-get what is missing', async () => {
    const fake = await fakeAptGet();
    await expect(ensureChromium({ path: fake.browser, aptGet: fake.aptGet, isRoot: false })).rejects.toThrow(
      'sudo apt-get install -y --no-install-recommends chromium',
    );
    await expect(ensureChromium({ path: fake.browser, aptGet: path.join(path.dirname(fake.aptGet), 'none'), isRoot: true })).rejects.toThrow('no apt-get');
  });
});
