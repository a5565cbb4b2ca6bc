"""Admin for the invoices app."""
