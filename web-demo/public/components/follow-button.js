// @ts-check
// Follow / Unfollow toggle (aria-pressed) that keeps the FollowState and any sibling buttons in sync.
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { errorMessage } from '../lib/errors.js';

/**
 * @param {any} user
 * @param {import('../app.js').AppContext} ctx
 * @param {{onChange?: (following: boolean) => void}} [opts]  told after a follow or unfollow went through
 */
export function followButton(user, ctx, { onChange } = {}) {
  const btn = h('button', { type: 'button', class: 'btn btn-small', testid: 'follow-button', dataset: { userId: user.id } });
  const name = user.username ? `@${user.username}` : t('follow.thisPerson');
  /** @param {boolean} following */
  const render = (following) => {
    user = { ...user, isFollowing: following };
    btn.textContent = following ? t('follow.following') : t('follow.follow');
    btn.dataset.following = String(following);
    btn.setAttribute('aria-pressed', String(following));
    btn.setAttribute('aria-label', following ? t('follow.unfollowLabel', { name }) : t('follow.followLabel', { name }));
    btn.classList.toggle('btn-primary', !following);
  };
  render(ctx.follows.isFollowing(user));
  btn.addEventListener('click', async () => {
    const next = btn.dataset.following !== 'true';
    btn.disabled = true;
    try {
      await ctx.follows.setFollowing(user.id, next);
      render(next);
      onChange?.(next);
    } catch (err) {
      ctx.toasts.info(errorMessage(err), { tone: 'error' });
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
