/**
 * Reads what an ONNX file takes and gives (graph inputs and outputs: name,
 * element type as a V2 datatype, shape) so that a push records it and the
 * built-in server can check requests against it without loading the model.
 */
import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { MlaasError } from '../errors.js';
import type { TensorSpec } from './model-version.js';

// onnx-proto is CommonJS: at run time its namespace is only reachable through the default export.
const { onnx } = onnxProto;

/** ONNX TensorProto.DataType → Open Inference Protocol V2 datatype. */
const V2_DATATYPES: Readonly<Record<number, string>> = {
  [onnx.TensorProto.DataType.FLOAT]: 'FP32',
  [onnx.TensorProto.DataType.UINT8]: 'UINT8',
  [onnx.TensorProto.DataType.INT8]: 'INT8',
  [onnx.TensorProto.DataType.UINT16]: 'UINT16',
  [onnx.TensorProto.DataType.INT16]: 'INT16',
  [onnx.TensorProto.DataType.INT32]: 'INT32',
  [onnx.TensorProto.DataType.INT64]: 'INT64',
  [onnx.TensorProto.DataType.STRING]: 'BYTES',
  [onnx.TensorProto.DataType.BOOL]: 'BOOL',
  [onnx.TensorProto.DataType.FLOAT16]: 'FP16',
  [onnx.TensorProto.DataType.DOUBLE]: 'FP64',
  [onnx.TensorProto.DataType.UINT32]: 'UINT32',
  [onnx.TensorProto.DataType.UINT64]: 'UINT64',
  [onnx.TensorProto.DataType.BFLOAT16]: 'BF16',
};

export interface OnnxSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** `producer_name` of the file (`skl2onnx`, `pytorch`, …), when it has one. */
  producer?: string;
}

type Long = { toNumber(): number };

function toNumber(value: number | Long | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? value : value.toNumber();
}

/** The V2 name of an ONNX element type; types V2 lacks keep their ONNX name (`ONNX_COMPLEX64`, `ONNX_TYPE_19`). */
export function v2Datatype(elemType: number): string {
  const known = V2_DATATYPES[elemType];
  if (known !== undefined) return known;
  const onnxName = (onnx.TensorProto.DataType as unknown as Record<number, string | undefined>)[elemType];
  return onnxName === undefined ? `ONNX_TYPE_${elemType}` : `ONNX_${onnxName}`;
}

function describeType(type: Onnx.ITypeProto | null | undefined): string {
  if (type?.tensorType) return v2Datatype(type.tensorType.elemType ?? 0);
  if (type?.sequenceType) return `seq(${describeType(type.sequenceType.elemType)})`;
  if (type?.mapType) return `map(${v2Datatype(type.mapType.keyType ?? 0)},${describeType(type.mapType.valueType)})`;
  if (type?.optionalType) return `optional(${describeType(type.optionalType.elemType)})`;
  if (type?.sparseTensorType) return `sparse(${v2Datatype(type.sparseTensorType.elemType ?? 0)})`;
  return 'UNKNOWN';
}

function tensorSpec(info: Onnx.IValueInfoProto): TensorSpec {
  const spec: TensorSpec = { name: info.name ?? '', datatype: describeType(info.type), shape: [] };
  const tensor = info.type?.tensorType;
  if (!tensor) return spec;
  if (!tensor.shape) return { ...spec, anyRank: true };
  const dims = tensor.shape.dim ?? [];
  spec.shape = dims.map((dim) => {
    const size = toNumber(dim.dimValue);
    return size === undefined || size < 0 || dim.dimParam ? -1 : size;
  });
  if (dims.some((dim) => dim.dimParam)) spec.dimNames = dims.map((dim) => dim.dimParam || null);
  return spec;
}

/**
 * The graph inputs (minus initializers, which old exporters list as inputs too) and outputs of an ONNX model.
 * Throws `MODEL_INVALID` when the bytes are not an ONNX ModelProto with a graph.
 *
 * @example
 * readOnnxSignature(fs.readFileSync('spam.onnx')).inputs // [{ name: 'indices', datatype: 'INT64', shape: [-1, -1], dimNames: ['batch', 'tokens'] }]
 */
export function readOnnxSignature(bytes: Uint8Array, source = 'the model'): OnnxSignature {
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new MlaasError('MODEL_INVALID', `${source} is not an ONNX model: ${(err as Error).message}`, { cause: err });
  }
  const irVersion = toNumber(model.irVersion) ?? 0;
  if (irVersion < 1 || !model.graph || (model.graph.output ?? []).length === 0) {
    throw new MlaasError(
      'MODEL_INVALID',
      `${source} is not an ONNX model: expected an IR version ≥ 1 and a graph with outputs, got IR version ${irVersion} and ${model.graph ? `${(model.graph.output ?? []).length} outputs` : 'no graph'}`,
    );
  }
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  const signature: OnnxSignature = {
    inputs: (model.graph.input ?? []).filter((i) => !initializers.has(i.name)).map(tensorSpec),
    outputs: (model.graph.output ?? []).map(tensorSpec),
  };
  if (model.producerName) signature.producer = model.producerName;
  return signature;
}
