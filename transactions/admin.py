"""Admin for the transactions app."""
