export { inspect, inspectSource, type InspectOptions } from './inspect.js';
export { scan, reportFor, refineReport, readSbomFile, openVulnStore, type ScanOptions } from './scan.js';
