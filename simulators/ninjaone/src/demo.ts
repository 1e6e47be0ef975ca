/**
 * `npm start` demo: points a fresh server's NinjaOne settings at the local simulator (client
 * credentials with the simulator's demo app), through the server's own admin API, so a validated
 * transcript becomes a ticket without any setup. Settings an admin already made are left alone.
 */
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from './fixtures';

export interface NinjaOneDemoOptions {
  /** The server, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  email: string;
  password: string;
  /** The simulator, e.g. http://127.0.0.1:8090 */
  simUrl: string;
}

export async function configureNinjaOneDemo(
  o: NinjaOneDemoOptions,
): Promise<'configured' | 'kept'> {
  const login = await fetch(`${o.apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: o.email, password: o.password }),
  });
  if (!login.ok) throw new Error(`demo admin login failed (${login.status})`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}` };

  const current = await fetch(`${o.apiUrl}/api/settings/ninjaone`, { headers: auth });
  if (!current.ok) throw new Error(`reading the NinjaOne settings failed (${current.status})`);
  if (((await current.json()) as { configured: boolean }).configured) return 'kept';

  const put = await fetch(`${o.apiUrl}/api/settings/ninjaone`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      region: 'custom',
      baseUrl: o.simUrl,
      authMode: 'client_credentials',
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
    }),
  });
  if (!put.ok)
    throw new Error(`saving the NinjaOne settings failed (${put.status}: ${await put.text()})`);
  return 'configured';
}
