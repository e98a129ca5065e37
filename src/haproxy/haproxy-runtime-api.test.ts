import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MlaasError } from '../errors.js';
import { HaproxyProcess } from './haproxy-process.js';
import { HaproxyRuntimeApi } from './haproxy-runtime-api.js';
import { delMapEntry, replaceMap, setMapEntry } from './haproxy-maps.js';
import { get, writeHaproxyFixture, type HaproxyFixture } from './fixtures/haproxy-fixture.js';

let fixture: HaproxyFixture;
let haproxy: HaproxyProcess;
let api: HaproxyRuntimeApi;

beforeAll(async () => {
  fixture = await writeHaproxyFixture(['k1 tenant-a']);
  haproxy = new HaproxyProcess({ runtimeSocket: fixture.socket, binary: '/usr/sbin/haproxy' });
  await haproxy.start(fixture.configFile);
  api = new HaproxyRuntimeApi(fixture.socket);
});

afterAll(async () => {
  api.close();
  await haproxy.stop(1000);
  await fs.rm(fixture.dir, { recursive: true, force: true });
});

const lookup = async (key: string): Promise<string> => (await get(fixture.port, `/lookup?k=${encodeURIComponent(key)}`)).body;

describe('HaproxyRuntimeApi.execute', () => {
  it('answers each command of a batch in order', async () => {
    const [info, map, empty] = await api.execute(['show info', `show map ${fixture.mapFile}`, `set map ${fixture.mapFile} k1 tenant-a`]);
    expect(info).toMatch(/^Name: HAProxy$/m);
    expect(map).toMatch(/^0x[0-9a-f]+ k1 tenant-a$/);
    expect(empty).toBe('');
  });

  it.each([
    ['set map /no/such.map k v', 'Unknown map identifier'],
    ['set server be/nope state drain', 'No such server'],
    ['set weight be 3', "Require 'backend/server'"],
    ['del server be/nope', 'No such server'],
    ['show map /no/such.map', 'Unknown map identifier'],
    ['frobnicate now', 'Unknown command'],
    ['add map /no/such.map <<\nk1 v1\nk2 v2', 'Unknown map identifier'],
  ])('rejects `%s`, naming it and what haproxy said (%s)', async (command, said) => {
    const error = (await api.execute(['show info', command]).catch((e: unknown) => e)) as MlaasError;
    expect(error.code).toBe('HAPROXY_UNAVAILABLE');
    expect(error.message).toContain(`\`${command.split('\n')[0]}\``);
    expect(error.message).toContain(said);
  });

  it('refuses a command holding an unescaped ";", which haproxy would split in two', async () => {
    await expect(api.execute(['show info;show info'])).rejects.toThrow(/one command per entry/);
    const [escaped] = await api.execute([`set map ${fixture.mapFile} k1 a\\;b`]);
    expect(escaped).toBe('');
    expect(await lookup('k1')).toBe('[a;b]');
  });

  it('keeps concurrent callers\' batches apart', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `conc${i}`);
    await replaceMap(api, fixture.mapFile, new Map(keys.map((k) => [k, `value-of-${k}`])));
    const answers = await Promise.all(keys.map((k) => api.execute([`get map ${fixture.mapFile} ${k}`, 'show info'])));
    answers.forEach(([row, info], i) => {
      expect(row).toContain(`value="value-of-conc${i}"`);
      expect(info).toMatch(/^Name: HAProxy$/m);
    });
  });

  it('runs a batch of 100 `set map` well under 100 ms', async () => {
    const entries = new Map(Array.from({ length: 100 }, (_, i) => [`b${i}`, 'x']));
    await replaceMap(api, fixture.mapFile, entries);
    const timings: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const started = performance.now();
      await api.execute([...entries.keys()].map((k) => `set map ${fixture.mapFile} ${k} round-${round}`));
      timings.push(performance.now() - started);
    }
    expect(Math.min(...timings)).toBeLessThan(100);
    expect(await lookup('b99')).toBe('[round-4]');
  });
});

describe('map helpers', () => {
  const awkward: [string, string][] = [
    ['b64', 'eyJ0ZW5hbnQiOiJhY21lIn0-_w'],
    ['space', 'a b'],
    ['pipe', '|'],
    ['semi', 'x;y'],
    ['backslash', 'C:\\dir\\'],
    ['lead', '  lead'],
    ['trail', 'trail '],
    ['angle', 'x <<'],
    ['quoted', '"q"'],
    ['key with space', 'v'],
    ['tab', 'a\tb'],
    ['hash', '#h'],
    ['back\\slash key', 'v'],
  ];

  it('replaceMap carries keys and values byte for byte, whatever the CLI treats as special', async () => {
    await replaceMap(api, fixture.mapFile, new Map(awkward));
    for (const [key, value] of awkward) expect(await lookup(key)).toBe(`[${value}]`);
    expect(await lookup('k1')).toBe('[none]');
  });

  it('setMapEntry carries the same entries byte for byte, adding and then updating them', async () => {
    await replaceMap(api, fixture.mapFile, new Map());
    for (const [key, value] of awkward) await setMapEntry(api, fixture.mapFile, key, value);
    for (const [key, value] of awkward) expect(await lookup(key)).toBe(`[${value}]`);
    for (const [key, value] of awkward) await setMapEntry(api, fixture.mapFile, key, `${value}!`);
    for (const [key, value] of awkward) expect(await lookup(key)).toBe(`[${value}!]`);
  });

  it('setMapEntry adds an absent key and updates a present one without duplicating it', async () => {
    await replaceMap(api, fixture.mapFile, new Map());
    await setMapEntry(api, fixture.mapFile, 'new key', 'a b');
    await setMapEntry(api, fixture.mapFile, 'new key', 'c;d');
    expect(await lookup('new key')).toBe('[c;d]');
    const [listing] = await api.execute([`show map ${fixture.mapFile}`]);
    expect(listing?.split('\n')).toHaveLength(1);
  });

  it('a change is seen by the next request within 100 ms', async () => {
    await setMapEntry(api, fixture.mapFile, 'fast', 'before');
    const started = performance.now();
    await setMapEntry(api, fixture.mapFile, 'fast', 'after');
    const body = await lookup('fast');
    expect(body).toBe('[after]');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('delMapEntry deletes and says whether there was an entry', async () => {
    await setMapEntry(api, fixture.mapFile, 'gone', 'v');
    expect(await delMapEntry(api, fixture.mapFile, 'gone')).toBe(true);
    expect(await lookup('gone')).toBe('[none]');
    expect(await delMapEntry(api, fixture.mapFile, 'gone')).toBe(false);
  });

  it.each([
    ['', 'v', 'empty'],
    ['k', '', 'empty'],
    ['k', 'two\nlines', 'line break'],
    ['#3', 'v', 'entry reference'],
  ])('refuses key %j value %j (%s)', async (key, value, why) => {
    await expect(setMapEntry(api, fixture.mapFile, key, value)).rejects.toThrow(why);
    await expect(replaceMap(api, fixture.mapFile, new Map([[key, value]]))).rejects.toThrow(why);
  });

  it('readers never see a half-replaced map', async () => {
    const size = 400;
    const version = (v: string): Map<string, string> => new Map(Array.from({ length: size }, (_, i) => [`key${i}`, v]));
    await replaceMap(api, fixture.mapFile, version('v0'));
    let stop = false;
    const seen = new Set<string>();
    const readers = Array.from({ length: 3 }, async () => {
      for (let n = 0; n < 400 && !stop; n += 1) seen.add(await lookup(`key${size - 1}`));
    });
    for (let round = 1; round <= 6; round += 1) await replaceMap(api, fixture.mapFile, version(`v${round}`));
    stop = true;
    await Promise.all(readers);
    expect(seen.size).toBeGreaterThan(1);
    expect([...seen].filter((body) => !/^\[v\d\]$/.test(body))).toEqual([]);
    expect(await lookup('key0')).toBe('[v6]');
  });
});
