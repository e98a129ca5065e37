// The ID token's audience an x-google-backend asks for: Google's default, jwt_audience, or none with disable_auth.
import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { parseGatewayDocument } from './gateway-document.js';

const ok = { responses: { '200': { description: 'ok' } } };

function audienceOf(backend: Record<string, unknown>): string | undefined {
  const doc = { swagger: '2.0', info: { title: 't', version: '1' }, paths: { '/a': { get: { ...ok, 'x-google-backend': backend } } } };
  return parseGatewayDocument(doc).operations[0]?.backendAudience;
}

function issuesOf(backend: Record<string, unknown>): { path: string; message: string }[] {
  try {
    audienceOf(backend);
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    return (err as MlaasError).errors ?? [];
  }
  throw new Error('expected GATEWAY_DOC_INVALID');
}

describe('backend authentication (x-google-backend.jwt_audience, disable_auth)', () => {
  it('asks for a token whose audience is the address as ESPv2 derives it: scheme and host, no port or path', () => {
    expect(audienceOf({ address: 'https://backend-abc.a.run.app/v1/predict' })).toBe('https://backend-abc.a.run.app');
    expect(audienceOf({ address: 'http://127.0.0.1:9000/read', disable_auth: false })).toBe('http://127.0.0.1');
  });

  it('asks for one for a platform service too, with mlaas://SERVICE as the audience', () => {
    expect(audienceOf({ address: 'mlaas://spam-filter@canary/predict' })).toBe('mlaas://spam-filter');
  });

  it('takes jwt_audience in place of the address', () => {
    expect(audienceOf({ address: 'https://backend.example.com', jwt_audience: '1234-abc.apps.googleusercontent.com' })).toBe(
      '1234-abc.apps.googleusercontent.com',
    );
  });

  it('asks for none with disable_auth: true', () => {
    expect(audienceOf({ address: 'https://backend.example.com', disable_auth: true })).toBeUndefined();
  });

  it('refuses disable_auth with jwt_audience, and an empty jwt_audience', () => {
    expect(issuesOf({ address: 'https://backend.example.com', disable_auth: false, jwt_audience: 'x' })).toEqual([
      { path: 'paths./a.get.x-google-backend.disable_auth', message: 'cannot be given with jwt_audience (Google allows one or the other)' },
    ]);
    expect(issuesOf({ address: 'https://backend.example.com', jwt_audience: '' })).toEqual([
      { path: 'paths./a.get.x-google-backend.jwt_audience', message: 'expected a non-empty string, got ""' },
    ]);
  });
});
