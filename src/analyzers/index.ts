export type { Analyzer, AnalyzerOutput, Located, MergeInput, PackageDraft } from './analyzer.js';
export { DEFAULT_MAX_FILE_SIZE, firstLayerByKey } from './analyzer.js';
export { analyzers } from './registry.js';
export { LayerCollector, analyzerFingerprint, mergeLayers, type LayerFacts, type MergeResult, type MergedPackage } from './layers.js';
export { coverageTable } from './coverage.js';
