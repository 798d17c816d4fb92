// Offline Swagger UI for retail-datagen. The function key (when the app requires one) is taken from `?code=`
// or from the dashboard's session, and sent as the x-functions-key header on every request.
(function () {
  'use strict';
  var KEY = 'retail-datagen.functionKey';
  var fromQuery = new URLSearchParams(window.location.search).get('code');
  if (fromQuery) sessionStorage.setItem(KEY, fromQuery);
  var key = sessionStorage.getItem(KEY);
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    requestInterceptor: function (request) {
      if (key) request.headers['x-functions-key'] = key;
      return request;
    },
  });
})();
