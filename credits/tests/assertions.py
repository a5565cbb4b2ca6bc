"""Assertions about the credit ledger that tests of every app share."""

from credits.selectors import credit_invariant_violations


def assert_credit_invariant() -> None:
    """The credits app's invariant (balance == entries + adjustments, >= 0), for every client."""
    assert credit_invariant_violations() == []
