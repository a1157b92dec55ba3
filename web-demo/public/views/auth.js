// @ts-check
// Log in (by username or email) and sign up. On success the session holds the token and user.
import { h, field } from '../lib/dom.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';
import { t } from '../lib/i18n.js';

function authCard(title, form, switchLink) {
  return h('section', { class: 'auth' },
    h('div', { class: 'auth-intro' },
      h('h1', null, 'Herald'),
      h('p', { class: 'lead' }, t('auth.lead'))),
    h('div', { class: 'card auth-card' }, h('h2', null, title), form, switchLink));
}

function formError(testid) {
  return h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', role: 'alert', testid, hidden: true });
}

/** @param {HTMLFormElement} form  built with its submit button  @param {() => Promise<void>} work */
async function submitWith(form, work) {
  clearFormErrors(form);
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  submit.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (err) {
    showFormError(form, err);
  } finally {
    submit.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx */
export function renderLogin(root, ctx) {
  const login = h('input', { type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { testid: 'login-form' },
    field({ label: t('auth.usernameOrEmail'), name: 'login', testid: 'login-login', control: login }),
    field({ label: t('auth.password'), name: 'password', testid: 'login-password', control: password }),
    formError('login-error'),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, t('auth.logIn')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitWith(form, async () => {
      const res = await ctx.api.login(login.value.trim(), password.value);
      ctx.signIn(res.accessToken, res.user, res.refreshToken);
    });
  });
  root.append(authCard(t('auth.logIn'), form,
    h('p', { class: 'switch' }, t('auth.newHere'), ' ', h('a', { href: '#/register', testid: 'show-register' }, t('auth.createAnAccount')))));
  login.focus();
}

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx */
export function renderRegister(root, ctx) {
  const username = h('input', { type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', maxlength: 32 });
  const email = h('input', { type: 'email', autocomplete: 'email', required: true });
  const password = h('input', { type: 'password', autocomplete: 'new-password', required: true });
  const displayName = h('input', { type: 'text', autocomplete: 'name', maxlength: 100 });
  const form = h('form', { testid: 'register-form' },
    field({ label: t('auth.username'), name: 'username', testid: 'register-username', control: username, hint: t('auth.usernameHint') }),
    field({ label: t('auth.email'), name: 'email', testid: 'register-email', control: email }),
    field({ label: t('auth.password'), name: 'password', testid: 'register-password', control: password }),
    field({ label: t('auth.displayName'), name: 'displayName', testid: 'register-display-name', control: displayName }),
    formError('register-error'),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'register-submit' }, t('auth.createAccount')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitWith(form, async () => {
      /** @type {Record<string, string>} */
      const body = { username: username.value.trim(), email: email.value.trim(), password: password.value };
      if (displayName.value.trim()) body.displayName = displayName.value.trim();
      const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (timezone) body.timezone = timezone;
      if (navigator.language) body.locale = navigator.language;
      const res = await ctx.api.register(body);
      ctx.signIn(res.accessToken, res.user, res.refreshToken);
    });
  });
  root.append(authCard(t('auth.createYourAccount'), form,
    h('p', { class: 'switch' }, t('auth.haveAccount'), ' ', h('a', { href: '#/login', testid: 'show-login' }, t('auth.logIn')))));
  username.focus();
}
