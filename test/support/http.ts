/** A JSON body as tests read it: they inspect arbitrary shapes, so it is untyped (the one `any` the tests allow). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJson = any;

/** Reads a JSON response body for assertions. */
export async function readJson(response: Response): Promise<AnyJson> {
  return response.json();
}
