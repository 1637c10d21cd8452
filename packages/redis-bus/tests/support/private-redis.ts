// The private redis-server helpers live in src/testing (published as @resolute/redis-bus/testing); tests import them
// from here as before.
export * from '../../src/testing/private-redis.js';
