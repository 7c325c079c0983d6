/**
 * A tiny structured logger for the authorizer (no Powertools: the bundle stays
 * a few KB). One JSON object per line; Lambda's JSON log format adds the
 * timestamp and request id. Never pass a token or a header value to it.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface Log {
  (level: LogLevel, message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

/** Writes `{ level, message, ...fields }` to the console stream of the level. */
export const consoleLog: Log = (level, message, fields) => {
  const line = JSON.stringify({ level, message, service: 'authorizer', ...fields });
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
};
