/**
 * What a pooled Node runtime (node-pool-host.ts) does with ONNX Runtime
 * beyond loading it: one session of a tiny model, created and released,
 * so that ORT's once-per-process set-up (its environment, the CPU kernel
 * registry: ~25 ms of the first session a service creates, against ~4 ms
 * for the next) is done before an instance takes the process. The model is
 * `y = Identity(x)` over FP32 [1], encoded here so that the host loads no
 * protobuf library for it.
 */

/** The part of onnxruntime-node's API the warm-up uses. */
export interface OnnxRuntimeModule {
  InferenceSession: { create(model: Uint8Array): Promise<{ release(): Promise<void> }> };
}

function varint(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return out;
}

/** Protobuf field `field` as a varint (wire type 0). */
function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

/** Protobuf field `field` as length-delimited bytes (wire type 2): a string or a nested message. */
function bytesField(field: number, payload: readonly number[] | string): number[] {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : payload;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

const FLOAT = 1;

/** ValueInfoProto: name (1), type (2) = TypeProto.tensor_type (1) { elem_type (1), shape (2) { dim (1) { dim_value (1) } } }. */
function floatVector(name: string): number[] {
  const shape = bytesField(1, intField(1, 1));
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, [...intField(1, FLOAT), ...bytesField(2, shape)]))];
}

/**
 * The bytes of an ONNX model (IR 8, opset 13) whose graph is one Identity node from `x` to `y`.
 *
 * @example
 * const session = await ort.InferenceSession.create(identityModel());
 */
export function identityModel(): Uint8Array {
  // NodeProto: input (1), output (2), op_type (4).
  const node = [...bytesField(1, 'x'), ...bytesField(2, 'y'), ...bytesField(4, 'Identity')];
  // GraphProto: node (1), name (2), input (11), output (12).
  const graph = [...bytesField(1, node), ...bytesField(2, 'warm-up'), ...bytesField(11, floatVector('x')), ...bytesField(12, floatVector('y'))];
  // ModelProto: ir_version (1), graph (7), opset_import (8) = { version (2) }.
  return Uint8Array.from([...intField(1, 8), ...bytesField(7, graph), ...bytesField(8, intField(2, 13))]);
}

/** Whether a preloaded module is ONNX Runtime's API. */
export function isOnnxRuntime(module: unknown): module is OnnxRuntimeModule {
  const session = (module as { InferenceSession?: { create?: unknown } } | null)?.InferenceSession;
  return typeof session?.create === 'function';
}

/**
 * Creates and releases one session of the identity model. Never rejects: a
 * runtime that cannot do this fails again, in the service's own words, when
 * the service creates its session.
 */
export async function warmUpOnnxRuntime(ort: OnnxRuntimeModule): Promise<boolean> {
  try {
    const session = await ort.InferenceSession.create(identityModel());
    await session.release();
    return true;
  } catch {
    return false;
  }
}
