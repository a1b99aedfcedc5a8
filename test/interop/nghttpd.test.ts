/** Interop (issue 16): Debian's nghttpd, every route it speaks, both faces. See cases.ts. */
import { interopSuite } from './cases.ts';
import { nghttpd } from './nghttpd.ts';

interopSuite(nghttpd);
