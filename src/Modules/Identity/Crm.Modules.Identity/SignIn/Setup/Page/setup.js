// The setup page's script: the code comes from the URL's fragment, which browsers never send to the server, so it
// stays out of access logs and Referer headers. The tokens the setup answers are dropped: the admin signs in afterwards.
(function () {
  'use strict';

  var form = document.getElementById('setup');
  var outcome = document.getElementById('outcome');
  var button = form.querySelector('button[type="submit"]');

  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  var code = fragment.get('code');
  if (code) {
    document.getElementById('code').value = code;
    // The code is in the field now; take it off the address bar and the history.
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  function show(kind, heading, lines) {
    outcome.className = kind;
    outcome.textContent = '';
    var strong = document.createElement('p');
    strong.textContent = heading;
    outcome.appendChild(strong);
    if (lines.length > 0) {
      var list = document.createElement('ul');
      lines.forEach(function (line) {
        var item = document.createElement('li');
        item.textContent = line;
        list.appendChild(item);
      });
      outcome.appendChild(list);
    }
  }

  function problemLines(problem) {
    var lines = [];
    if (problem && problem.errors) {
      Object.keys(problem.errors).forEach(function (field) {
        [].concat(problem.errors[field]).forEach(function (message) {
          lines.push(field + ': ' + message);
        });
      });
    }
    return lines;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = {
      code: form.elements.code.value.trim(),
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      password: form.elements.password.value
    };
    button.disabled = true;
    show('', 'Creating the admin…', []);
    fetch(form.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (response) {
      if (response.ok) {
        form.hidden = true;
        show('done', 'The first admin is created; you can sign in.', []);
        return null;
      }
      return response.json().catch(function () { return null; }).then(function (problem) {
        var detail = (problem && (problem.detail || problem.title)) || ('The host answered ' + response.status + '.');
        show('failed', detail, problemLines(problem));
        button.disabled = false;
      });
    }).catch(function () {
      show('failed', 'The host could not be reached. Try again.', []);
      button.disabled = false;
    });
  });
}());
