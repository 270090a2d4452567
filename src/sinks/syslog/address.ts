import { isIP } from 'node:net';
import { CREDENTIALS_IN_URL } from '../../config/fields';

export interface SyslogAddress {
  readonly host: string;
  readonly port: number;
}

/** IANA ports: 514 for syslog over UDP and (by custom) plain TCP, 6514 for TLS (RFC 5425). */
export function defaultPort(transport: 'udp' | 'tcp' | 'tls'): number {
  return transport === 'tls' ? 6514 : 514;
}

/**
 * Parses `host:port`, `[ipv6]:port`, a bare host or a bare bracketed IPv6 address. Returns
 * an explanation (a string) when the text is not an address, so the config schema can
 * name the field.
 */
export function parseAddress(text: string, transport: 'udp' | 'tcp' | 'tls'): SyslogAddress | string {
  const value = text.trim();
  // Before any message quotes the text: it may hold a password.
  if (value.includes('@')) return CREDENTIALS_IN_URL;
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
    if (isIP(host) !== 6) return `"${text}": only IPv6 addresses go in brackets`;
  } else if (isIP(value) === 6) {
    return `"${text}": write an IPv6 address in brackets, e.g. [${value}]:${defaultPort(transport)}`;
  } else {
    const colon = value.lastIndexOf(':');
    host = colon === -1 ? value : value.slice(0, colon);
    portText = colon === -1 ? undefined : value.slice(colon + 1);
  }
  if (!host || /[\s/]/.test(host))
    return `"${text}" is not an address; write host:port, e.g. siem.example.com:${defaultPort(transport)}`;
  if (portText === undefined) return { host, port: defaultPort(transport) };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535)
    return `"${text}": the port must be a number from 1 to 65535`;
  return { host, port };
}

/** For log lines and errors: IPv6 hosts bracketed so the port stays readable. */
export function formatAddress(address: SyslogAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
