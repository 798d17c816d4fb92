// Dashboard script (plain JS, no external assets). Every API call sends the function key kept in this
// browser session, and every failure is shown, never swallowed.
(function () {
  'use strict';
  var KEY = 'retail-datagen.functionKey';

  function api(path, options) {
    options = options || {};
    var headers = Object.assign({ accept: 'application/json' }, options.headers || {});
    var key = sessionStorage.getItem(KEY);
    if (key) headers['x-functions-key'] = key;
    return fetch(path, Object.assign({}, options, { headers: headers })).then(function (response) {
      if (response.status === 401) {
        document.getElementById('key-panel').hidden = false;
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error((body && body.detail) || ('HTTP ' + response.status));
        return body;
      });
    });
  }

  function showError(id, error) {
    var element = document.getElementById(id);
    element.textContent = error.message;
    element.hidden = false;
  }

  function refresh() {
    api('/health').then(function (health) {
      document.getElementById('health').textContent = 'Running version ' + health.version + ', up ' + health.uptime_seconds + ' s';
    }, function (error) { showError('health', error); });
    api('/api/stream/config').then(function (config) {
      document.getElementById('config-error').hidden = true;
      document.getElementById('config').textContent = JSON.stringify(config, null, 2);
    }, function (error) { showError('config-error', error); });
  }

  document.getElementById('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById('key-input').value);
    document.getElementById('key-panel').hidden = true;
    refresh();
  });
  refresh();
})();
