import { LuaScript } from '../connection/lua-script.js';

/** The transport's Lua scripts (lua/<name>.lua; each file's header lists its KEYS, ARGV and return value). */
export const STREAM_SCRIPTS = {
  append: new LuaScript('stream-append-1', 1),
  ack: new LuaScript('stream-ack-1', 1),
  extendLease: new LuaScript('stream-extend-lease-1', 1),
  release: new LuaScript('stream-release-1', 1),
  housekeep: new LuaScript('stream-housekeep-1', 1),
  dropGroup: new LuaScript('stream-drop-group-1', 1),
  endSubscription: new LuaScript('subscription-end-2', 2),
} as const;
