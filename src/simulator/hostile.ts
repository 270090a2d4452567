/**
 * Strings that break naive encoders: syslog (header and structured-data injection), CEF
 * (`|`, `=`, `\`), LEEF (tabs), JSON (quotes, NUL, control characters), line-oriented files
 * (CR/LF), terminals and log viewers (RTL override, ANSI escapes), size limits (3 KB).
 */
export function hostileStrings(): Readonly<Record<string, string>> {
  return {
    crlf: 'first line\r\nsecond line\nthird line\rfourth',
    quotes: `he said "drop table" and 'left'`,
    bracket: 'value] [forged@32473 admin="true"]',
    pipe: 'CEF:0|Evil|Corp|1.0|100|forged|10|',
    equals: 'act=deleted suser=root msg=pwned',
    backslash: 'C:\\Users\\admin\\ and a trailing backslash \\',
    unicode: 'naïve café – Grüße – 中文 – 日本語 – Ελληνικά',
    emoji: '🔥🚀 👩‍💻 🇫🇷 ✅',
    rtl: 'user\u202Egnp.exe – שלום – مرحبا',
    nul: 'before\u0000after',
    control: 'tab\there bell\u0007 esc\u001b[31mred\u001b[0m del\u007f',
    syslog_header: '<13>1 2026-05-22T15:25:13.701734Z forged-host forged-app 666 ID47 - injected',
    json: '{"type":"error","injected":true}',
    long: `3KB:${'A quick brown fox | = ] \\ '.repeat(118)}`.slice(0, 3072),
  };
}
