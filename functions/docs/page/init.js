// Starts Swagger UI on the document this worker serves. A file, not an inline
// script, so the page's CSP can stay 'self'.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  validatorUrl: null,
  tryItOutEnabled: false,
});
