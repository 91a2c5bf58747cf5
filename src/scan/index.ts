export { inspect, inspectSource, type InspectOptions } from './inspect.js';
