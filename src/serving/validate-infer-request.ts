/**
 * Checks a V2 infer request against the model's signature and turns its JSON
 * data into typed arrays in one pass. Every problem names the input it is
 * about, e.g. `inputs[0] (indices): expected datatype INT64, got FP32`.
 */
import { MlaasError, type FieldIssue } from '../errors.js';
import { previewValue } from '../preview-value.js';
import type { ModelSignature, TensorSpec } from './model-signature.js';
import { isV2Datatype, V2_DATATYPES, type TensorData, type V2Datatype } from './v2-datatype.js';

export interface InferInput {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  data: TensorData;
}

export interface InferRequest {
  /** Echoed in the response. */
  id: string | undefined;
  /** By input name, every input of the model exactly once. */
  inputs: Map<string, InferInput>;
  /** The outputs to answer with, in the order asked for; undefined = all. */
  outputs: string[] | undefined;
  /** Size of dimension 0 (the batch), for a batchable model. */
  rows: number;
}

/** Dimensions shown of a caller's shape; a rank beyond it is wrong anyway. */
const MAX_SHOWN_DIMS = 16;

/** `[-1, 3]` */
export function formatShape(shape: readonly number[]): string {
  if (shape.length > MAX_SHOWN_DIMS) return `[${shape.slice(0, MAX_SHOWN_DIMS).join(', ')}, ...]`;
  return `[${shape.join(', ')}]`;
}

function describeSpec(spec: TensorSpec): string {
  return `${spec.name} (${spec.datatype} ${formatShape(spec.shape)})`;
}

/** A caller's input name as it appears in a label: named, not echoed. */
function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}...` : name;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Issues {
  readonly fields: FieldIssue[] = [];
  readonly lines: string[] = [];

  add(label: string, path: string, message: string): void {
    this.fields.push({ path, message });
    this.lines.push(`${label}: ${message}`);
  }
}

function readInput(raw: unknown, i: number, signature: ModelSignature, issues: Issues): InferInput | undefined {
  const path = `inputs[${i}]`;
  if (!isObject(raw) || typeof raw['name'] !== 'string') {
    issues.add(path, path, 'expected an object with name, shape, datatype and data');
    return undefined;
  }
  const name = raw['name'];
  const label = `${path} (${shortName(name)})`;
  const spec = signature.inputs.find((s) => s.name === name);
  if (spec === undefined) {
    issues.add(label, `${path}.name`, `unknown input; the model's inputs are ${signature.inputs.map(describeSpec).join(', ')}`);
    return undefined;
  }
  const datatype = raw['datatype'];
  if (datatype !== spec.datatype) {
    const got = isV2Datatype(datatype) ? datatype : previewValue(datatype);
    issues.add(label, `${path}.datatype`, `expected datatype ${spec.datatype}, got ${got}`);
    return undefined;
  }
  const shape = raw['shape'];
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && (d as number) >= 0)) {
    issues.add(label, `${path}.shape`, `expected a list of whole numbers ≥ 0, got ${previewValue(shape)}`);
    return undefined;
  }
  if (shape.length !== spec.shape.length) {
    issues.add(
      label,
      `${path}.shape`,
      `expected shape ${formatShape(spec.shape)} (rank ${spec.shape.length}), got ${formatShape(shape)} (rank ${shape.length})`,
    );
    return undefined;
  }
  const wrongDim = spec.shape.findIndex((d, k) => d !== -1 && d !== shape[k]);
  if (wrongDim !== -1) {
    issues.add(
      label,
      `${path}.shape`,
      `expected shape ${formatShape(spec.shape)}, got ${formatShape(shape)}: dimension ${wrongDim} must be ${spec.shape[wrongDim]}`,
    );
    return undefined;
  }
  const data = raw['data'];
  if (!Array.isArray(data)) {
    issues.add(label, `${path}.data`, `expected a list of values, got ${previewValue(data)}`);
    return undefined;
  }
  // V2 allows the data nested row by row as well as flat.
  const flat: unknown[] = data.some(Array.isArray) ? data.flat(shape.length) : data;
  const needed = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== needed) {
    issues.add(label, `${path}.data`, `data has ${flat.length} elements, shape ${formatShape(shape)} needs ${needed}`);
    return undefined;
  }
  const { create, write } = V2_DATATYPES[spec.datatype];
  const values = create(needed);
  for (let k = 0; k < needed; k++) {
    const expected = write(values, k, flat[k]);
    if (expected !== undefined) {
      issues.add(label, `${path}.data[${k}]`, `data[${k}]: expected ${expected}, got ${previewValue(flat[k])}`);
      return undefined;
    }
  }
  return { name, datatype: spec.datatype, shape, data: values };
}

/** Symbolic dimensions (`batch`) that several inputs share must have one size. */
function checkSharedDims(inputs: Map<string, InferInput>, signature: ModelSignature, issues: Issues): void {
  const seen = new Map<string, { size: number; input: string }>();
  for (const spec of signature.inputs) {
    const input = inputs.get(spec.name);
    if (input === undefined) continue;
    spec.dimNames.forEach((dimName, k) => {
      if (dimName === undefined) return;
      const size = input.shape[k] as number;
      const first = seen.get(dimName);
      if (first === undefined) seen.set(dimName, { size, input: spec.name });
      else if (first.size !== size) {
        issues.add(
          `inputs (${spec.name})`,
          'inputs',
          `dimension ${k} ("${dimName}") is ${size}, but input ${first.input} has ${first.size} for it`,
        );
      }
    });
  }
}

function readOutputs(raw: unknown, signature: ModelSignature, issues: Issues): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    issues.add('outputs', 'outputs', `expected a list of {"name": ...}, got ${previewValue(raw)}`);
    return undefined;
  }
  const names: string[] = [];
  raw.forEach((o, i) => {
    const name = isObject(o) ? o['name'] : undefined;
    if (typeof name !== 'string' || !signature.outputs.some((s) => s.name === name)) {
      issues.add(
        `outputs[${i}] (${previewValue(name)})`,
        `outputs[${i}].name`,
        `unknown output; the model's outputs are ${signature.outputs.map(describeSpec).join(', ')}`,
      );
    } else names.push(name);
  });
  return names;
}

/**
 * The checked request.
 *
 * @throws MlaasError SERVING_INPUT_INVALID listing every problem, each naming its input.
 */
export function validateInferRequest(body: unknown, signature: ModelSignature): InferRequest {
  const issues = new Issues();
  if (!isObject(body) || !Array.isArray(body['inputs']) || body['inputs'].length === 0) {
    issues.add('inputs', 'inputs', `expected a non-empty list of inputs, got ${previewValue(isObject(body) ? body['inputs'] : body)}`);
    throw invalid(issues);
  }
  const inputs = new Map<string, InferInput>();
  // Names given, valid or not: a bad input is reported once, not again as missing.
  const given = new Set<unknown>();
  body['inputs'].forEach((raw: unknown, i) => {
    if (isObject(raw)) given.add(raw['name']);
    const input = readInput(raw, i, signature, issues);
    if (input === undefined) return;
    if (inputs.has(input.name)) issues.add(`inputs[${i}] (${input.name})`, `inputs[${i}].name`, 'input given twice');
    else inputs.set(input.name, input);
  });
  for (const spec of signature.inputs) {
    if (!given.has(spec.name)) {
      issues.add('inputs', 'inputs', `missing input ${describeSpec(spec)}`);
    }
  }
  checkSharedDims(inputs, signature, issues);
  const outputs = readOutputs(body['outputs'], signature, issues);
  const id = body['id'];
  if (id !== undefined && typeof id !== 'string') issues.add('id', 'id', `expected a string, got ${previewValue(id)}`);
  if (issues.fields.length > 0) throw invalid(issues);
  const first = inputs.get(signature.inputs[0]?.name ?? '');
  return { id: id as string | undefined, inputs, outputs, rows: signature.batchable ? (first?.shape[0] ?? 0) : 0 };
}

function invalid(issues: Issues): MlaasError {
  return new MlaasError('SERVING_INPUT_INVALID', issues.lines.join('; '), { errors: issues.fields });
}
