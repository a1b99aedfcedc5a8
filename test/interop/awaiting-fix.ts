/**
 * Interop cases left out of the suite because they fail on a onepool defect that is being fixed on
 * another branch. Each entry names the defect and what the servers showed; delete the entry when the
 * fix is merged, and the case runs again.
 */
import type { CaseId } from './cases.ts';

export interface AwaitingFix {
  case: CaseId;
  /** the protocol of the routes it fails on */
  protocol: 'h1' | 'h2';
  /** the targets it fails on (every target when absent) */
  targets?: readonly string[];
  defect: string;
}

export const AWAITING_FIX: readonly AwaitingFix[] = [
  {
    case: 'head-reuse',
    protocol: 'h1',
    defect:
      'every HEAD closes its HTTP/1.1 connection: on lighttpd and apache2, http:// and https:// with ' +
      'http2: false, both faces, the GET after a HEAD ran on connection id n+1, not n (a second connection opened)',
  },
  {
    case: 'upload-bytes',
    protocol: 'h2',
    targets: ['lighttpd'],
    defect:
      'a byte body on HTTP/2 is sent without Content-Length (h1 gets one from undici): lighttpd ' +
      '(TLS h2 and h2c, both faces) answers 411 Length Required; nghttpd and apache2 accept it',
  },
];

export const awaitingFix = (id: CaseId, protocol: 'h1' | 'h2', target: string): AwaitingFix | undefined =>
  AWAITING_FIX.find(
    (entry) => entry.case === id && entry.protocol === protocol && (entry.targets?.includes(target) ?? true),
  );
