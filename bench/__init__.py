"""Benchmarks: a large dataset built with set-based SQL, our code timed against raw SQL."""
