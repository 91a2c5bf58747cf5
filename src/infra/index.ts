export { JsonCache, defaultCacheDir } from './cache.js';
export { toolVersion } from './version.js';
export { lazyRequire } from './lazy-require.js';
