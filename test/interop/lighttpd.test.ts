/** Interop (issue 16): Debian's lighttpd, every route it speaks, both faces. See cases.ts. */
import { interopSuite } from './cases.ts';
import { lighttpd } from './lighttpd.ts';

interopSuite(lighttpd);
