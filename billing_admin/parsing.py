"""Whole numbers typed by people: IDs in search boxes, list filters, selections and commands."""

# Every primary key here is a bigint; a longer run of digits cannot name a row.
MAX_BIGINT = 2**63 - 1


def parse_positive_int(text: str) -> int | None:
    """``text`` (surrounding spaces allowed) as a positive bigint, or None.

    ASCII digits only: str.isdigit() also accepts "²", which int() refuses; and a number past
    the bigint range would make PostgreSQL raise instead of matching nothing.
    """
    text = text.strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_BIGINT:
        return int(text)
    return None
