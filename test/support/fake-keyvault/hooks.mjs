// Module resolution hook (see register.mjs): the app's import of @azure/keyvault-secrets gets the fake.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@azure/keyvault-secrets') return { url: new URL('./secret-client.mjs', import.meta.url).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
