"""The secretariat's web desk: a small read-only site on aiohttp, pages rendered on the server with
Jinja2 (no JavaScript at all), signed in with a single-use link from the chat."""
