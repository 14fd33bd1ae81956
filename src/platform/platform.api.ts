import Type from 'typebox';
import type { App } from './module.ts';
import { AppError } from './errors.ts';
import { problemSchema } from './http.ts';

export function platformApi(app: App): void {
  app.get('/api/v1/me', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'], summary: 'The account the token belongs to', security: [{ bearer: [] }],
      response: {
        200: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), isAdmin: Type.Boolean() }),
        401: problemSchema,
      },
    },
  }, async (request) => {
    if (!request.user) throw new AppError('unauthenticated');
    return request.user;
  });
}
