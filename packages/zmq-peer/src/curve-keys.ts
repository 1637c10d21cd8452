import { curveKeyPair } from 'zeromq';

/** A new CURVE key pair (Z85 text, 40 characters each) for `curve.publicKey` / `curve.secretKey`. */
export function generateCurveKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}
