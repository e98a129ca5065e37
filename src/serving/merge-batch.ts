/**
 * Turns several checked requests into one set of model inputs (rows
 * concatenated along dimension 0, right-padding declared inputs to the longest
 * request) and splits the model's outputs back, so that each request gets
 * exactly its own rows.
 */
import type { ModelSignature } from './model-signature.js';
import type { InferInput, InferRequest } from './validate-infer-request.js';
import { jsonValues, V2_DATATYPES, v2DatatypeOf, type TensorData } from './v2-datatype.js';
import type { WireTensor } from './worker-pool.js';

export interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  data: Array<number | boolean | string>;
}

/**
 * Requests with equal keys can share a batch: the keys differ only in
 * dimension 0 and in the length of padded inputs.
 */
export function batchKey(signature: ModelSignature, request: InferRequest): string {
  let key = '';
  for (const spec of signature.inputs) {
    const shape = (request.inputs.get(spec.name) as InferInput).shape;
    const end = signature.padding.has(spec.name) ? shape.length - 1 : shape.length;
    key += `${shape.slice(1, end).join(',')};`;
  }
  return key;
}

function wire(input: InferInput): WireTensor {
  return { type: V2_DATATYPES[input.datatype].ort, dims: input.shape, data: input.data };
}

function concat(parts: InferInput[], pad: number | undefined): WireTensor {
  const first = parts[0] as InferInput;
  const last = first.shape.length - 1;
  const rows = parts.reduce((n, p) => n + (p.shape[0] as number), 0);
  const width = pad === undefined ? (first.shape[last] as number) : Math.max(...parts.map((p) => p.shape[last] as number));
  const shape = [rows, ...first.shape.slice(1)];
  if (last > 0) shape[last] = width;
  const info = V2_DATATYPES[first.datatype];
  const data = info.create(shape.reduce((a, b) => a * b, 1));
  if (pad !== undefined && pad !== 0) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data.fill(BigInt(pad));
    else (data as Float64Array).fill(pad);
  }
  let offset = 0;
  for (const part of parts) {
    const inner = last > 0 ? (part.shape[last] as number) : 1;
    if (inner === width || last === 0) {
      copy(part.data, data, offset);
      offset += part.data.length;
      continue;
    }
    // Right-pad every innermost run from `inner` to `width`.
    for (let from = 0; from < part.data.length; from += inner) {
      copy(part.data.slice(from, from + inner), data, offset);
      offset += width;
    }
  }
  return { type: info.ort, dims: shape, data };
}

function copy(from: TensorData, to: TensorData, offset: number): void {
  if (Array.isArray(to)) for (let i = 0; i < from.length; i++) to[offset + i] = from[i] as string;
  else (to as Float64Array).set(from as Float64Array, offset);
}

/** The model's inputs for one batch; a batch of one is passed through without copying. */
export function mergeBatch(signature: ModelSignature, requests: readonly InferRequest[]): Record<string, WireTensor> {
  const feeds: Record<string, WireTensor> = {};
  for (const spec of signature.inputs) {
    const parts = requests.map((r) => r.inputs.get(spec.name) as InferInput);
    feeds[spec.name] = parts.length === 1 ? wire(parts[0] as InferInput) : concat(parts, signature.padding.get(spec.name));
  }
  return feeds;
}

/**
 * Each request's outputs, in the order it asked for them (all outputs when it
 * did not ask).
 *
 * @throws Error when an output of a batch of several does not have one row per request row.
 */
export function splitBatch(
  signature: ModelSignature,
  outputs: Record<string, WireTensor>,
  requests: readonly InferRequest[],
): V2Output[][] {
  const total = requests.reduce((n, r) => n + r.rows, 0);
  const answers: V2Output[][] = requests.map(() => []);
  const all = signature.outputs.map((o) => o.name);
  let offset = 0;
  for (const [k, request] of requests.entries()) {
    for (const name of request.outputs ?? all) {
      const tensor = outputs[name];
      if (tensor === undefined) throw new Error(`the model gave no output "${name}"`);
      const datatype = v2DatatypeOf(tensor.type);
      if (datatype === undefined) throw new Error(`output "${name}" has type ${tensor.type}, which V2 JSON cannot carry`);
      if (requests.length === 1) {
        (answers[k] as V2Output[]).push({ name, datatype, shape: tensor.dims, data: jsonValues(datatype, tensor.data, 0, tensor.data.length) });
        continue;
      }
      if (tensor.dims[0] !== total) {
        throw new Error(`output "${name}" has ${tensor.dims[0]} rows for a batch of ${total}: the model does not keep rows apart`);
      }
      const rowSize = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
      const shape = [request.rows, ...tensor.dims.slice(1)];
      (answers[k] as V2Output[]).push({
        name,
        datatype,
        shape,
        data: jsonValues(datatype, tensor.data, offset * rowSize, (offset + request.rows) * rowSize),
      });
    }
    offset += request.rows;
  }
  return answers;
}
