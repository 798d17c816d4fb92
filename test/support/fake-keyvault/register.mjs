// Loaded into the app under test with `node --import` (NODE_OPTIONS): replaces @azure/keyvault-secrets with a
// fake whose secret is FAKE_KEYVAULT_SECRET, so a planted "Key Vault secret" really flows through the app
// (there is no Key Vault here, and the real client refuses plain HTTP). Test-only; never part of the app.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
