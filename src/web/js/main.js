// Dashboard entry point: checks access (asking for a function key when the app wants one), wires every panel,
// and refreshes them on two cadences: streaming every 2 s, everything else every 5 s. Polling pauses while
// the tab is hidden or the key is missing. Every failure is shown in its panel; nothing fails silently.
import { adoptKeyFromUrl, api, onUnauthorized } from './api.js';
import { byId, setText } from './dom.js';
import { refreshDisruptions, setupDisruptions } from './disruptions.js';
import { refreshRecent } from './events.js';
import { refreshGeneration, setupJobs } from './jobs.js';
import { askForKey, setupKeyPrompt } from './key.js';
import { refreshDeadLetters, refreshOutbox, setupOutbox } from './outbox.js';
import { setupRealism } from './realism.js';
import { loadSettings, setupSettings } from './settings.js';
import { isStreaming, refreshHealth, refreshStream, setupStream, showStreamDefaults } from './stream.js';
import { refreshTables, renderTiles, setupTables } from './tables.js';

const FAST_MS = 2000;
const SLOW_MS = 5000;

let locked = true;
let pollersStarted = false;
let fastTicks = 0;

async function refreshApp() {
  const banner = byId('global-error');
  try {
    const health = await api('/health');
    banner.hidden = true;
    setText('app-version', `v${health.version}`);
  } catch (error) {
    banner.hidden = false;
    banner.textContent = `The app is not answering: ${error.message}. The panels show the last data they loaded.`;
  }
}

async function fast() {
  fastTicks++;
  // Recent events only change while streaming; otherwise they are read on every third tick.
  await Promise.all([refreshStream(), isStreaming() || fastTicks % 3 === 1 ? refreshRecent() : undefined]);
}

async function slow() {
  await Promise.all([refreshApp(), refreshHealth(), refreshOutbox(), refreshDeadLetters(), refreshGeneration(), refreshTables(), refreshDisruptions()]);
}

/** After an action: refresh every panel now rather than at its next tick. */
function refreshAll() {
  if (locked) return;
  void Promise.all([fast(), slow()]);
}

function every(intervalMs, task) {
  const tick = async () => {
    try {
      if (!locked && !document.hidden) await task();
    } catch (error) {
      // Panels report their own failures; this is a bug in the page itself, so say so rather than stop polling.
      const banner = byId('global-error');
      banner.hidden = false;
      banner.textContent = `The dashboard hit an error: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      setTimeout(tick, intervalMs);
    }
  };
  setTimeout(tick, intervalMs);
}

/** Probes access with one API call; on 401 the key prompt is already up (see onUnauthorized). */
async function start() {
  void refreshApp(); // /health needs no key: the version shows even while the page asks for one.
  try {
    await api('/api/generators/state');
  } catch (error) {
    if (error.status === 401) return;
    // Anything else (app down, storage down) is shown by the panels themselves.
  }
  locked = false;
  byId('key-panel').hidden = true;
  byId('dashboard').hidden = false;
  await Promise.all([loadSettings(), fast(), slow()]);
  if (!pollersStarted) {
    pollersStarted = true;
    every(FAST_MS, fast);
    every(SLOW_MS, slow);
  }
}

onUnauthorized(() => {
  // Several panels may get the 401 at once; ask once.
  if (!byId('key-panel').hidden) return;
  locked = true;
  askForKey();
});
adoptKeyFromUrl();
setupKeyPrompt(() => void start());
setupStream(refreshAll);
setupOutbox(refreshAll);
setupJobs(refreshAll, renderTiles);
setupTables();
setupRealism();
setupDisruptions(refreshAll);
setupSettings(showStreamDefaults, refreshAll);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refreshAll();
});
void start();
