/** The app's version, reported by /health and the OpenAPI document. Kept in step with package.json by a test. */
export const APP_VERSION = '0.1.0';
