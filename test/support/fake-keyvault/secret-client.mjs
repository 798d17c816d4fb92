// A stand-in for @azure/keyvault-secrets' SecretClient: getSecret answers FAKE_KEYVAULT_SECRET for the name in
// FAKE_KEYVAULT_SECRET_NAME and 404s (like Key Vault) for any other.
export class SecretClient {
  constructor(vaultUrl) {
    this.vaultUrl = vaultUrl;
  }

  async getSecret(name) {
    if (name !== process.env.FAKE_KEYVAULT_SECRET_NAME) {
      const error = new Error(`A secret with (name/id) ${name} was not found in this key vault.`);
      error.name = 'RestError';
      error.statusCode = 404;
      error.code = 'SecretNotFound';
      throw error;
    }
    return { name, value: process.env.FAKE_KEYVAULT_SECRET, properties: { name, vaultUrl: this.vaultUrl } };
  }
}
