import { fileURLToPath } from 'node:url';

/** Repository root (scripts/lib/../..). */
export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
