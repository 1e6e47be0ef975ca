/**
 * Where `npm start` tells the server it is reached (PUBLIC_URL). Unless set, that is the
 * dashboard's port: it serves the dashboard and forwards /api and /socket.io to the server, one
 * origin as nginx gives in production. So the links the server builds back into the product land
 * on a page, the NinjaOne "Connect" callback's return to /admin/ninjaone above all (on the API's
 * own port that page is a 404).
 */
export function launcherPublicUrl(env: NodeJS.ProcessEnv, dashboardPort: number): string {
  return env.PUBLIC_URL || `http://localhost:${dashboardPort}`;
}

/**
 * The NinjaOne simulator's command line for the demo: its demo web app also accepts the server's
 * callback under this PUBLIC_URL (the path is the server's: server/src/ninjaone/settings.service.ts).
 */
export function ninjaOneSimArgs(simPort: number, publicUrl: string): string[] {
  return [
    '--port',
    String(simPort),
    '--seed',
    'demo',
    '--redirect-uri',
    `${publicUrl.replace(/\/+$/, '')}/api/ninjaone/callback`,
  ];
}
