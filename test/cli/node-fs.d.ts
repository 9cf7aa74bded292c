// The CLI's commands read `--body @file` with node:fs. Tests call them inside workerd, which
// provides node:fs under the nodejs_compat flag but whose types (workers-types) do not declare
// it: this is the one function they use.
declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
}
