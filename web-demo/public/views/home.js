// Home (#/): the composer and a short way to the rest. There is no timeline route in the contract,
// so home shows what you posted here and points at People to find others.
import { h } from '../lib/dom.js';
import { composer } from '../components/composer.js';
import { postCard } from '../components/post-card.js';

export function renderHome(root, ctx) {
  const me = ctx.session.user;
  const posted = h('div', { class: 'posts', testid: 'posts-list' });
  root.append(h('section', { class: 'page' },
    h('h1', null, `Hello${me?.displayName || me?.username ? `, ${me.displayName || me.username}` : ''}`),
    composer(ctx, { onPosted: (p) => posted.prepend(postCard(p, ctx, { author: me })) }),
    posted,
    h('div', { class: 'card tips' },
      h('h2', null, 'Getting started'),
      h('ul', null,
        h('li', null, h('a', { href: '#/people' }, 'Find people'), ' and follow them; they are told at once.'),
        h('li', null, 'Mention someone with @username in a post or a comment.'),
        h('li', null, 'Every like, comment, follow and message lands in your ', h('a', { href: '#/inbox' }, 'inbox'), ' live.'),
        h('li', null, 'Choose how you are told in ', h('a', { href: '#/settings' }, 'Settings'), '.')))));
  root.querySelector('textarea')?.focus();
}
