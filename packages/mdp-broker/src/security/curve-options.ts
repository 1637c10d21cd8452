import { z } from 'zod';
import { z85Decode } from './z85.js';

/** A CURVE key as Z85 text: 40 characters that decode to 32 bytes. */
export const z85Key = z
  .string()
  .refine((text) => text.length === 40 && z85Decode(text) !== undefined, 'must be a 40-character Z85 CURVE key (see generateCurveKeyPair)');

/** The broker's side: its ROUTER is a CURVE server. */
export const curveServerSchema = z
  .object({
    /** The broker's long-term key pair. Its public key is what workers and clients set as curve.serverKey. */
    publicKey: z85Key,
    secretKey: z85Key,
    /**
     * Public keys of the workers and clients allowed to connect, checked by a ZAP handler (27/ZAP). Omitted: any peer
     * that knows the broker's public key may connect (the traffic is still encrypted).
     */
    allow: z.array(z85Key).optional(),
  })
  .strict();

/** A worker's or client's side: its DEALERs are CURVE clients of the broker. */
export const curveClientSchema = z
  .object({
    /** The broker's public key (its curve.publicKey). */
    serverKey: z85Key,
    /** This peer's own long-term key pair; its public key is what the broker's curve.allow lists. */
    publicKey: z85Key,
    secretKey: z85Key,
  })
  .strict();

export type CurveServerOptions = z.output<typeof curveServerSchema>;
export type CurveClientOptions = z.output<typeof curveClientSchema>;
