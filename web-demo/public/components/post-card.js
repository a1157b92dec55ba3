// @ts-check
// A post with its like toggle and comment form. Post and comment shapes beyond {id, text} are not in
// the contract, so author, counts, "liked by me" and comments are shown only when the server sends them.
import { h, field, timeEl } from '../lib/dom.js';
import { showFormError, clearFormErrors } from '../lib/form-errors.js';
import { t } from '../lib/i18n.js';
import { errorMessage } from '../lib/errors.js';

export function authorOf(item, fallback) {
  const a = item.author ?? item.user ?? null;
  const id = a?.id ?? item.authorId ?? item.userId ?? fallback?.id ?? null;
  const source = a ?? (fallback && fallback.id === id ? fallback : null);
  return { id, username: source?.username ?? null, displayName: source?.displayName ?? null };
}

/**
 * Text with @mentions as links: to the person when the server resolved the mention
 * (`mentions: [{userId, username}]`), else to a people search for that name.
 */
export function richText(text, mentions = []) {
  const byName = new Map((Array.isArray(mentions) ? mentions : []).map((m) => [String(m.username).toLowerCase(), m.userId]));
  const parts = String(text ?? '').split(/(@[A-Za-z0-9_]{1,32})/g);
  return parts.map((part) => {
    if (!/^@[A-Za-z0-9_]+$/.test(part)) return part;
    const name = part.slice(1);
    const id = byName.get(name.toLowerCase());
    const href = id ? `#/u/${encodeURIComponent(id)}` : `#/people?q=${encodeURIComponent(name)}`;
    return h('a', { href, class: 'mention' }, part);
  });
}

function nameLine(author) {
  const label = author.displayName || (author.username ? `@${author.username}` : t('post.someone'));
  const link = author.id ? h('a', { href: `#/u/${encodeURIComponent(author.id)}`, class: 'post-author' }, label) : h('span', { class: 'post-author' }, label);
  return h('span', { class: 'post-by' }, link, author.displayName && author.username ? h('span', { class: 'muted' }, ` @${author.username}`) : null);
}

/**
 * @param {any} post
 * @param {import('../app.js').AppContext} ctx
 * @param {{author?: any, expanded?: boolean, loadComments?: (postId: string) => Promise<any[]>}} [opts]
 *   author: the profile owner, when the post omits it; loadComments: fills the comment list
 */
export function postCard(post, ctx, { author, expanded = false, loadComments } = {}) {
  const who = authorOf(post, author);
  let liked = Boolean(post.likedByMe ?? post.liked ?? post.viewerHasLiked ?? false);
  let likeCount = numberOr(post.likeCount ?? post.likesCount ?? post.likes, null);
  const comments = Array.isArray(post.comments) ? [...post.comments] : [];

  const likeBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost like', testid: 'like-button' });
  const likeCountEl = h('span', { class: 'like-count', testid: 'like-count' });
  const renderLike = () => {
    likeBtn.setAttribute('aria-pressed', String(liked));
    likeBtn.dataset.liked = String(liked);
    likeBtn.replaceChildren(h('span', { 'aria-hidden': 'true' }, liked ? '♥ ' : '♡ '), liked ? t('post.liked') : t('post.like'));
    likeCountEl.textContent = likeCount === null ? '' : t('post.likes', { count: likeCount });
  };
  renderLike();
  likeBtn.addEventListener('click', async () => {
    const next = !liked;
    likeBtn.disabled = true;
    try {
      if (next) await ctx.api.like(post.id);
      else await ctx.api.unlike(post.id);
      liked = next;
      if (likeCount !== null) likeCount = Math.max(0, likeCount + (next ? 1 : -1));
      renderLike();
    } catch (err) {
      ctx.toasts.info(errorMessage(err), { tone: 'error' });
    } finally {
      likeBtn.disabled = false;
    }
  });

  const commentList = h('ul', { class: 'comments', testid: 'comments' });
  const renderComments = () => {
    commentList.replaceChildren(...comments.map((c) => commentItem(c)));
    commentList.hidden = comments.length === 0;
  };
  renderComments();
  if (loadComments) {
    loadComments(post.id).then((loaded) => {
      const ids = new Set(loaded.map((c) => c.id));
      comments.splice(0, comments.length, ...loaded, ...comments.filter((c) => !c.id || !ids.has(c.id)));
      renderComments();
    });
  }

  const textarea = h('textarea', { rows: 2, maxlength: 2000, required: true, placeholder: t('post.commentPlaceholder') });
  const form = h('form', { class: 'comment-form', testid: 'comment-form', hidden: !expanded },
    field({ label: t('post.comment'), name: 'text', testid: 'comment-text', control: textarea }),
    h('p', { class: 'form-error', 'data-form-error': '', tabindex: '-1', testid: 'comment-error', hidden: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'comment-submit' }, t('post.comment'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const text = textarea.value.trim();
    if (!text) return;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]')); // built above
    submit.disabled = true;
    try {
      const res = await ctx.api.comment(post.id, text);
      comments.push(res?.comment ?? { text, author: ctx.session.user, createdAt: new Date().toISOString() });
      renderComments();
      if (commentCount !== null) {
        commentCount += 1;
        renderCommentCount();
      }
      textarea.value = '';
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  const toggle = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'comment-toggle', 'aria-expanded': String(expanded) }, t('post.comment'));
  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) textarea.focus();
  });

  const permalink = `#/p/${encodeURIComponent(post.id)}`;
  let commentCount = numberOr(post.commentCount ?? post.commentsCount, null);
  const commentCountEl = h('a', { href: permalink, class: 'muted', testid: 'comment-count' });
  const renderCommentCount = () => {
    commentCountEl.hidden = commentCount === null;
    commentCountEl.textContent = commentCount === null ? '' : t('post.comments', { count: commentCount });
  };
  renderCommentCount();
  return h('article', { class: 'card post', testid: 'post-item', dataset: { postId: post.id } },
    h('header', { class: 'post-head' }, nameLine(who), h('a', { href: permalink, class: 'muted post-time' }, h('span', { class: 'sr-only' }, `${t('post.open')} `), timeEl(post.createdAt) ?? t('post.openFallback'))),
    h('p', { class: 'post-text', testid: 'post-body' }, richText(post.text, post.mentions)),
    h('div', { class: 'post-actions' }, likeBtn, likeCountEl, expanded ? null : toggle,
      commentCountEl),
    commentList,
    form);
}

function commentItem(c) {
  const who = authorOf(c);
  return h('li', { class: 'comment', testid: 'comment-item' }, nameLine(who), ' ', h('span', { class: 'comment-text' }, richText(c.text, c.mentions)), ' ', timeEl(c.createdAt));
}

function numberOr(v, fallback) {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
