import { z } from 'zod';

const role = z.string().regex(/^[^\s\p{Cc}{}:]{1,100}$/u, 'a role is 1-100 visible characters without spaces, braces or colons');

/**
 * A channel's options (`bus.channel(name, options)`). Roles name the channel's two queues: a party consumes the
 * queue of its own role and pushes to the other's. Defaults follow busmq: `connect()` takes `local` as its own role
 * and sends to `remote`; `listen()` takes the reverse, so one side connects and the other listens. With explicit
 * roles (`{ local: 'client', remote: 'server' }` on one side and the reverse on the other), both sides connect().
 */
export const channelOptionsSchema = z
  .object({
    local: role.default('local'),
    remote: role.default('remote'),
    /** How long the channel's queues (and messages not yet received) live after both parties left, in seconds. */
    ttlSeconds: z.number().positive().max(10 * 365 * 24 * 3600).optional(),
    /** How long a received message may stay unacked before it is redelivered (the channel acks after `message`). */
    leaseMs: z.number().int().min(50).max(24 * 3600_000).default(30_000),
    /** Most messages fetched per round trip. */
    prefetch: z.number().int().min(1).max(1_000).default(10),
    /** Presence heartbeat; `remote:*` events are noticed within about one heartbeat. Default: the bus's. */
    heartbeatMs: z.number().int().min(20).max(60_000).optional(),
    /** A party silent for this long counts as gone (`remote:disconnected`). Default: the bus's. */
    livenessMs: z.number().int().min(60).max(600_000).optional(),
  })
  .strict()
  .refine((o) => o.local !== o.remote, { message: 'local and remote must be different roles', path: ['remote'] });

export type ChannelOptions = z.input<typeof channelOptionsSchema>;
export type ResolvedChannelOptions = z.output<typeof channelOptionsSchema>;
