// /demo: an example gemeente page that embeds the widget exactly as the README tells a gemeente to.

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function demoPage(publicUrl: URL): string {
  const widgetUrl = new URL('/widget.js', publicUrl).href;
  return `<!doctype html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gemeente Voorbeeld – Contact</title>
  <link rel="stylesheet" href="/demo/demo.css">
</head>
<body>
  <header class="site-header">
    <a class="skip-link" href="#main">Naar de inhoud</a>
    <p class="site-name">Gemeente Voorbeeld</p>
    <nav aria-label="Hoofdmenu">
      <ul>
        <li><a href="#main">Home</a></li>
        <li><a href="#main">Afval</a></li>
        <li><a href="#main">Paspoort en ID-kaart</a></li>
        <li><a href="#main" aria-current="page">Contact</a></li>
      </ul>
    </nav>
  </header>
  <main id="main">
    <h1>Contact met de gemeente</h1>
    <p>Heeft u een vraag? Chat met ons via de knop rechtsonder, of mail naar
      <a href="mailto:info@gemeente-voorbeeld.nl">info@gemeente-voorbeeld.nl</a>.</p>
    <h2>Wanneer krijgt u antwoord?</h2>
    <p>Wij bevestigen uw e-mail binnen 2 werkdagen. U krijgt van ons een referentienummer,
      zodat u altijd kunt nagaan hoe het met uw vraag staat.</p>
    <h2>Openingstijden</h2>
    <p>Maandag tot en met vrijdag van 08:30 tot 17:00 uur, niet op feestdagen.</p>
  </main>
  <footer class="site-footer"><p>Dit is een voorbeeldpagina van Balie.</p></footer>
  <!-- Balie chat: this one line is all a gemeente adds to its website. -->
  <script src="${escapeAttribute(widgetUrl)}" async></script>
</body>
</html>
`;
}

export const DEMO_CSS = `
:root { font-family: system-ui, sans-serif; color: #1a1a1a; background: #fff; line-height: 1.5; }
body { margin: 0; }
.site-header { background: #154273; color: #fff; padding: 1rem 2rem; }
.site-header a { color: #fff; }
.site-name { font-size: 1.5rem; font-weight: 700; margin: 0 0 .5rem; }
.site-header ul { list-style: none; display: flex; gap: 1.5rem; margin: 0; padding: 0; flex-wrap: wrap; }
.skip-link { position: absolute; left: -9999px; }
.skip-link:focus { left: 1rem; top: 1rem; background: #fff; color: #154273; padding: .5rem; }
main { max-width: 48rem; padding: 2rem; }
a { color: #154273; }
.site-footer { padding: 1rem 2rem; border-top: 1px solid #ccc; color: #4d4d4d; }
`;
