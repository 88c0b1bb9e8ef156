// Small Express glue shared by the route modules: the scope check as middleware (the same
// Auth.check the fast path calls) and the principal it leaves on res.locals.
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth';
import type { AppContext } from '../context';
import type { Scope } from '../keys';

/** Middleware: the request needs `scope` (and access to the :name model when the route has one). */
export function need(ctx: AppContext, scope: Scope) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const name = typeof req.params?.name === 'string' ? req.params.name : undefined;
    res.locals.principal = ctx.auth.check(req.headers.authorization, scope, name);
    next();
  };
}

export function principal(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? { key: null, actor: 'anonymous' };
}

export function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}
