// Test support for code that runs on Redis: a redis-server of the test's own (free port, temp dir, AOF) that a test
// may kill and restart, and a local Redis Cluster of real processes. Published as `@resolute/redis-bus/testing`
// (needs vitest, like @resolute/core/testing); never imported by the bus itself.
export { PrivateCluster, PrivateRedis, requireRedisServer } from './private-redis.js';
export type { PrivateRedisOptions } from './private-redis.js';
