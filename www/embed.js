// Embeds (?embed=1): the page inside an iframe of a blog post or a slide shows only the chosen
// view's charts and a play/step control, sized to the frame, and a link that opens the full
// playground with the same settings. The layout is lecture mode's (charts filling the frame);
// www/lesson.css hides the rest.

import { $ } from './state.js';

/** Turns the page into its embedded form; `fullLink` is the same settings without `embed`. */
export function showEmbed(/** @type {string | null} */ fullLink) {
  document.body.classList.add('embed');
  let link = /** @type {HTMLAnchorElement | null} */ ($('embed-open'));
  if (!link) {
    link = document.createElement('a');
    link.id = 'embed-open';
    link.className = 'embed-open';
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open the full playground ↗';
    $('plots').querySelector('.transport')?.append(link);
  }
  link.href = fullLink ?? location.pathname;
}
