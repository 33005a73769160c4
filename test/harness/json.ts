import type { GraphRequest } from '@microsoft/microsoft-graph-client';

/**
 * JSON enters a test untyped (fetch, the Graph client's `get()`): these name its shape where it enters, so the rest
 * of the test reads typed fields. The shapes are Graph's (@microsoft/microsoft-graph-types) or the project's own.
 */

/** A Graph collection page. */
export interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  '@odata.deltaLink'?: string;
}

/** The parsed body of a fetch response, as `T`. */
export async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** A Graph client GET, as `T`. */
export async function getAs<T>(request: GraphRequest): Promise<T> {
  return (await request.get()) as T;
}

/** A Graph client POST, as `T`. */
export async function postAs<T>(request: GraphRequest, body: unknown): Promise<T> {
  return (await request.post(body)) as T;
}

/** JSON.parse of a captured body, as `T`. */
export function parseAs<T>(text: string): T {
  return JSON.parse(text) as T;
}
