import { ResoluteError } from '@resolute/core';
import type { z } from 'zod';

/**
 * The INVALID_CONFIG error for options a zod schema refused, naming the first offending field: for an unknown key,
 * the key itself (`retry.initialDelay`), so a typo in a config file is found at once.
 */
export function invalidOptions(component: string, issues: readonly z.core.$ZodIssue[]): ResoluteError {
  const issue = issues[0];
  const path = issue?.path.map(String) ?? [];
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = [...path, ...(unknown === undefined ? [] : [unknown])].join('.') || '(options)';
  const reason = unknown === undefined ? (issue?.message ?? 'invalid') : 'unknown option: remove it or check its spelling';
  return new ResoluteError('INVALID_CONFIG', `${component} option ${field}: ${reason}`, { retryable: false, details: { field } });
}
