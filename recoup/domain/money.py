"""Money as integer minor units and an ISO 4217 currency: exact on every database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Currencies with no minor unit (ISO 4217 exponent 0) or three decimals; the rest have two.
_EXPONENTS: dict[str, int] = {
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XAF": 0, "XOF": 0, "HUF": 2,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}  # fmt: skip
KNOWN_CURRENCIES: frozenset[str] = frozenset(
    {
        "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
        "MXN", "BRL", "ZAR", "INR", "SGD", "HKD", "ILS", "AED", "RON", "BGN", "TRY",
        *_EXPONENTS,
    }
)  # fmt: skip


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def check_currency(code: str) -> str:
    """A known ISO 4217 code, upper-cased, or :class:`MoneyError`."""
    normal = code.strip().upper()
    if normal not in KNOWN_CURRENCIES:
        msg = f"unknown currency {code!r} (use an ISO 4217 code such as USD or EUR)"
        raise MoneyError(msg)
    return normal


MAX_MINOR = 2**63 - 1  # minor units a record holds (a 64-bit integer column)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in minor units (cents) of ``currency``."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse ``"1234.50"`` (also ``"1,234.50"``); refuse more decimals than the currency has."""
        code = check_currency(currency)
        cleaned = text.strip().replace(",", "").replace("_", "")
        if not cleaned:
            msg = "amount is empty"
            raise MoneyError(msg)
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            msg = f"amount {text!r} is not a number"
            raise MoneyError(msg) from None
        if not value.is_finite():
            msg = f"amount {text!r} is not a finite number"
            raise MoneyError(msg)
        exp = exponent(code)
        try:
            scaled = value.scaleb(exp)
            whole = scaled == scaled.to_integral_value()
        except ArithmeticError:  # decimal's Overflow: an exponent no amount has
            whole = False
            scaled = Decimal("Infinity")
        if abs(scaled) > MAX_MINOR:
            msg = f"amount {text!r} is too large for a record"
            raise MoneyError(msg)
        if not whole:
            msg = f"amount {text!r} has more than {exp} decimals for {code}"
            raise MoneyError(msg)
        return cls(int(scaled), code)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        code = check_currency(currency)
        value = Decimal(amount).scaleb(exponent(code)).quantize(Decimal(1), ROUND_HALF_UP)
        return cls(int(value), code)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        return f"{self.amount:,.{exponent(self.currency)}f} {self.currency}"
