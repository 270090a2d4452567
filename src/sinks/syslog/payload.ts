import { createCefEncoder, createLeefEncoder, serializeEvent } from '../../normalize';
import type { PipelineRecord } from '../../pipeline/record';
import type { OutputFormat } from '../../config/fields';
import type { SyslogFormat } from './config';

export type BodyEncoder = (record: PipelineRecord) => string;

/**
 * MSG: the normalized event as JSON (rfc5424, rfc3164) or a CEF / LEEF line. All of it
 * comes from src/normalize, the one mapping every sink shares; built once per sink.
 */
export function bodyEncoder(
  format: SyslogFormat,
  payloadFormat: OutputFormat,
  leefDelimiter?: string,
): BodyEncoder {
  switch (format) {
    case 'rfc5424':
    case 'rfc3164':
      return (record) => serializeEvent(record, payloadFormat);
    case 'cef': {
      const cef = createCefEncoder();
      return (record) => cef(record.activity);
    }
    case 'leef': {
      const leef = createLeefEncoder(leefDelimiter === undefined ? {} : { delimiter: leefDelimiter });
      return (record) => leef(record.activity);
    }
  }
}
