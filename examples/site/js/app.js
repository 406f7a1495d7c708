// Marks the link to the current page and shows when the page was opened.
document.addEventListener('DOMContentLoaded', () => {
  for (const a of document.querySelectorAll('a[href]')) {
    if (new URL(a.href, location.href).pathname === location.pathname) a.setAttribute('aria-current', 'page');
  }
  const footer = document.querySelector('footer');
  if (footer) footer.append(` Opened ${new Date().toLocaleString()}.`);
});
