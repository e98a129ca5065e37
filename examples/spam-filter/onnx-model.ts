/**
 * Writes a logistic-regression model over hashed token buckets as ONNX
 * (opset 13), so that any ONNX runtime can serve it:
 *
 *   indices int64 [batch, tokens] (0 = padding)
 *     → Gather(W float[buckets]) → ReduceSum(axis 1) → Add(bias) → Sigmoid
 *     → spam_probability float [batch]
 *
 * W[0] is forced to 0 so that padding adds nothing.
 */
import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { INPUT_NAME, OUTPUT_NAME } from './model-signature.js';

export { INPUT_NAME, OUTPUT_NAME };

// onnx-proto is CommonJS: at run time its namespace is only reachable through the default export.
const { onnx } = onnxProto;

export const OPSET = 13;

export interface LogisticWeights {
  weights: Float32Array;
  bias: number;
  /** Stored as the model's metadata_props, e.g. the tokenizer version. */
  metadata?: Record<string, string>;
}

function floatTensor(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes };
}

function int64Tensor(name: string, values: bigint[]): Onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, value, true));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: bytes };
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/**
 * The ONNX bytes of a logistic model over `weights.length` buckets.
 *
 * @example
 * fs.writeFileSync('spam.onnx', buildLogisticModel({ weights, bias: -1.2 }));
 */
export function buildLogisticModel({ weights, bias, metadata = {} }: LogisticWeights): Uint8Array {
  const w = Float32Array.from(weights);
  w[0] = 0;
  const graph: Onnx.IGraphProto = {
    name: 'hashed_logistic_regression',
    input: [valueInfo(INPUT_NAME, onnx.TensorProto.DataType.INT64, ['batch', 'tokens'])],
    output: [valueInfo(OUTPUT_NAME, onnx.TensorProto.DataType.FLOAT, ['batch'])],
    initializer: [
      floatTensor('W', [w.length], w),
      floatTensor('bias', [], Float32Array.of(bias)),
      int64Tensor('token_axis', [1n]),
    ],
    node: [
      { opType: 'Gather', input: ['W', INPUT_NAME], output: ['token_weights'], name: 'gather' },
      {
        opType: 'ReduceSum',
        input: ['token_weights', 'token_axis'],
        output: ['score'],
        name: 'sum',
        attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      },
      { opType: 'Add', input: ['score', 'bias'], output: ['logit'], name: 'add_bias' },
      { opType: 'Sigmoid', input: ['logit'], output: [OUTPUT_NAME], name: 'sigmoid' },
    ],
  };
  const model: Onnx.IModelProto = {
    // IR version 7 is the one that goes with opset 13.
    irVersion: 7,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'mlaas-spam-filter',
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
