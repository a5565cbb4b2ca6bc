"""Reading WHMCS's ``customfields`` parameter: base64 of a PHP-serialised array.

Only what that parameter carries is understood: one array (``a:N:{...}``) whose keys are
integers or strings and whose values are scalars (string, integer, float, boolean, null). Anything
else, including nested arrays and objects, is refused with ``ValueError``; nothing here executes
or instantiates anything, unlike PHP's own ``unserialize``.
"""

import base64
import binascii
import re

# Far more than any client's custom fields; a bound so a hostile value cannot make us work hard.
MAX_DECODED_BYTES = 1_000_000
MAX_ITEMS = 1000

_INTEGER = re.compile(rb"[-+]?[0-9]+")
_FLOAT = re.compile(rb"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|NAN|-?INF")


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def expect(self, token: bytes) -> None:
        if not self.data.startswith(token, self.pos):
            raise ValueError(f"expected {token.decode()!r} at byte {self.pos}")
        self.pos += len(token)

    def until(self, end: bytes) -> bytes:
        stop = self.data.find(end, self.pos)
        if stop < 0:
            raise ValueError(f"missing {end.decode()!r} after byte {self.pos}")
        chunk = self.data[self.pos : stop]
        self.pos = stop + len(end)
        return chunk

    def integer(self, end: bytes) -> int:
        digits = self.until(end)
        if not _INTEGER.fullmatch(digits):
            raise ValueError(f"expected an integer before byte {self.pos}")
        return int(digits)

    def string(self) -> str:
        length = self.integer(b":")
        if length < 0 or self.pos + length + 3 > len(self.data):
            raise ValueError(f"string length {length} runs past the end")
        self.expect(b'"')
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        self.expect(b'";')
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("a string is not UTF-8") from None

    def scalar(self):
        kind = self.data[self.pos : self.pos + 2]
        self.pos += 2
        if kind == b"s:":
            return self.string()
        if kind == b"i:":
            return self.integer(b";")
        if kind == b"d:":
            number = self.until(b";")
            if not _FLOAT.fullmatch(number):
                raise ValueError("malformed float")
            return number.decode()
        if kind == b"b:":
            flag = self.until(b";")
            if flag not in (b"0", b"1"):
                raise ValueError("malformed boolean")
            return flag == b"1"
        if kind == b"N;":
            return None
        raise ValueError(f"unsupported value type {kind.decode(errors='replace')!r}")

    def key(self) -> int | str:
        kind = self.data[self.pos : self.pos + 2]
        self.pos += 2
        if kind == b"i:":
            return self.integer(b";")
        if kind == b"s:":
            return self.string()
        raise ValueError("array keys must be integers or strings")


def php_unserialize_array(data: bytes) -> dict:
    """A PHP-serialised array of scalars as a dict (keys int or str, in their order)."""
    reader = _Reader(data)
    reader.expect(b"a:")
    count = reader.integer(b":")
    if not 0 <= count <= MAX_ITEMS:
        raise ValueError(f"an array of {count} items is not accepted")
    reader.expect(b"{")
    items = {}
    for _ in range(count):
        key = reader.key()
        items[key] = reader.scalar()
    reader.expect(b"}")
    if reader.pos != len(data):
        raise ValueError("unexpected data after the array")
    return items


def decode_base64_php_array(text: str) -> dict:
    """WHMCS's ``customfields``: base64 (missing padding tolerated, and spaces read as the "+" a
    form encoder turned into them) of a serialised array."""
    compact = text.strip().replace(" ", "+")
    if len(compact) > MAX_DECODED_BYTES * 4 // 3 + 4:
        raise ValueError("the value is too long")
    try:
        data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
    return php_unserialize_array(data)
