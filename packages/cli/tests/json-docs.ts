/** The shapes of the CLI's `--json` documents, as the tests rely on them (the machine-readable contract). */

export interface ErrorDoc {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface MessageDoc {
  id: string;
  key?: string;
  topic: string | null;
  kind: string | null;
  source: string | null;
  createdAt: string | null;
  ageMs: number | null;
  destination?: string;
  attempts?: number;
  lastError?: { code: string; message: string };
  notBefore?: string | null;
  receivedAt?: string;
  failedAt?: string;
  done?: string[];
  problem?: string;
  payload?: unknown;
}

export interface ListDoc {
  namespace: string;
  matched: number;
  shown: number;
  messages: MessageDoc[];
}

export interface Counted {
  count: number;
  oldestAt: string | null;
  oldestAgeMs: number | null;
}

export interface StatusDoc {
  store: { kind: string; location: string; layout: { version: number | null; writer: string | null; supported?: number } };
  lock: { state: string; pid?: number; hostname?: string; startedAt?: string; version?: string; takenOver?: boolean };
  namespaces: Record<'outgoing' | 'incoming' | 'subscriptions' | 'dead' | 'dedupe' | 'corrupt', Counted & { namespace: string }>;
  destinations: Array<Counted & { destination: string }>;
  otherNamespaces: Record<string, number>;
}

export interface KeysDoc {
  subscriptions: Array<{ key: string; topic: string; address: string; since: string | null }>;
}

export interface SubscribersDoc {
  subscribers: Array<{ address: string; topics: string[] }>;
}

export interface ReplayDoc {
  dryRun: boolean;
  store: string;
  messages: Array<{ id: string; topic?: string; side?: 'inbox' | 'outbox'; destination?: string; result: string; reason?: string }>;
}

export interface PurgeDoc {
  store: string;
  dryRun: boolean;
  total: number;
  counts: Record<string, number>;
  notFound: string[];
  deleted: number;
  declined?: boolean;
}

export interface UnlockDoc {
  path: string;
  removed: boolean;
  lock: { state: string; pid?: number };
  forced: boolean;
}
