// Jest for @amaas/bench: unit tests of the harness pieces plus one quick smoke run of the real
// gemm suite. Tests import ../src directly; no test asserts a speed.
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  testTimeout: 300000,
};
