"""Numbers in questions and answers: amounts typed by users, figures shown to them."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from decimal import Context, Decimal, InvalidOperation, getcontext, localcontext

from babel.numbers import format_decimal

__all__ = ["SIGNIFICANT", "amount_before", "format_number", "round_significant"]

SIGNIFICANT = 6  # digits kept of a computed rate or amount (the issue asks for >= 4)

# `250`, `1 000`, `1,000`, `2,5`, `2.5` just before a currency, maybe with `de`/`of`.
_AMOUNT = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"\s*(?:(?:de|d['’]|of)\s*)?$"
)
_ONE = re.compile(r"(?<![\w])(?:un|une|one|a|an)\s+$", re.IGNORECASE)


def amount_before(text: str, position: int) -> Decimal | None:
    """The amount written just before `position` (`250 euros`, `un dollar`), if any."""
    before = text[:position]
    match = _AMOUNT.search(before)
    if match:
        return parse_amount(match.group(1))
    if _ONE.search(before):
        return Decimal(1)
    return None


def parse_amount(text: str) -> Decimal | None:
    """`1 000` or `1,000` is a thousand; `2,5` and `2.5` are two and a half."""
    digits = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")  # English thousands separators
    try:
        return Decimal(digits.replace(",", "."))
    except InvalidOperation:
        return None


def round_significant(value: Decimal, digits: int = SIGNIFICANT) -> Decimal:
    """`value` with `digits` significant digits but at least two decimals, trailing zeros
    beyond those two dropped: 44855.0295 -> 44855.03, 1/0.879361 -> 1.13719."""
    if value == 0:
        return Decimal("0.00")
    decimals = max(2, digits - value.adjusted() - 1)
    with _precise(value, decimals):
        rounded = value.quantize(Decimal(1).scaleb(-decimals))
    whole, _, fraction = f"{rounded:f}".partition(".")
    return Decimal(f"{whole}.{fraction.rstrip('0').ljust(2, '0')}")


def format_number(value: Decimal, lang: str, *, sign: bool = False) -> str:
    """`value` written as `lang` readers write numbers, with all its decimals."""
    exponent = value.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    with _precise(value, decimals):  # Babel quantizes in the current context too
        text: str = format_decimal(value, format=pattern, locale=lang)
    return f"+{text}" if sign and value > 0 else text


def _precise(value: Decimal, decimals: int) -> AbstractContextManager[Context]:
    """A decimal context that keeps every digit of `value` to `decimals` places: the default
    28 digits make `quantize` fail on a large amount (`99999…9 euros en yens`)."""
    context = getcontext().copy()
    context.prec = max(context.prec, value.adjusted() + decimals + 2)
    return localcontext(context)
