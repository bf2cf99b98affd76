"""The admin dashboard: server-rendered pages (Jinja, autoescaped)."""
