/**
 * Request bodies: JSON up to the configured size, and multipart only where a route takes uploads. A body of any
 * other type, or JSON in a charset other than UTF-8, on a route that reads one is refused with 415 instead of
 * being silently ignored or misread, so a client that forgot `Content-Type: application/json` learns why.
 */

import express, { type RequestHandler } from 'express';
import { HttpError } from '../http-errors.js';

export function jsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      const hasBody = req.get('content-length') !== '0' && (req.get('content-length') || req.get('transfer-encoding'));
      if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
      if (req.is('multipart/form-data')) return next();
      if (req.is('application/json') || req.is('application/*+json')) {
        // JSON is UTF-8 (RFC 8259); say so with the media-type code rather than body-parser's generic one.
        const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
        if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return next();
        return next(new HttpError('UNSUPPORTED_MEDIA_TYPE', `a JSON body must be UTF-8; got charset=${charset}`));
      }
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
