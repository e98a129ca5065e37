/**
 * The tensor datatypes of the Open Inference Protocol V2 (`FP32`, `INT64`, …)
 * and how each one maps to onnxruntime's type names, to a typed array, and to
 * and from the JSON numbers, booleans and strings a V2 request carries.
 */

export type V2Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** The flat, row-major elements of one tensor, as onnxruntime-node takes and gives them. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/** Writes JSON value `v` at `i`; returns what was expected when `v` does not fit, else undefined. */
type WriteElement = (target: TensorData, i: number, v: unknown) => string | undefined;

interface DatatypeInfo {
  /** onnxruntime's name for the type. */
  ort: string;
  create(length: number): TensorData;
  write: WriteElement;
  /** The JSON value of element `i`. */
  read(data: TensorData, i: number): number | boolean | string;
}

function integerIn(min: number, max: number): WriteElement {
  const expected = `an integer in [${min}, ${max}]`;
  return (target, i, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return expected;
    (target as Int32Array)[i] = v;
    return undefined;
  };
}

function bigInteger(min: number): WriteElement {
  const expected = min < 0 ? 'an integer' : 'a non-negative integer';
  return (target, i, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) return expected;
    (target as BigInt64Array)[i] = BigInt(v);
    return undefined;
  };
}

const writeFloat: WriteElement = (target, i, v) => {
  if (typeof v !== 'number') return 'a number';
  (target as Float32Array)[i] = v;
  return undefined;
};

const readNumber = (data: TensorData, i: number): number => Number(data[i]);

export const V2_DATATYPES: Readonly<Record<V2Datatype, DatatypeInfo>> = {
  BOOL: {
    ort: 'bool',
    create: (n) => new Uint8Array(n),
    write: (target, i, v) => {
      if (typeof v !== 'boolean') return 'true or false';
      (target as Uint8Array)[i] = v ? 1 : 0;
      return undefined;
    },
    read: (data, i) => data[i] === 1,
  },
  UINT8: { ort: 'uint8', create: (n) => new Uint8Array(n), write: integerIn(0, 255), read: readNumber },
  UINT16: { ort: 'uint16', create: (n) => new Uint16Array(n), write: integerIn(0, 65_535), read: readNumber },
  UINT32: { ort: 'uint32', create: (n) => new Uint32Array(n), write: integerIn(0, 4_294_967_295), read: readNumber },
  UINT64: { ort: 'uint64', create: (n) => new BigUint64Array(n), write: bigInteger(0), read: readNumber },
  INT8: { ort: 'int8', create: (n) => new Int8Array(n), write: integerIn(-128, 127), read: readNumber },
  INT16: { ort: 'int16', create: (n) => new Int16Array(n), write: integerIn(-32_768, 32_767), read: readNumber },
  INT32: { ort: 'int32', create: (n) => new Int32Array(n), write: integerIn(-2_147_483_648, 2_147_483_647), read: readNumber },
  INT64: { ort: 'int64', create: (n) => new BigInt64Array(n), write: bigInteger(-Infinity), read: readNumber },
  FP32: { ort: 'float32', create: (n) => new Float32Array(n), write: writeFloat, read: readNumber },
  FP64: { ort: 'float64', create: (n) => new Float64Array(n), write: writeFloat, read: readNumber },
  BYTES: {
    ort: 'string',
    create: (n) => new Array<string>(n).fill(''),
    write: (target, i, v) => {
      if (typeof v !== 'string') return 'a string';
      (target as string[])[i] = v;
      return undefined;
    },
    read: (data, i) => data[i] as string,
  },
};

const BY_ORT_TYPE = new Map(Object.entries(V2_DATATYPES).map(([v2, info]) => [info.ort, v2 as V2Datatype]));

/** The V2 name of an onnxruntime type, or undefined for types this server does not carry (float16, complex, …). */
export function v2DatatypeOf(ortType: string): V2Datatype | undefined {
  return BY_ORT_TYPE.get(ortType);
}

export function isV2Datatype(name: unknown): name is V2Datatype {
  return typeof name === 'string' && Object.hasOwn(V2_DATATYPES, name);
}

/** Elements `[start, end)` of `data` as JSON values. */
export function jsonValues(datatype: V2Datatype, data: TensorData, start: number, end: number): Array<number | boolean | string> {
  const { read } = V2_DATATYPES[datatype];
  const out = new Array<number | boolean | string>(end - start);
  for (let i = start; i < end; i++) out[i - start] = read(data, i);
  return out;
}
