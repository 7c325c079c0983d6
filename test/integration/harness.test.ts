import { Client } from 'pg';
import { startJwksServer } from './http';
import { RunningPostgres, startPostgres } from './postgres';

describe('integration harness', () => {
  let pg: RunningPostgres;
  beforeAll(async () => { pg = await startPostgres(); });
  afterAll(async () => { await pg?.stop(); });

  test('a real PostgreSQL answers on a loopback port, survives a pause, and creates databases', async () => {
    const db = await pg.createDatabase('harness');
    const connect = async () => {
      const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: db });
      await c.connect();
      return c;
    };
    let client = await connect();
    const { rows } = await client.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version_num']);
    expect(Number(rows[0].v)).toBeGreaterThanOrEqual(150000);
    await client.end();
    await pg.pause();
    await expect(connect()).rejects.toThrow();
    await pg.start();
    client = await connect();
    await client.end();
  });

  test('the JWKS server serves keys on 127.0.0.1 and rotates them', async () => {
    const server = await startJwksServer({ keys: [{ kid: 'a' }] });
    try {
      expect(server.jwksUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/);
      expect(await (await fetch(server.jwksUri)).json()).toEqual({ keys: [{ kid: 'a' }] });
      server.setKeys({ keys: [{ kid: 'b' }] });
      expect(await (await fetch(server.jwksUri)).json()).toEqual({ keys: [{ kid: 'b' }] });
      server.fail();
      expect((await fetch(server.jwksUri)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
