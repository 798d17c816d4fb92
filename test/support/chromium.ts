/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which cannot download browsers here).
 * A clean CI machine has no Chromium: when /usr/bin/chromium is missing and the tests run as root with
 * apt-get, it is installed with apt (an `apt-get update` first only if the plain install fails).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${command} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

export interface ChromiumSetup {
  /** Where the browser must be. */
  path: string;
  aptGet: string;
  isRoot: boolean;
}

const SYSTEM: ChromiumSetup = { path: CHROMIUM_PATH, aptGet: '/usr/bin/apt-get', isRoot: process.getuid?.() === 0 };

/** Makes sure Chromium exists, installing it with apt-get when possible; clear errors otherwise. */
export async function ensureChromium(setup: ChromiumSetup = SYSTEM): Promise<string> {
  if (existsSync(setup.path)) return setup.path;
  if (!existsSync(setup.aptGet)) {
    throw new Error(`The browser tests need Debian's Chromium at ${setup.path}; this machine has no apt-get to install it.`);
  }
  if (!setup.isRoot) {
    throw new Error(`The browser tests need Chromium at ${setup.path}. Install it once with: sudo apt-get install -y --no-install-recommends chromium`);
  }
  const install = () => run(setup.aptGet, ['install', '-y', '--no-install-recommends', 'chromium']);
  try {
    await install();
  } catch (first) {
    // A fresh image often has no package lists yet; refresh them and try once more.
    try {
      await run(setup.aptGet, ['update']);
      await install();
    } catch (second) {
      throw new Error(`Could not install Chromium with apt-get.\n${(second as Error).message}\nFirst attempt: ${(first as Error).message}`);
    }
  }
  if (!existsSync(setup.path)) throw new Error(`apt-get installed chromium, but ${setup.path} does not exist`);
  return setup.path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await ensureChromium(), args: CHROMIUM_ARGS });
}

/**
 * Makes sure a command-line tool from a Debian package exists (jq and bc for the operators' guides' commands),
 * installing the package with apt-get on a clean root CI machine, as for Chromium.
 */
export async function ensureDebianTool(binary: string, debianPackage: string, aptGet = SYSTEM.aptGet): Promise<string> {
  if (existsSync(binary)) return binary;
  if (!existsSync(aptGet) || process.getuid?.() !== 0)
    throw new Error(`These tests need ${binary}. Install it once with: sudo apt-get install -y ${debianPackage}`);
  const install = () => run(aptGet, ['install', '-y', '--no-install-recommends', debianPackage]);
  await install().catch(async () => {
    await run(aptGet, ['update']);
    await install();
  });
  if (!existsSync(binary)) throw new Error(`apt-get installed ${debianPackage}, but ${binary} does not exist`);
  return binary;
}
