import { test } from 'node:test';
import { lateAccessTransparency } from '../../chaos/scenarios/late-access-transparency';
import { runReduced } from './support/run-scenario';

// Access Transparency rows recorded over a weekend appear in the feed days late while the
// forwarder is killed five times, with the API refusing a filter on their types: every row
// reaches every sink, and none twice unless it was in flight at a kill.
test('late Access Transparency rows survive kill -9 ×5 across a weekend: none lost, none duplicated', async (t) => {
  await runReduced(t, lateAccessTransparency);
});
