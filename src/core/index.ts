export * from './errors.js';
export type * from './os.js';
export type * from './layer.js';
export type * from './package.js';
export type * from './file.js';
export type * from './image.js';
export * from './events.js';
export type * from './sbom.js';
