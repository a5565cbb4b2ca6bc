"""Read-side queries for clients: composed querysets and lookups. No writes here."""
