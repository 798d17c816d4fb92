/** Reads a JSON response body for assertions (tests inspect arbitrary shapes, so the result is untyped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(response: Response): Promise<any> {
  return response.json();
}
