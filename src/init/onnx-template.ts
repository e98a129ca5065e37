/**
 * The files of `mlaas init --template onnx`: no code, a model file that the
 * built-in ONNX server (`runtime: onnx`, Open Inference Protocol V2) serves.
 * The model itself is copied in by `scaffoldService`.
 */
export const ONNX_MODEL_FILE = 'model.onnx';

const README = `# __NAME__

An ONNX model served with no code, made by \`mlaas init --template onnx\`.
\`mlaas up\` pushes \`${ONNX_MODEL_FILE}\` to the model store as
\`__NAME__@production\` (\`models.seed\` in mlaas.yaml) the first time, and the
built-in ONNX server answers the Open Inference Protocol (V2):

    GET  /v2/models/__BINDING__          inputs, outputs, version
    POST /v2/models/__BINDING__/infer    {"inputs":[{"name":…,"shape":[…],"datatype":…,"data":[…]}]}

New versions: \`mlaas models push __NAME__ FILE\`, then
\`mlaas models alias __NAME__ production N\`.
`;

/** Relative path → content (the model file aside). */
export function onnxTemplateFiles(name: string, binding: string): Record<string, string> {
  return { 'README.md': README.replaceAll('__NAME__', name).replaceAll('__BINDING__', binding) };
}
