import { randomBytes } from 'node:crypto';
import { BASE58 } from './prng';

/**
 * `request-id`s shaped like the API's (`req_01` + 22 characters) and unique across runs even
 * with the same seed (a third-party SDK keyed its logs on them): 11 characters drawn at random
 * per server, 11 counting its requests. Request ids are not activity content, so they need
 * not replay; everything generated from the seed still does.
 */
const PART = 11;

export class RequestIds {
  private readonly perServer: string;
  private issued = 0;

  constructor() {
    this.perServer = [...randomBytes(PART)].map((b) => BASE58[b % 58]).join('');
  }

  next(): string {
    let n = this.issued++;
    let counter = '';
    for (let i = 0; i < PART; i++) {
      counter = BASE58[n % 58] + counter;
      n = Math.floor(n / 58);
    }
    return `req_01${this.perServer}${counter}`;
  }
}
