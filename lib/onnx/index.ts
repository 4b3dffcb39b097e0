/**
 * ONNX export and import (see README.md "ONNX"). Network.toONNX and Network.fromONNX delegate here; the
 * graph builder and reader are the parts a pipeline exporter shares.
 */
export { addNetwork, networkToONNX, type ExportableNetwork } from './export-network';
export { describeONNX } from './import-network';
export { GraphBuilder } from './graph-builder';
export { IR_VERSION, ML_OPSET_VERSION, OPSET_VERSION } from './versions';
export { tableInputs, tableToONNX, TABLE_OUTPUTS, type TableInput } from './export-table';
