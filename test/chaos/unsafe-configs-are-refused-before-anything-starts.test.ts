import { test } from 'node:test';
import { unsafeConfigs } from '../../chaos/scenarios/unsafe-configs';
import { runReduced } from './support/run-scenario';

// Plaintext to another host without allow_plaintext, credentials in a URL, a secret read as
// a YAML alias, a secret too short to redact, a symbolic link where a data file belongs and
// an unreadable TLS file are each refused with exit 2 by validate and run, naming the field,
// with no API request, no file written and no secret printed; links planted in the data
// directory at the checkpoint's old temp names catch no write.
test('unsafe configs are refused before anything starts; data-directory links catch nothing', async (t) => {
  await runReduced(t, unsafeConfigs);
});
