import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutputFormat } from '../../../src/config/fields';
import { serializeEvent } from '../../../src/normalize';
import { allowedActors, makeActivity } from '../../../src/simulator/generate';
import { addOnTypes } from '../../../scripts/gen-splunk-ta';
import { readTaConf } from './support/add-on';
import { stanzaOf } from './support/conf';
import { SOURCETYPE } from './support/events';

const FORMATS: readonly OutputFormat[] = ['ocsf', 'ecs', 'raw'];

describe('props.conf timestamp settings on the JSON lines of a monitored file sink', () => {
  const props = stanzaOf(readTaConf('props.conf'), SOURCETYPE);
  const prefix = new RegExp(props.get('TIME_PREFIX') ?? 'no TIME_PREFIX');
  const lookahead = Number(props.get('MAX_TIMESTAMP_LOOKAHEAD'));

  it('find the activity’s created_at first, within the lookahead, in every format', () => {
    let seed = 1;
    for (const type of addOnTypes()) {
      for (const actorType of allowedActors(type)) {
        const activity = makeActivity({ type, actorType, seed: seed++ });
        const raw = JSON.stringify(activity);
        for (const format of FORMATS) {
          const line = serializeEvent({ seq: 1, activity, raw }, format);
          const match = prefix.exec(line);
          assert.ok(match, `${type} / ${format}: TIME_PREFIX matches nothing`);
          const after = line.slice(match.index + match[0].length, match.index + match[0].length + lookahead);
          assert.ok(
            after.startsWith(activity.created_at),
            `${type} / ${actorType} / ${format}: reads "${after}" not ${activity.created_at}`,
          );
        }
      }
    }
  });

  it('break lines on newlines only and read the time as UTC', () => {
    assert.equal(props.get('SHOULD_LINEMERGE'), 'false');
    assert.equal(props.get('LINE_BREAKER'), '([\\r\\n]+)');
    assert.equal(props.get('TZ'), 'UTC');
    assert.equal(props.get('KV_MODE'), 'json');
    assert.equal(props.get('INDEXED_EXTRACTIONS'), undefined, 'with KV_MODE=json every field would be extracted twice');
  });
});
