// A contact picker for forms: search contacts by name or number through /contact/omnibox/ (the endpoint
// RapidPro's recipient pickers use) and keep each chosen one as a hidden `contacts` input inside a chip.
(() => {
  const chip = (box, uuid, name) => {
    if (box.querySelector(`input[value="${uuid}"]`)) return;
    const span = document.createElement('span');
    span.className = 'pill chip';
    span.textContent = name + ' ';
    const input = Object.assign(document.createElement('input'), { type: 'hidden', name: 'contacts', value: uuid });
    const remove = Object.assign(document.createElement('a'), { href: '#', className: 'remove', textContent: '×', title: 'Remove' });
    span.append(input, remove);
    box.append(span);
  };

  document.querySelectorAll('.contact-picker').forEach((picker) => {
    const box = picker.querySelector('.chips');
    const search = picker.querySelector('input[type=search]');
    const results = picker.querySelector('.picker-results');
    let timer = null;
    box.addEventListener('click', (e) => {
      if (e.target.classList.contains('remove')) { e.preventDefault(); e.target.parentElement.remove(); }
    });
    search.addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const term = search.value.trim();
        results.replaceChildren();
        if (!term) return;
        const answer = await fetch(`/contact/omnibox/?types=c&search=${encodeURIComponent(term)}`);
        if (!answer.ok) return;
        for (const c of (await answer.json()).results) {
          const option = Object.assign(document.createElement('button'), { type: 'button', className: 'light' });
          option.textContent = c.urn && c.urn !== c.name ? `${c.name} (${c.urn})` : c.name;
          option.dataset.uuid = c.uuid;
          option.addEventListener('click', () => {
            chip(box, c.uuid, c.name);
            results.replaceChildren();
            search.value = '';
          });
          results.append(option);
        }
      }, 200);
    });
  });
})();
