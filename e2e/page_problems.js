// Runs in the page; returns human-readable problems, an empty list when the page looks finished.
() => {
  const problems = [];
  const markers = ['{{', '{%', '%}', '}}'].filter(marker => document.body.innerText.includes(marker));
  if (markers.length) problems.push(`raw template text ${markers.join(' ')} in the page`);

  const describe = el => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '')
    + (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const viewport = window.innerWidth;
  const width = document.documentElement.scrollWidth;
  if (width > viewport) {
    const sticksOut = el => el.getBoundingClientRect().right > viewport + 1;
    // The outermost elements that stick out: where the fix belongs.
    const culprits = [...document.body.querySelectorAll('*')]
      .filter(el => sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement)))
      .slice(0, 5).map(describe);
    problems.push(`horizontal overflow at ${viewport}px: page is ${width}px wide (${culprits.join(', ')})`);
  }

  // A table wider than its box runs under the box beside it, unless something between them
  // scrolls (.table-scroll, the change list's results).
  for (const box of document.querySelectorAll('.module')) {
    for (const table of box.querySelectorAll('table')) {
      let scrolls = false;
      for (let el = table.parentElement; el !== box.parentElement; el = el.parentElement) {
        scrolls ||= ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
      }
      if (!scrolls && table.getBoundingClientRect().right > box.getBoundingClientRect().right + 1) {
        problems.push(`a table runs out of its box: ${describe(box)}`);
      }
    }
  }

  const buttons = ['hidden', 'submit', 'button', 'reset', 'image'];
  for (const field of document.querySelectorAll('input, select, textarea')) {
    if (buttons.includes(field.type)) continue;
    if (!field.getClientRects().length || getComputedStyle(field).visibility === 'hidden') continue;
    const labelled = [...(field.labels || [])].some(
      label => label.textContent.trim() || label.querySelector('img[alt]'));
    if (!(labelled || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby') || field.title)) {
      problems.push(`field without a label: <${field.tagName.toLowerCase()} name="${field.name}">`);
    }
  }
  return problems;
}
