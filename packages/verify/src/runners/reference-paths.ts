import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/verify/python (shipped with the package): the directory to put on PYTHONPATH. */
export const REFERENCE_PYTHON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../python');

/** The mule_reference package directory. */
export const REFERENCE_PACKAGE_DIR = join(REFERENCE_PYTHON_DIR, 'mule_reference');

/** The PEP 723 entry script (`uv run` runs it directly). */
export const REFERENCE_ENTRY_SCRIPT = join(REFERENCE_PACKAGE_DIR, '__main__.py');
