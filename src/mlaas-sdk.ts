/**
 * The `mlaas/sdk` subpath of the platform package: the standalone SDK,
 * `@mlaas/sdk`, re-exported so that services written against `mlaas/sdk`
 * keep working with one copy of the SDK.
 */
export * from '@mlaas/sdk';
