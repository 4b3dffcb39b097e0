/**
 * The ONNX versions blasnet writes. Chosen as the oldest that hold what the graphs need, so that older
 * runtimes load them too:
 * - opset 13 of the default domain (ai.onnx): Softmax-13 normalises one axis (earlier versions flatten the
 *   input to 2-D first, the same thing for blasnet's [N, classes] but not in general), and every operator
 *   a network uses (Gemm, Relu, Sigmoid, Tanh, LeakyRelu, Greater, Where, Mul, Identity) exists in it with
 *   float and double kernels in onnxruntime;
 * - IR version 7, the IR that opset 13 was published with (ONNX 1.8): what `torch.onnx.export` also writes.
 * The committed onnx.proto is ONNX 1.12.0's (IR 8). Files of later IR versions (PyTorch 2's, IR 8 to 10)
 * are read too: protobuf skips fields it does not know, and none that an MLP needs were added after IR 8.
 */

/** ModelProto.ir_version of the files blasnet writes. */
export const IR_VERSION = 7;

/** The ai.onnx operator set version of the files blasnet writes. */
export const OPSET_VERSION = 13;

/**
 * The ai.onnx.ml operator set version of a table model's pipeline (export-table.ts): 2, the version ONNX 1.8
 * published beside opset 13, and the first with LabelEncoder-2 (string -> int64 keys for the categories,
 * int64 -> string for the labels). skl2onnx writes the same operator for the same jobs.
 */
export const ML_OPSET_VERSION = 2;
