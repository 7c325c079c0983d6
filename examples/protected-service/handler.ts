// The example team's own service: answers with JSON and the baseline's security headers.
// In an app: import { json } from 'aws-security-baseline/http' (this repository's source of that entry is lib/http).
import { json } from '../../lib/http';

export const handler = async (): Promise<ReturnType<typeof json>> => json(200, { service: 'inventory', status: 'ok' });
