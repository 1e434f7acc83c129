// Renders /openapi.json with Swagger UI; every asset comes from this server, none from a CDN.
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#api-docs',
    deepLinking: true,
    persistAuthorization: true,
  });
});
