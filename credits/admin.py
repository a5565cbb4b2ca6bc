"""Admin for the credits app."""
