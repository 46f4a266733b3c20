"""The web layer's plumbing: per-request database, CSRF, languages, wording, maps, caches."""
