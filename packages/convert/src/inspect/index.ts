export { describeModel, inspectKerasFile } from './inspect-keras-file.js';
export type { InspectedDataset, InspectedLayer, KerasInspectReport } from './inspect-keras-file.js';
export { formatInspectJson, formatInspectTable } from './format-inspect.js';
