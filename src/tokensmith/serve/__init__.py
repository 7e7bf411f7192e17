"""The playground: `tokensmith serve` starts a small FastAPI app with one static page (plain JS and CSS, served by
the app itself: no CDN, no build step, works offline).

registry.py holds the tokenizers the server was started with (a client names one; no path from a client is ever
opened), limits.py the request-size guard, app.py the JSON API (`/api/tokenizers`, `/api/encode`, `/api/diff`,
`/api/metrics`, `/api/report`) and the page, whose files are in static/.
"""
