import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { buildAddModel } from './fixtures/tiny-onnx-model.js';
import { readOnnxSignature, v2Datatype } from './onnx-signature.js';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

function encode(model: Onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

describe('readOnnxSignature', () => {
  it('reads names, V2 datatypes and shapes, open dimensions as -1 with their names', () => {
    expect(readOnnxSignature(buildAddModel(5))).toEqual({
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 5], dimNames: ['batch', null] },
        { name: 'b', datatype: 'FP32', shape: [-1, 5], dimNames: ['batch', null] },
      ],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 5], dimNames: ['batch', null] }],
      producer: 'mlaas-tests',
    });
  });

  it('leaves initializers out of the inputs and describes non-tensor outputs', () => {
    const bytes = encode({
      irVersion: 3,
      graph: {
        input: [
          { name: 'text', type: { tensorType: { elemType: DataType.STRING, shape: { dim: [{ dimValue: 1 }] } } } },
          { name: 'weights', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } },
          { name: 'anything', type: { tensorType: { elemType: DataType.BOOL } } },
        ],
        initializer: [{ name: 'weights', dims: [2], dataType: DataType.FLOAT, floatData: [1, 2] }],
        output: [
          { name: 'label', type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{}] } } } },
          { name: 'probabilities', type: { sequenceType: { elemType: { mapType: { keyType: DataType.INT64, valueType: { tensorType: { elemType: DataType.FLOAT } } } } } } },
        ],
      },
    });
    const signature = readOnnxSignature(bytes);

    expect(signature.inputs).toEqual([
      { name: 'text', datatype: 'BYTES', shape: [1] },
      { name: 'anything', datatype: 'BOOL', shape: [], anyRank: true },
    ]);
    expect(signature.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'seq(map(INT64,FP32))', shape: [] },
    ]);
  });

  it('keeps the ONNX name of element types V2 has no name for', () => {
    expect([v2Datatype(DataType.DOUBLE), v2Datatype(DataType.FLOAT16), v2Datatype(DataType.COMPLEX64), v2Datatype(23)]).toEqual([
      'FP64',
      'FP16',
      'ONNX_COMPLEX64',
      'ONNX_TYPE_23',
    ]);
  });

  it.each([
    ['text', Buffer.from('definitely not a protobuf\n')],
    ['no bytes', new Uint8Array()],
    ['a graph without outputs', encode({ irVersion: 8, graph: { name: 'empty' } })],
    ['a truncated model', buildAddModel(3).subarray(0, 40)],
  ])('rejects %s as MODEL_INVALID', (_what, bytes) => {
    let error: unknown;
    try {
      readOnnxSignature(bytes, 'upload.onnx');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MlaasError);
    expect(error).toMatchObject({ code: 'MODEL_INVALID', message: expect.stringMatching(/^upload\.onnx is not an ONNX model/) });
  });
});
