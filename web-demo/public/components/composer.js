// @ts-check
// The post composer. Calls onPosted with the created post (POST /api/v1/posts → 201 {post}).
import { h, field } from '../lib/dom.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';
import { t } from '../lib/i18n.js';

const MAX_CHARS = 2000;

/**
 * @param {import('../app.js').AppContext} ctx
 * @param {{onPosted: (post: any) => void}} opts  told of the created post
 */
export function composer(ctx, { onPosted }) {
  const textarea = h('textarea', { rows: 3, maxlength: MAX_CHARS, required: true, placeholder: t('composer.placeholder') });
  const counter = h('span', { class: 'muted counter', 'aria-live': 'off' }, '');
  const form = h('form', { class: 'card composer', testid: 'post-composer', 'aria-label': t('composer.label') },
    field({ label: t('composer.label'), name: 'text', testid: 'post-text', control: textarea }),
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', testid: 'post-error', hidden: true }),
    h('div', { class: 'row row-end' }, counter, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'post-submit' }, t('composer.submit'))));
  textarea.addEventListener('input', () => {
    counter.textContent = textarea.value.length ? t('composer.characters', { count: textarea.value.length }) : '';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const text = textarea.value.trim();
    if (!text) return;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]')); // built above
    submit.disabled = true;
    try {
      const res = await ctx.api.createPost(text);
      textarea.value = '';
      counter.textContent = '';
      onPosted(res?.post ?? { id: `local-${Date.now()}`, text, createdAt: new Date().toISOString() });
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
