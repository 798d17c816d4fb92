/**
 * PUT /api/stream/config as one operation: the settings are validated and stored (ConfigService), and a pacing
 * change (emit_interval_ms, burst) reaches a running or paused stream at once: its drain reads the stream's
 * pace from the stream state, not from the configuration.
 */
import { nestFlatFields, type AppConfig } from '../config/schema.js';
import type { ConfigService } from '../config/config-service.js';
import { applyLivePacing, type StreamingDeps } from './control.js';

export async function updateStreamConfig(service: ConfigService, deps: StreamingDeps, body: unknown): Promise<AppConfig> {
  const updated = await service.update(body ?? {});
  const patch = (nestFlatFields(body ?? {}) as { realtime?: { emit_interval_ms?: unknown; burst?: unknown } }).realtime;
  if (patch && (patch.emit_interval_ms !== undefined || patch.burst !== undefined)) {
    await applyLivePacing(
      deps,
      patch.emit_interval_ms !== undefined ? updated.realtime.emit_interval_ms : undefined,
      patch.burst !== undefined ? updated.realtime.burst : undefined,
    );
  }
  return updated;
}
