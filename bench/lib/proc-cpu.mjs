// CPU time from Linux's /proc counters, shared by the benches: a process's (`/proc/<pid>/stat`), one thread's
// (`/proc/self/task/<tid>/stat`, `/proc/thread-self/stat`). Light on purpose: the peer's worker thread loads it too.
import { readFileSync } from 'node:fs';

/** User + system CPU time (ms) from a /proc stat file (clock ticks of 10 ms); null where there is none. */
export function procCpuMs(statPath) {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
