/**
 * Request bodies: JSON up to the configured size, and multipart only where a route takes uploads. A body of any
 * other type on a route that reads one is refused with 415 instead of being silently ignored, so a client that
 * forgot `Content-Type: application/json` learns why.
 */

import express, { type RequestHandler } from 'express';
import { HttpError } from '../http-errors.js';

export function jsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      const hasBody = req.get('content-length') !== '0' && (req.get('content-length') || req.get('transfer-encoding'));
      if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
      if (req.is('application/json') || req.is('application/*+json') || req.is('multipart/form-data')) return next();
      next(
        new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `the request body must be application/json${req.path === '/ingest' ? ' or multipart/form-data' : ''}; got ${req.get('content-type') ?? 'no content type'}`,
        ),
      );
    },
    express.json({ limit, type: ['application/json', 'application/*+json'] }),
  ];
}
