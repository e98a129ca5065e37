/**
 * The native data plane's engine: runs HAProxy and drives it live through its
 * runtime API. What goes into the config, the maps and the servers is decided
 * by the caller; this folder only talks to HAProxy.
 */
export { findHaproxy, MIN_HAPROXY_VERSION, type HaproxyBinary } from './haproxy-binary.js';
export { checkConfig, type ConfigCheck } from './haproxy-check-config.js';
export { HaproxyProcess, type HaproxyProcessOptions } from './haproxy-process.js';
export { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
export { checkMapEntry, delMapEntry, escapeCliWord, replaceMap, setMapEntry } from './haproxy-maps.js';
export { addServer, deleteServer, drainServer, setWeight } from './haproxy-servers.js';
export { parseShowStat, readStats, type HaproxyStatRow } from './haproxy-stats.js';
