/**
 * What the interop cases need to know about a third-party server: before it starts, which of
 * onepool's routes it speaks and which optional features it has (the cases are declared from that);
 * once it runs, its origins, its certificate and how to stop it.
 */
import type { RequestOptions } from 'onepool';
import type { Docroot } from './docroot.ts';

/** h1 = http://; h1-tls = https:// with http2: false; h2 = https:// through ALPN; h2c = prior knowledge */
export type Route = 'h1' | 'h1-tls' | 'h2' | 'h2c';

export interface InteropTarget {
  name: string;
  binary: string;
  /** the Debian packages that provide it (.ci/run installs them) */
  packages: string;
  routes: readonly Route[];
  /** answers a GET of the docroot's text file with Content-Encoding: gzip */
  gzip: boolean;
  /** has a path that answers a POST's body back */
  echoes: boolean;
  /** answers 411 Length Required to an HTTP/2 request body without Content-Length */
  h2BodiesNeedLength?: boolean;
  /** starts the server on free loopback ports, serving `root` */
  start(root: Docroot): Promise<InteropServer>;
}

export interface InteropServer {
  origins: Partial<Record<Route, string>>;
  /** PEM of the server's self-signed certificate */
  cert: string;
  /** the path that answers a POST's body back (when the target `echoes`) */
  echoPath: string;
  close(): Promise<void>;
}

export function routeOptions(route: Route, server: InteropServer): RequestOptions {
  switch (route) {
    case 'h1':
      return {};
    case 'h1-tls':
      return { tls: { ca: server.cert }, http2: false };
    case 'h2':
      return { tls: { ca: server.cert } };
    case 'h2c':
      return { http2: 'prior-knowledge' };
  }
}

/** The protocol a route's connection must report. */
export const routeProtocol = (route: Route): 'h1' | 'h2' =>
  route === 'h1' || route === 'h1-tls' ? 'h1' : 'h2';
