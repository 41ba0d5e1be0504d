"""Bytes to text: BOM, then a declared charset (HTTP-equiv/meta), then UTF-8, then detection."""
from __future__ import annotations

import codecs
import re

from bs4 import UnicodeDammit

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# A decoded page with more than this share of U+FFFD or C0 controls is noise, not text.
MAX_GARBAGE_SHARE = 0.05


class UndecodableError(ValueError):
    """The bytes are binary or in no encoding we can read."""


def looks_binary(data: bytes) -> bool:
    """True when the bytes hold NULs that no text encoding without a BOM would produce."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in head


def decode(data: bytes, is_html: bool = False, declared: str | None = None) -> str:
    """Decode page bytes robustly; raises UndecodableError for binary or garbage.

    `declared` is a charset named outside the bytes (an HTTP Content-Type header); it is
    tried after a BOM and before anything else.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom):].decode(encoding, errors="replace"))
    if looks_binary(data):
        raise UndecodableError("binary content")
    if declared:
        try:
            return _checked(data.decode(declared))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declared charset: fall back to sniffing
    if not is_html:
        try:
            return _checked(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    # UnicodeDammit reads <meta charset> / http-equiv for HTML, then tries UTF-8,
    # then charset detection (charset-normalizer), then windows-1252.
    dammit = UnicodeDammit(data, user_encodings=["utf-8"], is_html=is_html)
    if dammit.unicode_markup is None:
        raise UndecodableError("no encoding decodes it")
    return _checked(dammit.unicode_markup)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _checked(text: str) -> str:
    if not text:
        return text
    sample = text[:20000]
    garbage = sample.count("\ufffd") + len(_CONTROL.findall(sample))
    if garbage / len(sample) > MAX_GARBAGE_SHARE:
        raise UndecodableError("mostly undecodable bytes")
    return text
