import { z } from 'zod';
import { busTuningSchema } from '../bus/bus-options.js';

const backendSection = z.looseObject({ type: z.string().min(1), package: z.string().min(1).optional() });

/** Everything a profile may replace. */
const profileSchema = z
  .object({
    name: z.string().min(1),
    transport: backendSection,
    store: backendSection,
    bus: busTuningSchema,
  })
  .partial()
  .strict();

/**
 * A bus described as data:
 * ```json
 * { "name": "web",
 *   "transport": { "type": "zmq-peer", "bind": "tcp://127.0.0.1:12345" },
 *   "store": { "type": "level", "path": "./data/web" },
 *   "bus": { "endpoints": { "email": "tcp://127.0.0.1:12346" }, "inbox": { "maxAttempts": 8 } },
 *   "profiles": { "redis": { "transport": { "type": "redis-bus", "url": "redis://127.0.0.1:6379" } } } }
 * ```
 * A profile's sections replace the base's sections of the same name whole (a `transport` in a profile is the whole
 * transport), except `bus`, whose fields are merged.
 */
export const busConfigSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    transport: backendSection,
    store: backendSection,
    bus: busTuningSchema.optional(),
    /** Profile used when neither the caller nor RESOLUTE_PROFILE picks one. */
    defaultProfile: z.string().min(1).optional(),
    profiles: z.record(z.string(), profileSchema).optional(),
  })
  .strict();

export type BusConfig = z.infer<typeof busConfigSchema>;
export type BusConfigInput = z.input<typeof busConfigSchema>;
export type BackendConfig = z.infer<typeof backendSection>;
