/**
 * What the server knows about one loaded model: its inputs and outputs in V2
 * terms (datatype names, -1 for a dynamic dimension), whether requests may be
 * batched along dimension 0, and which inputs may be right-padded so that
 * requests of different lengths share a batch.
 */
import { v2DatatypeOf, type V2Datatype } from './v2-datatype.js';

/** A model input or output as onnxruntime describes it (sent by the inference worker). */
export interface RawTensorInfo {
  name: string;
  type: string;
  /** A number for a fixed dimension; a name (or -1) for a dynamic one. */
  shape: ReadonlyArray<number | string>;
}

export interface RawModelInfo {
  inputs: RawTensorInfo[];
  outputs: RawTensorInfo[];
  /** The model's `metadata_props`. */
  metadata: Record<string, string>;
}

export interface TensorSpec {
  name: string;
  datatype: V2Datatype;
  /** -1 for a dynamic dimension. */
  shape: number[];
  /** The symbolic name of each dynamic dimension (`batch`, `tokens`), where the model gives one. */
  dimNames: Array<string | undefined>;
}

export interface ModelSignature {
  name: string;
  version: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Every input and output has a dynamic dimension 0, so rows of several requests can run as one. */
  batchable: boolean;
  /** Input name → the value its last dimension may be right-padded with when batching. */
  padding: ReadonlyMap<string, number>;
}

/** `metadata_props` key that declares an input's padding value, e.g. `mlaas.padding.indices = 0`. */
export const PADDING_METADATA_PREFIX = 'mlaas.padding.';

export interface SignatureOptions {
  name: string;
  version: string;
  /** Input name → padding value given outside the model (MLAAS_ONNX_PAD_<INPUT>); wins over metadata. */
  padding: ReadonlyMap<string, number>;
}

/**
 * The signature of a loaded model.
 *
 * @throws Error naming the tensor when it has a type V2 cannot carry, or when a
 * padding value is declared for an input that cannot be padded.
 */
export function modelSignature(raw: RawModelInfo, options: SignatureOptions): ModelSignature {
  const inputs = raw.inputs.map((t) => tensorSpec(options.name, 'input', t));
  const outputs = raw.outputs.map((t) => tensorSpec(options.name, 'output', t));
  const batchable = [...inputs, ...outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);
  return {
    name: options.name,
    version: options.version,
    inputs,
    outputs,
    batchable,
    padding: paddingOf(options.name, inputs, outputs, raw.metadata, options.padding),
  };
}

function tensorSpec(model: string, role: string, t: RawTensorInfo): TensorSpec {
  const datatype = v2DatatypeOf(t.type);
  if (datatype === undefined) {
    throw new Error(`model "${model}": ${role} "${t.name}" has type ${t.type}, which this server cannot carry over V2 JSON`);
  }
  return {
    name: t.name,
    datatype,
    shape: t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    dimNames: t.shape.map((d) => (typeof d === 'string' && d !== '' ? d : undefined)),
  };
}

function paddingOf(
  model: string,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
  metadata: Record<string, string>,
  fromEnv: ReadonlyMap<string, number>,
): Map<string, number> {
  const padding = new Map<string, number>();
  for (const input of inputs) {
    const declared = fromEnv.get(input.name) ?? metadataPadding(model, input.name, metadata);
    if (declared === undefined) continue;
    const last = input.shape.length - 1;
    if (last < 1 || input.shape[last] !== -1 || input.datatype === 'BYTES' || input.datatype === 'BOOL') {
      throw new Error(
        `model "${model}": input "${input.name}" cannot be padded: padding needs a numeric input of rank ≥ 2 ` +
          `whose last dimension is dynamic, got ${input.datatype} [${input.shape.join(', ')}]`,
      );
    }
    // An output that follows the padded length would come back padded: refuse rather than answer wrong shapes.
    const lengthName = input.dimNames[last];
    const leaking = outputs.find((o) => lengthName !== undefined && o.dimNames.includes(lengthName));
    if (leaking !== undefined) {
      throw new Error(
        `model "${model}": input "${input.name}" cannot be padded: output "${leaking.name}" has the padded dimension "${lengthName}"`,
      );
    }
    if (!Number.isInteger(declared) && input.datatype !== 'FP32' && input.datatype !== 'FP64') {
      throw new Error(`model "${model}": input "${input.name}" is ${input.datatype}, so its padding must be an integer, got ${declared}`);
    }
    padding.set(input.name, declared);
  }
  return padding;
}

function metadataPadding(model: string, input: string, metadata: Record<string, string>): number | undefined {
  const raw = metadata[PADDING_METADATA_PREFIX + input];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new Error(`model "${model}": metadata ${PADDING_METADATA_PREFIX}${input} must be a number, got "${raw}"`);
  }
  return value;
}
