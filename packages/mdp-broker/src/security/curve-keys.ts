import { curveKeyPair } from 'zeromq';

/**
 * A new CURVE key pair as Z85 text (40 characters each): the broker's for `curve.publicKey`/`curve.secretKey` (its
 * public key is the `curve.serverKey` of its workers and clients), or a worker's or client's own.
 */
export function generateCurveKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}
