/**
 * OPTIONS, on any path: 204 with `Allow` naming the methods the path is served with (the route
 * table), or the JSON 404 where nothing is served. Runs ahead of the routers (which would answer it
 * in plain text) and of the bearer tokens: it tells nothing beyond the method list, as a webhook's
 * 405 does.
 */
import type { RequestHandler } from 'express';
import { TocsinError } from '../domain/errors.js';
import { allowedMethods } from './allowed-methods.js';

export function answerOptions(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const allow = allowedMethods(req.path);
    if (allow.length === 0) return next(new TocsinError('TOCSIN_ERR_NOT_FOUND', `no route serves ${req.path}`));
    res.setHeader('Allow', allow.join(', '));
    res.status(204).end();
  };
}
