import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Ajv validators for the OCSF 1.8.0 classes we emit, lenient and strict, compiled once per
 * test file (0.2–0.5 s each). The schemas live in ../shared/ocsf beside the repository (CI
 * checks it out there).
 */
export const OCSF_DIR = path.resolve(__dirname, '../../../../shared/ocsf');

export const CLASS_FILES: Readonly<Record<number, string>> = {
  3001: 'account_change',
  3002: 'authentication',
  3004: 'entity_management',
  3005: 'user_access',
  3006: 'group_management',
  6001: 'web_resources_activity',
  6003: 'api_activity',
};

export interface ClassValidators {
  readonly lenient: ValidateFunction;
  readonly strict: ValidateFunction;
}

function loadSchema(file: string): Record<string, unknown> {
  const full = path.join(OCSF_DIR, '1.8.0', file);
  if (!existsSync(full))
    throw new Error(`OCSF schema not found: ${full} (the shared/ directory must sit beside the repository)`);
  return JSON.parse(readFileSync(full, 'utf8')) as Record<string, unknown>;
}

export function compileOcsfValidators(
  classUids: readonly number[] = Object.keys(CLASS_FILES).map(Number),
): Map<number, ClassValidators> {
  const ajv = new Ajv({ allErrors: true });
  const out = new Map<number, ClassValidators>();
  for (const uid of classUids) {
    const name = CLASS_FILES[uid];
    out.set(uid, {
      lenient: ajv.compile(loadSchema(`${name}.json`)),
      strict: ajv.compile(loadSchema(`strict/${name}.json`)),
    });
  }
  return out;
}

/** Every schema error of the event (lenient and strict), as readable lines; empty when valid. */
export function ocsfErrors(
  validators: Map<number, ClassValidators>,
  event: Record<string, unknown>,
): string[] {
  const classUid = event.class_uid;
  const pair = typeof classUid === 'number' ? validators.get(classUid) : undefined;
  if (pair === undefined) return [`no validator for class_uid ${String(classUid)}`];
  const errors: string[] = [];
  for (const [variant, validate] of [
    ['lenient', pair.lenient],
    ['strict', pair.strict],
  ] as const) {
    if (!validate(event)) {
      for (const e of validate.errors ?? [])
        errors.push(`${variant}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    }
  }
  return errors;
}
