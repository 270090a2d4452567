import { test } from 'node:test';
import { hostileInput } from '../../chaos/scenarios/hostile-input';
import { runReduced } from './support/run-scenario';

// 1 MB fields, nesting 3 000 deep, lone surrogates, CR/LF/NUL, keys with dots, `$` and
// __proto__: every sink holds each activity well-formed (and rebuildable from OCSF/ECS) or
// the dead-letter file says which sink refused it and why; nothing crashes.
test('hostile input reaches every sink well-formed or is dead-lettered with the reason', async (t) => {
  await runReduced(t, hostileInput);
});
