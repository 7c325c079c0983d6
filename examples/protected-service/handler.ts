// The example team's own service: answers with JSON and the shared security headers.
import { json } from '../../lambda/shared/http';

export const handler = async (): Promise<ReturnType<typeof json>> => json(200, { service: 'inventory', status: 'ok' });
