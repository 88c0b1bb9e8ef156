// The seam to @amaas/server: loaded lazily and checked for the agreed API (startServer, KeyStore),
// with "the server package is not built" (exit 1) when it is missing or incomplete.
import { CliError } from '../src/errors';
import { serverModule } from '../src/server-api';

test('a missing or incomplete @amaas/server is "not built", naming what is missing', () => {
  const missing = () => {
    throw new Error("Cannot find module '@amaas/server'");
  };
  expect(() => serverModule(missing)).toThrow(CliError);
  expect(() => serverModule(missing)).toThrow("the server package is not built: cannot load @amaas/server (Cannot find module '@amaas/server')");
  expect(() => serverModule(() => ({}))).toThrow('the server package is not built: @amaas/server does not export startServer or KeyStore');
  expect(() => serverModule(() => ({ startServer: async () => ({}) }))).toThrow('does not export KeyStore');
  try {
    serverModule(() => ({}));
  } catch (err) {
    expect((err as CliError).hint).toContain('npm run build');
  }
});

test('the agreed API passes the check', () => {
  class KeyStore {
    static open() {
      return new KeyStore();
    }
  }
  const mod = { startServer: async () => ({ url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1, close: async () => undefined }), KeyStore };
  expect(serverModule(() => mod)).toBe(mod);
});
