// @ts-check
// A person's page (#/u/<id>): who they are, follow / message them, their posts; on your own page
// the composer and the profile editor instead.
import { h, field, mount, uniqueId } from '../lib/dom.js';
import { listOf } from '../api.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';
import { followButton } from '../components/follow-button.js';
import { postCard } from '../components/post-card.js';
import { composer } from '../components/composer.js';
import { personRow, initial } from './people.js';
import { t, CATALOGS } from '../lib/i18n.js';
import { errorMessage, errorStatus } from '../lib/errors.js';

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx  @param {import('../router.js').Route} route */
export async function renderProfile(root, ctx, route) {
  const id = route.params.id;
  const isMe = ctx.session.user?.id === id;
  const page = h('section', { class: 'page', testid: 'profile', dataset: { userId: id } }, h('p', { class: 'muted' }, t('common.loading')));
  root.append(page);

  let user;
  try {
    [user] = await Promise.all([isMe ? ctx.api.me() : ctx.api.user(id), ctx.follows.ready()]);
    user = user?.user ?? user;
  } catch (err) {
    mount(page, h('h1', null, t('profile.heading')), h('p', { class: 'form-error', role: 'alert' }, errorStatus(err) === 404 ? t('profile.noSuchPerson') : errorMessage(err)));
    return;
  }
  if (isMe) ctx.session.setUser({ ...ctx.session.user, ...user });

  const posts = h('div', { class: 'posts', testid: 'posts-list' });
  const more = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'load-more-posts', hidden: true }, t('profile.loadMorePosts'));
  let cursor = null;
  const loadPosts = async () => {
    more.disabled = true;
    try {
      const { items, nextCursor } = listOf(await ctx.api.userPosts(id, cursor ?? undefined));
      posts.append(...items.map((p) => postCard(p, ctx, { author: user })));
      cursor = nextCursor;
      more.hidden = !nextCursor;
      if (!posts.children.length) posts.append(h('p', { class: 'muted empty', testid: 'posts-empty' }, isMe ? t('profile.noPostsMine') : t('profile.noPosts')));
    } catch (err) {
      posts.append(h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', loadPosts);

  mount(page,
    header(user, ctx, isMe),
    isMe ? profileEditor(user, ctx) : messageForm(user, ctx),
    isMe ? composer(ctx, { onPosted: (p) => { posts.querySelector('.empty')?.remove(); posts.prepend(postCard(p, ctx, { author: user })); } }) : null,
    connections(user, ctx),
    h('h2', null, isMe ? t('profile.yourPosts') : t('profile.posts')),
    posts,
    more);
  await loadPosts();
}

/** @param {any} user  @param {import('../app.js').AppContext} ctx  @param {boolean} isMe */
function header(user, ctx, isMe) {
  const countsText = () => `${t('profile.followers', { count: user.followersCount })} · ${t('profile.following', { count: user.followingCount ?? 0 })}`;
  const counts = Number.isInteger(user.followersCount) ? h('p', { class: 'muted', testid: 'profile-counts' }, countsText()) : null;
  const onChange = (following) => {
    if (!counts) return;
    user.followersCount = Math.max(0, user.followersCount + (following ? 1 : -1));
    counts.textContent = countsText();
  };
  return h('header', { class: 'card profile-head' },
    h('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initial(user)),
    h('div', { class: 'profile-names' },
      h('h1', { testid: 'profile-display-name' }, user.displayName || user.username),
      h('p', { class: 'muted', testid: 'profile-username' }, `@${user.username}`),
      counts),
    isMe ? h('span', { class: 'pill' }, t('profile.thisIsYou')) : followButton(user, ctx, { onChange }));
}

/** @param {any} user  @param {import('../app.js').AppContext} ctx */
function connections(user, ctx) {
  const list = h('ul', { class: 'people', testid: 'follow-list', 'aria-live': 'polite' });
  const show = async (kind, btn) => {
    for (const b of btn.parentElement.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === btn));
    list.replaceChildren(h('li', { class: 'muted' }, t('common.loading')));
    try {
      const res = kind === 'followers' ? await ctx.api.followers(user.id, undefined, 50) : await ctx.api.following(user.id, undefined, 50);
      const { items } = listOf(res);
      list.replaceChildren(...(items.length ? items.map((u) => personRow(u, ctx)) : [h('li', { class: 'muted' }, t('profile.noOneYet'))]));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'form-error' }, errorMessage(err)));
    }
  };
  const followersBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'followers-button', 'aria-pressed': 'false' }, t('profile.followersButton'));
  const followingBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'following-button', 'aria-pressed': 'false' }, t('profile.followingButton'));
  followersBtn.addEventListener('click', () => show('followers', followersBtn));
  followingBtn.addEventListener('click', () => show('following', followingBtn));
  return h('div', { class: 'connections' }, h('div', { class: 'row', role: 'group', 'aria-label': t('profile.connections') }, followersBtn, followingBtn), list);
}

/** @param {any} user  @param {import('../app.js').AppContext} ctx */
function messageForm(user, ctx) {
  const text = h('textarea', { rows: 2, required: true, maxlength: 2000, placeholder: t('message.placeholder', { username: user.username }) });
  const sent = h('p', { class: 'ok', role: 'status', testid: 'message-sent' });
  const form = h('form', { class: 'card', testid: 'message-form', 'aria-label': t('message.formLabel', { username: user.username }) },
    field({ label: t('message.label', { username: user.username }), name: 'text', testid: 'message-text', control: text }),
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', testid: 'message-error', hidden: true }),
    h('div', { class: 'row row-end' }, sent, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'message-submit' }, t('message.send'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    sent.textContent = '';
    if (!text.value.trim()) return;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]')); // built above
    submit.disabled = true;
    try {
      await ctx.api.sendMessage(user.id, text.value.trim());
      text.value = '';
      sent.textContent = t('message.sent');
    } catch (err) {
      // toUserId is not a field of this form; its errors belong to the text box's form.
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** @typedef {'displayName'|'email'|'phone'|'locale'|'timezone'} EditableField */
/** @type {Array<[name: EditableField, label: () => string, type: string, autocomplete: string]>} */
const EDITABLE = [
  ['displayName', () => t('profile.field.displayName'), 'text', 'name'],
  ['email', () => t('profile.field.email'), 'email', 'email'],
  ['phone', () => t('profile.field.phone'), 'tel', 'tel'],
  ['locale', () => t('profile.field.locale'), 'text', 'off'],
  ['timezone', () => t('profile.field.timezone'), 'text', 'off'],
];

/** @param {any} user  @param {import('../app.js').AppContext} ctx */
function profileEditor(user, ctx) {
  const saved = h('p', { class: 'ok', role: 'status', testid: 'profile-saved' });
  const inputs = /** @type {Record<EditableField, HTMLInputElement>} */ (
    Object.fromEntries(EDITABLE.map(([name, , type, autocomplete]) => [name, h('input', { type, autocomplete, value: user[name] ?? '' })])));
  // The languages the app speaks, offered for the locale (any BCP 47 tag is accepted).
  const languagesId = uniqueId('languages');
  inputs.locale.setAttribute('list', languagesId);
  inputs.locale.spellcheck = false;
  const languages = h('datalist', { id: languagesId }, Object.keys(CATALOGS).map((l) => h('option', { value: l }, t(`language.${l}`))));
  const form = h('form', { class: 'card', testid: 'profile-form', hidden: true },
    h('h2', null, t('profile.edit')),
    EDITABLE.map(([name, label]) => field({ label: label(), name, testid: `profile-${name}`, control: inputs[name], hint: name === 'locale' ? t('profile.localeHint') : undefined })),
    languages,
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', testid: 'profile-error', hidden: true }),
    h('div', { class: 'row row-end' }, saved, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'profile-submit' }, t('profile.save'))));
  const toggle = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'profile-edit', 'aria-expanded': 'false' }, t('profile.edit'));
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) inputs.displayName.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    saved.textContent = '';
    /** @type {Partial<Record<EditableField, string|null>>} */
    const patch = {};
    for (const [name] of EDITABLE) {
      const value = inputs[name].value.trim();
      // An emptied phone box removes the number.
      if (value !== (user[name] ?? '')) patch[name] = name === 'phone' && value === '' ? null : value;
    }
    if (!Object.keys(patch).length) {
      saved.textContent = t('common.nothingToSave');
      return;
    }
    try {
      const res = await ctx.api.updateMe(patch);
      user = { ...user, ...patch, ...(res?.user ?? res ?? {}) };
      // A new locale re-renders the whole app at once (this view too): then the confirmation is a toast.
      ctx.session.setUser({ ...ctx.session.user, ...user });
      if (form.isConnected) saved.textContent = t('profile.saved');
      else ctx.toasts.info(t('profile.saved'));
    } catch (err) {
      showFormError(form, err);
    }
  });
  return h('div', { class: 'editor' }, toggle, form);
}
