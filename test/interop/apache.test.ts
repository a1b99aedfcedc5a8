/** Interop (issue 16): Debian's apache, every route it speaks, both faces. See cases.ts. */

import { apache } from './apache.ts';
import { interopSuite } from './cases.ts';

interopSuite(apache);
