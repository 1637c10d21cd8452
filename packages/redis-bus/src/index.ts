export { RedisConnection } from './connection/redis-connection.js';
export type { OpenRedisOptions, RedisClient, RedisConnectionEvents, RedisMode } from './connection/redis-connection.js';
export { parseRedisConnection, redisConnectionSchema } from './connection/redis-options.js';
export type { RedisConnectionInput, RedisConnectionOptions, RedisTlsOptions } from './connection/redis-options.js';
export { mapRedisError } from './connection/map-redis-error.js';
