/**
 * The two faces as one table: every behaviour test runs its scenario once per face. Both faces'
 * calls can be awaited (awaiting a Response is a no-op), so one scenario body serves both.
 */
import { Client, type RequestOptions, SyncClient } from 'onepool';

export type AnyFace = Client | SyncClient;

export interface FaceKind {
  name: 'async' | 'sync';
  make(options?: RequestOptions): AnyFace;
}

export const FACES: readonly FaceKind[] = [
  { name: 'async', make: (options) => new Client(options) },
  { name: 'sync', make: (options) => new SyncClient(options) },
];
