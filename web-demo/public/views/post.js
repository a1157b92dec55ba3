// @ts-check
// One post (#/p/<id>), opened from a notification or a post's timestamp, with its comment form open.
import { h, mount } from '../lib/dom.js';
import { postCard } from '../components/post-card.js';
import { listOf } from '../api.js';
import { t } from '../lib/i18n.js';
import { errorMessage, errorStatus } from '../lib/errors.js';

/**
 * GET /api/v1/posts/:id/comments is served by post-service but not (yet) in docs/api.md, so it is
 * used when it answers and quietly skipped when it does not.
 * @param {import('../app.js').AppContext} ctx
 * @param {string} postId
 */
async function comments(ctx, postId) {
  try {
    return listOf(await ctx.api.comments(postId)).items;
  } catch {
    return [];
  }
}

/** @param {HTMLElement} root  @param {import('../app.js').AppContext} ctx  @param {import('../router.js').Route} route */
export async function renderPost(root, ctx, route) {
  const page = h('section', { class: 'page', testid: 'post-detail' }, h('p', { class: 'muted' }, t('common.loading')));
  root.append(page);
  try {
    const res = await ctx.api.post(route.params.id);
    const post = res?.post ?? res;
    mount(page, h('h1', { class: 'sr-only' }, t('post.heading')), postCard(post, ctx, { expanded: true, loadComments: (id) => comments(ctx, id) }));
  } catch (err) {
    mount(page, h('h1', null, t('post.heading')), h('p', { class: 'form-error', role: 'alert' }, errorStatus(err) === 404 ? t('post.gone') : errorMessage(err)));
  }
}
