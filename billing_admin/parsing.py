"""Whole numbers typed by people or sent by machines: IDs and counts in search boxes, list
filters, selections, commands and API parameters. Every caller parses them here."""

# Every primary key here is a bigint; a longer run of digits cannot name a row.
MAX_BIGINT = 2**63 - 1
# Significant digits of the largest bigint. Python refuses int() on strings of more than 4,300
# digits (a ValueError, to stop quadratic-time conversions), so the length is checked first:
# anything longer than this is out of range whatever its value.
MAX_DIGITS = len(str(MAX_BIGINT))


def parse_natural(text: str) -> int | None:
    """``text`` (surrounding spaces allowed) as a whole number in 0..MAX_BIGINT, or None.

    ASCII digits only: str.isdigit() also accepts "²", which int() refuses, and "١٢", which
    nobody types as an ID. A number past the bigint range would make PostgreSQL raise instead of
    matching nothing, and one of thousands of digits would make int() raise.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > MAX_DIGITS:
        return None
    number = int(significant)
    return number if number <= MAX_BIGINT else None


def parse_positive_int(text: str) -> int | None:
    """``text`` as a positive bigint (a row id), or None."""
    number = parse_natural(text)
    return number if number else None


def parse_count(text: str, *, default: int, minimum: int = 0, maximum: int = MAX_BIGINT) -> int:
    """A count such as a page size or offset, kept within [minimum, maximum]. Malformed text
    gives ``default``; a number too long to convert is past any maximum, so gives ``maximum``."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return default
    number = parse_natural(text)
    if number is None:
        return maximum
    return max(minimum, min(number, maximum))


# Search boxes: a search of thousands of words becomes a query deep enough to exceed
# PostgreSQL's stack depth (a 500), and no one types more than a few words. The excess is
# ignored, the same way on every list and in the API; the admin says so in a message.
MAX_SEARCH_WORDS = 20
MAX_SEARCH_LENGTH = 200
SEARCH_TRIMMED = (
    f"Only the first {MAX_SEARCH_WORDS} words and {MAX_SEARCH_LENGTH} characters of a search "
    "are used; the rest was ignored."
)


def bound_search(term: str) -> str:
    """``term`` cut to its first MAX_SEARCH_WORDS words and MAX_SEARCH_LENGTH characters (the
    length also bounds the words that punctuation splits, "a-b-c-...")."""
    words = term.split()
    if len(words) > MAX_SEARCH_WORDS:
        term = " ".join(words[:MAX_SEARCH_WORDS])
    return term[:MAX_SEARCH_LENGTH]
