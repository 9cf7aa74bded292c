/** Hono's environment for Belfry routes: the Worker bindings and what auth sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    projectId: string;
    keyId: string;
  };
}
