/**
 * Text from feeds (titles, descriptions) goes to terminals and markdown renderers: control characters, including
 * ESC, would let an advisory rewrite the user's terminal, so they are replaced. Line breaks become spaces.
 */
export function oneLine(text: string): string {
  // C0 controls, DEL and C1 controls (U+0080–U+009F; U+009B is a one-byte CSI on some terminals).
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * At most `max` characters, cut at a word boundary when one is near, with "..." marking the cut
 * (Trivy cuts titles at 12 words; a width bound keeps table rows on one line whatever the words).
 */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 3).join('');
  const space = head.lastIndexOf(' ');
  return `${space > max / 2 ? head.slice(0, space) : head}...`;
}
