/**
 * The names of the spam model's ONNX input and output, shared by the writer
 * (onnx-model.ts) and the server. Kept apart from the writer so that the
 * deployed service does not need onnx-proto, which only training uses.
 */
export const INPUT_NAME = 'indices';
export const OUTPUT_NAME = 'spam_probability';
