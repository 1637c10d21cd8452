import { describe, expect, it } from 'vitest';
import { formatAge } from '../src/format/age.js';
import { payloadText, toJson } from '../src/format/json.js';
import { renderTable } from '../src/format/table.js';
import { redactUrl } from '../src/open-store.js';

describe('formatting', () => {
  it('ages keep the two largest units', () => {
    expect(formatAge(400)).toBe('<1s');
    expect(formatAge(45_000)).toBe('45s');
    expect(formatAge(130_000)).toBe('2m 10s');
    expect(formatAge(3 * 3_600_000 + 5_000)).toBe('3h');
    expect(formatAge(2 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('2d 4h');
    expect(formatAge(-130_000)).toBe('in 2m 10s');
  });

  it('tables pad columns, right-align numbers and escape control characters', () => {
    const text = renderTable(
      [
        { header: 'key', value: (r: { key: string; n: number }) => r.key },
        { header: 'n', value: (r) => r.n, align: 'right' },
      ],
      [
        { key: 'orders\u0000peer', n: 5 },
        { key: 'x', n: 12 },
      ],
    );
    expect(text).toBe('KEY                N\norders\\u0000peer   5\nx                 12\n');
  });

  it('binary payloads become base64 in JSON and a byte count for people', () => {
    expect(JSON.parse(toJson({ payload: Buffer.from('hi') }))).toEqual({ payload: { $base64: 'aGk=' } });
    expect(payloadText(Buffer.from('hi'))).toBe('<2 bytes: aGk=>');
    expect(payloadText({ a: 1 })).toBe('{"a":1}');
  });

  it('hides passwords in store URLs', () => {
    expect(redactUrl('redis://user:secret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
