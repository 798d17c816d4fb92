// An earlier commit's core, compiled from git into a temporary directory at bench time, so a benchmark can run
// the old code beside the current tree in one run on the same machine. `git archive` copies the commit's sources
// out without touching any worktree or the repository's metadata; the current node_modules are linked in; tsc
// emits without type-checking (an old tree need not type-check against today's dependencies). The compiled copy
// is kept per commit under the system temporary directory and reused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The commit of `revision` (any git revision: a hash, `main~3`, `<merge>^1`). */
export function resolveCommit(revision) {
  return execFileSync('git', ['-C', repository, 'rev-parse', '--verify', `${revision}^{commit}`], { encoding: 'utf8' }).trim();
}

/** Compiles `revision`'s src/core into a temporary directory (once) and returns the folder holding dist/src/core. */
export function buildBaseline(revision) {
  const commit = resolveCommit(revision);
  const root = path.join(os.tmpdir(), `retail-datagen-baseline-${commit.slice(0, 12)}`);
  const done = path.join(root, '.built');
  if (existsSync(done)) return { commit, root };
  mkdirSync(root, { recursive: true });
  const archive = execFileSync('git', ['-C', repository, 'archive', '--format=tar', commit, 'src', 'tsconfig.json', 'package.json'], {
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  if (!existsSync(path.join(root, 'node_modules'))) symlinkSync(path.join(repository, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  writeFileSync(
    path.join(root, 'tsconfig.baseline.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { outDir: 'dist', rootDir: '.', sourceMap: false, noCheck: true },
      include: ['src/core/**/*.ts'],
    }),
  );
  execFileSync(process.execPath, [path.join(repository, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.baseline.json')], {
    stdio: 'inherit',
  });
  writeFileSync(done, commit);
  return { commit, root };
}
