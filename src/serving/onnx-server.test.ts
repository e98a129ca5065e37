// The built-in ONNX server as the runtime runs it: a real child process
// (dist/src/serving/onnx-server-main.js, built by `npm run build`), on a free
// port, serving small ONNX models this test writes, and the spam model.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import onnxProto, { type onnx as Onnx } from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurize } from '../../examples/spam-filter/tokenize.js';

const { onnx } = onnxProto;
const repo = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(repo, 'dist', 'src', 'serving', 'onnx-server-main.js');
const SPAM_MODEL = path.join(repo, 'examples', 'spam-filter', 'model', 'spam.onnx');
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
const children: ChildProcess[] = [];

function valueInfo(name: string, elemType: number, dims: Array<string | number>): Onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function floatTensor(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: values };
}

function writeModel(file: string, graph: Onnx.IGraphProto, metadata: Record<string, string> = {}): string {
  const model: Onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const target = path.join(dir, file);
  fs.writeFileSync(target, onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish());
  return target;
}

/** y = x * 2 + 1 over FP32 [batch, 3]. */
const affineModel = () =>
  writeModel('affine.onnx', {
    name: 'affine',
    input: [valueInfo('x', FLOAT, ['batch', 3])],
    output: [valueInfo('y', FLOAT, ['batch', 3])],
    initializer: [floatTensor('two', [], [2]), floatTensor('one', [], [1])],
    node: [
      { opType: 'Mul', input: ['x', 'two'], output: ['twice'] },
      { opType: 'Add', input: ['twice', 'one'], output: ['y'] },
    ],
  });

/** sum = Σ table[indices] per row over INT64 [batch, tokens]; table[i] = 10^i, table[0] = 0 so padding adds nothing. */
const TABLE = [0, 1, 10, 100, 1000, 10000];
const gatherModel = () =>
  writeModel(
    'gather.onnx',
    {
      name: 'gather',
      input: [valueInfo('indices', INT64, ['batch', 'tokens'])],
      output: [valueInfo('sum', FLOAT, ['batch'])],
      initializer: [floatTensor('table', [TABLE.length], TABLE), { name: 'axis', dims: [1], dataType: INT64, int64Data: [1] }],
      node: [
        { opType: 'Gather', input: ['table', 'indices'], output: ['picked'] },
        {
          opType: 'ReduceSum',
          input: ['picked', 'axis'],
          output: ['sum'],
          attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
        },
      ],
    },
    { 'mlaas.padding.indices': '0' },
  );

interface Started {
  url: string;
  child: ChildProcess;
  /** Its log so far (JSON lines on stderr). */
  log(): string;
}

/** Starts the server; resolves once it logs "ready", rejects with its stderr if it exits first. */
function startServer(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    let port: number | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      port ??= Number(/"port":(\d+)/.exec(err)?.[1]) || undefined;
      if (port !== undefined && err.includes('"msg":"ready"')) resolve({ url: `http://127.0.0.1:${port}`, child, log: () => err });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

/** A V2 infer answer or a problem+json error, whichever came. */
interface Answer {
  id?: string;
  outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
  code?: string;
  detail?: string;
  error?: string;
}

async function post(url: string, body: unknown): Promise<{ status: number; type: string; json: Answer }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Answer };
}

const firstOutput = (answer: Answer) => answer.outputs[0];

const affineInput = (rows: number[][]) => ({ name: 'x', datatype: 'FP32', shape: [rows.length, 3], data: rows.flat() });
const gatherInput = (row: number[]) => ({ name: 'indices', datatype: 'INT64', shape: [1, row.length], data: row });

let server: Started;

beforeAll(async () => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npx tsc -p tsconfig.build.json) first`);
  server = await startServer({
    MLAAS_MODEL_AFFINE: affineModel(),
    MLAAS_MODEL_GATHER: gatherModel(),
    // Generous, so that batches form even on a busy machine.
    MLAAS_ONNX_MAX_QUEUE_DELAY_MS: '20',
  });
});

afterAll(async () => {
  await Promise.all(children.map(stop));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('V2 metadata and health', () => {
  it('answers server metadata, liveness, readiness and /healthz', async () => {
    const meta = (await (await fetch(`${server.url}/v2`)).json()) as Record<string, unknown>;
    expect(meta['name']).toBe('mlaas-onnx');
    for (const p of ['/v2/health/live', '/v2/health/ready', '/healthz']) expect((await fetch(`${server.url}${p}`)).status).toBe(200);
  });

  it('describes a model with V2 datatypes and -1 for dynamic dimensions', async () => {
    const res = await fetch(`${server.url}/v2/models/affine`);
    expect(await res.json()).toEqual({
      name: 'affine',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
    });
    const gather = (await (await fetch(`${server.url}/v2/models/gather/versions/1`)).json()) as Record<string, unknown>;
    expect(gather['inputs']).toEqual([{ name: 'indices', datatype: 'INT64', shape: [-1, -1] }]);
    expect((await fetch(`${server.url}/v2/models/gather/versions/1/ready`)).status).toBe(200);
  });

  it('answers 404 problem+json with a V2 error field for an unknown model or version', async () => {
    for (const p of ['/v2/models/nope', '/v2/models/affine/versions/7', '/v2/models/nope/ready']) {
      const res = await fetch(`${server.url}${p}`);
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(body['code']).toBe('SERVING_MODEL_NOT_FOUND');
      expect(body['error']).toBe(body['detail']);
    }
    const infer = await post(`${server.url}/v2/models/nope/infer`, { inputs: [affineInput([[1, 2, 3]])] });
    expect(infer.status).toBe(404);
  });
});

describe('V2 infer', () => {
  it('computes y = 2x + 1 and echoes the request id', async () => {
    const res = await post(`${server.url}/v2/models/affine/infer`, { id: 'r-1', inputs: [affineInput([[1, 2, 3], [-1, 0, 0.5]])] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      model_name: 'affine',
      model_version: '1',
      id: 'r-1',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], data: [3, 5, 7, -1, 1, 2] }],
    });
  });

  it('accepts data nested row by row', async () => {
    const res = await post(`${server.url}/v2/models/affine/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: [[0, 0, 0], [1, 1, 1]] }],
    });
    expect(firstOutput(res.json)?.data).toEqual([1, 1, 1, 3, 3, 3]);
  });

  it.each([
    ['a wrong datatype', { ...affineInput([[1, 2, 3]]), datatype: 'INT64' }, 'inputs[0] (x): expected datatype FP32, got INT64'],
    ['a wrong static dimension', { ...affineInput([[1, 2, 3]]), shape: [1, 4], data: [1, 2, 3, 4] }, 'inputs[0] (x): expected shape [-1, 3], got [1, 4]: dimension 1 must be 3'],
    ['a wrong rank', { ...affineInput([[1, 2, 3]]), shape: [3] }, 'inputs[0] (x): expected shape [-1, 3] (rank 2), got [3] (rank 1)'],
    ['a data length that does not fit the shape', { ...affineInput([[1, 2, 3]]), shape: [2, 3] }, 'inputs[0] (x): data has 3 elements, shape [2, 3] needs 6'],
    ['a value of the wrong kind', { ...affineInput([[1, 2, 3]]), data: [1, 'two', 3] }, 'inputs[0] (x): data[1]: expected a number, got "two"'],
    ['an unknown input', { ...affineInput([[1, 2, 3]]), name: 'z' }, "inputs[0] (z): unknown input; the model's inputs are x (FP32 [-1, 3])"],
  ])('answers 400 naming the input for %s', async (_, input, detail) => {
    const res = await post(`${server.url}/v2/models/affine/infer`, { inputs: [input] });
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.json.code).toBe('SERVING_INPUT_INVALID');
    expect(res.json.detail).toContain(detail);
    expect(res.json.error).toBe(res.json.detail);
  });

  it('answers 400 for an INT64 input given fractions, and for a body that is not JSON', async () => {
    const frac = await post(`${server.url}/v2/models/gather/infer`, { inputs: [{ ...gatherInput([1, 2]), data: [1, 2.5] }] });
    expect(frac.json.detail).toBe('inputs[0] (indices): data[1]: expected an integer, got 2.5');
    const res = await fetch(`${server.url}/v2/models/gather/infer`, { method: 'POST', body: '{"inputs": [' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Record<string, unknown>)['code']).toBe('SERVING_JSON_MALFORMED');
  });
});

/** `levels` nested lists around `inner`, as JSON text: deeper than JSON.stringify can walk back. */
const nested = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('hostile input', () => {
  it('logs a caller that hangs up mid-body as gone, not as a failure of the server', async () => {
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /v2/models/affine/infer HTTP/1.1\r\nhost: x\r\ncontent-length: 500\r\n\r\n{"inputs":');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    for (let i = 0; i < 100 && !server.log().includes('client closed the connection'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.log()).toContain('"msg":"client closed the connection"');
    expect(server.log()).not.toContain('"level":50');
  });

  const deep = nested(10_000);

  it.each([
    ['the body itself', deep, '(root)'],
    ['the inputs list', `{"inputs": [${deep}]}`, 'inputs[0]'],
    ['a datatype', `{"inputs": [{"name": "x", "datatype": ${deep}, "shape": [1, 3], "data": [1, 2, 3]}]}`, 'inputs[0].datatype'],
    ['one value of the data', `{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [${deep}, 2, 3]}]}`, 'inputs[0].data[0]'],
    ['the request id', `{"id": ${deep}, "inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]}`, 'id'],
  ])('answers 400 naming the field, in a short answer, for 10,000 levels of nesting in %s', async (_, body, field) => {
    const res = await fetch(`${server.url}/v2/models/affine/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = JSON.parse(text) as { code: string; errors: Array<{ path: string; message: string }> };
    expect(problem.code).toBe('SERVING_INPUT_INVALID');
    expect(problem.errors[0]?.path.startsWith(field === '(root)' ? '' : field)).toBe(true);
    expect(problem.errors[0]?.message).toMatch(/nested deeper than \d+ levels/);
    expect(text.length).toBeLessThan(4096);
  });

  it('keeps the answer short when every value is wrong and names are huge', async () => {
    const name = 'n'.repeat(200_000);
    const inputs = Array.from({ length: 2_000 }, () => ({ name, datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }));
    const res = await fetch(`${server.url}/v2/models/affine/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ ...affineInput([[1, 2, 3]]), datatype: 'x'.repeat(500_000) }, ...inputs.slice(0, 20)] }) });
    const text = await res.text();
    expect(res.status).toBe(400);
    const problem = JSON.parse(text) as { code: string; detail: string; errors: Array<{ path: string; message: string }> };
    expect(problem.code).toBe('SERVING_INPUT_INVALID');
    expect(problem.errors[0]).toMatchObject({ path: 'inputs[0].datatype' });
    expect(problem.errors[0]?.message).toMatch(/^expected datatype FP32, got "xxx.{0,40}\.\.\.$/);
    expect(text.length).toBeLessThan(16_384);
  });
});

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? NaN);
}

describe('dynamic batching', () => {
  it('publishes how long the model took to load', async () => {
    expect(await metric(server.url, /^mlaas_onnx_model_load_seconds\{model="affine"\} (\S+)$/m)).toBeGreaterThan(0);
  });

  it('answers 64 concurrent requests each with its own result, in batches larger than one', async () => {
    const before = await metric(server.url, /mlaas_onnx_batch_size_count\{model="affine"\} (\d+)/);
    const rows = Array.from({ length: 64 }, (_, i) => [i, i + 0.5, -i]);
    const answers = await Promise.all(rows.map((row) => post(`${server.url}/v2/models/affine/infer`, { id: `r${row[0]}`, inputs: [affineInput([row])] })));
    answers.forEach((res, i) => {
      expect(res.json.id).toBe(`r${i}`);
      expect(firstOutput(res.json)).toEqual({ name: 'y', datatype: 'FP32', shape: [1, 3], data: [2 * i + 1, 2 * i + 2, -2 * i + 1] });
    });
    const batches = (await metric(server.url, /mlaas_onnx_batch_size_count\{model="affine"\} (\d+)/)) - (Number.isNaN(before) ? 0 : before);
    expect(batches).toBeLessThan(64);
    expect(await metric(server.url, /mlaas_onnx_requests_total\{model="affine",outcome="ok"\} (\d+)/)).toBeGreaterThanOrEqual(64);
  });

  it('pads requests of different lengths into one batch without changing anyone\'s answer', async () => {
    const rows = Array.from({ length: 64 }, (_, i) => Array.from({ length: 1 + (i % 5) }, (_, k) => 1 + ((i + k) % 5)));
    const answers = await Promise.all(rows.map((row) => post(`${server.url}/v2/models/gather/infer`, { inputs: [gatherInput(row)] })));
    answers.forEach((res, i) => {
      const expected = (rows[i] as number[]).reduce((s, k) => s + (TABLE[k] as number), 0);
      expect(firstOutput(res.json)).toEqual({ name: 'sum', datatype: 'FP32', shape: [1], data: [expected] });
    });
    expect(await metric(server.url, /mlaas_onnx_batch_size_bucket\{le="1",model="gather"\} (\d+)/)).toBeLessThan(
      await metric(server.url, /mlaas_onnx_batch_size_count\{model="gather"\} (\d+)/),
    );
  });

  it('answers 503 with Retry-After once the queue is full', async () => {
    const small = await startServer({ MLAAS_MODEL_AFFINE: affineModel(), MLAAS_ONNX_MAX_QUEUE: '2', MLAAS_ONNX_MAX_QUEUE_DELAY_MS: '3000' });
    const queued = () => metric(small.url, /mlaas_onnx_queue_length\{model="affine"\} (\d+)/);
    const waiting: Array<ReturnType<typeof post>> = [];
    // Each request must be queued before the next is sent; the long queue delay keeps them there.
    for (const value of [1, 2]) {
      waiting.push(post(`${small.url}/v2/models/affine/infer`, { inputs: [affineInput([[value, value, value]])] }));
      for (let i = 0; i < 100 && (await queued()) !== value; i++) await new Promise((r) => setTimeout(r, 10));
    }
    const res = await fetch(`${small.url}/v2/models/affine/infer`, { method: 'POST', body: JSON.stringify({ inputs: [affineInput([[3, 3, 3]])] }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as Record<string, unknown>)['code']).toBe('SERVING_OVERLOADED');
    expect((await Promise.all(waiting)).map((r) => firstOutput(r.json)?.data)).toEqual([[3, 3, 3], [5, 5, 5]]);
    expect(await stop(small.child)).toBe(0);
  });
});

describe('start-up', () => {
  it('exits 1 naming the model when a model file cannot be loaded', async () => {
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, 'not an onnx model');
    await expect(startServer({ MLAAS_MODEL_BROKEN: broken })).rejects.toThrow(/exited with 1[\s\S]*model "broken" \(.*broken\.onnx\) could not be loaded/);
  });

  it('answers a connection it accepted before its model failed to load with 503, not a reset a probe would take for ready', async () => {
    const broken = path.join(dir, 'broken-late.onnx');
    fs.writeFileSync(broken, 'not an onnx model either');
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', PORT: '0', MLAAS_MODEL_BROKEN: broken } });
    children.push(child);
    let log = '';
    let socket: net.Socket | undefined;
    let answer = '';
    let asked = false;
    const answered = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const port = /"port":(\d+)/.exec(log)?.[1];
        if (socket === undefined && port !== undefined) {
          socket = net.connect(Number(port), '127.0.0.1');
          socket.on('data', (d: Buffer) => (answer += d.toString()));
          socket.on('close', () => resolve());
          socket.on('error', () => resolve());
        }
        // Asked only once the load has failed: the socket was accepted while the server was alive.
        if (socket !== undefined && !asked && log.includes('model load failed')) {
          asked = true;
          socket.write('GET /healthz HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n');
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    await answered;
    expect(code).toBe(1);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
  });

  it('exits 1 listing every bad setting', async () => {
    await expect(startServer({ MLAAS_ONNX_MAX_BATCH_SIZE: 'lots' })).rejects.toThrow(
      /MLAAS_MODEL_<NAME>: expected at least one model file[\s\S]*MLAAS_ONNX_MAX_BATCH_SIZE: expected a whole number ≥ 1, got "lots"/,
    );
  });
});

describe('the spam model', () => {
  const texts = [
    'Subject: WIN a FREE prize!!! Click here now to claim your CASH reward, limited time offer.',
    'Hi Anna, the meeting moved to Thursday at 10. Could you bring the quarterly figures? Thanks, Ben',
    'cheap meds online no prescription',
    'Lunch?',
  ];

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'dist', 'examples', 'spam-filter', 'train.js'), '--if-missing'], { cwd: repo });
  }, 300_000);

  it('serves indices INT64 [batch, tokens] → spam_probability FP32 [batch], batched with padding, as a lone session would', async () => {
    const spam = await startServer({ MLAAS_MODEL_SPAM: SPAM_MODEL, MLAAS_ONNX_PAD_INDICES: '0', MLAAS_ONNX_MAX_QUEUE_DELAY_MS: '20' });
    const session = await ort.InferenceSession.create(SPAM_MODEL);
    const expected: number[] = [];
    for (const text of texts) {
      const ids = featurize(text);
      const out = await session.run({ indices: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
      expected.push((out['spam_probability']?.data as Float32Array)[0] as number);
    }
    const requests = Array.from({ length: 32 }, (_, i) => featurize(texts[i % texts.length] as string));
    const answers = await Promise.all(requests.map((ids) => post(`${spam.url}/v2/models/spam/infer`, { inputs: [gatherInput(ids)] })));
    answers.forEach((res, i) => {
      expect(firstOutput(res.json)?.shape).toEqual([1]);
      expect(firstOutput(res.json)?.data[0]).toBeCloseTo(expected[i % texts.length] as number, 6);
    });
    expect(expected[0]).toBeGreaterThan(0.5);
    expect(expected[1]).toBeLessThan(0.5);
    expect(await stop(spam.child)).toBe(0);
  });
});
