import type { RouteTable } from '../http/routes';
import type { CallsService } from './calls.service';

export function registerCallRoutes(routes: RouteTable, calls: CallsService): void {
  routes.handle('createCall', async ({ res, body, user }) => {
    const { call, created } = await calls.create(user!, body);
    res.status(created ? 201 : 200).json(call);
  });

  routes.handle('updateCall', async ({ params, body, user }) =>
    calls.update(user!, params.id, body),
  );

  routes.handle('listCalls', async ({ query, user }) => calls.list(user!, query));

  routes.handle('getCall', async ({ params, user }) => calls.get(user!, params.id));
}
