// The generated OpenAPI document, imported as JSON by test/support/contract.ts
// (vite inlines it; tsconfig leaves JSON modules off).
declare module "*/docs/public/openapi.json" {
  const document: Record<string, unknown>;
  export default document;
}
