"""Money as integer minor units plus an ISO 4217 code; decimal strings at the edges."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents that differ from 2 (the default).
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENTS = {code: 0 for code in _ZERO_DECIMALS.split()} | {
    code: 3 for code in _THREE_DECIMALS.split()
}
_OTHER_CURRENCIES = """AED ARS AUD BDT BGN BRL CAD CHF CNY COP CZK DKK EGP EUR GBP HKD HUF IDR
ILS INR KES MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD RUB SAR SEK SGD THB TRY TWD
UAH USD ZAR"""
CURRENCIES = frozenset(_OTHER_CURRENCIES.split()) | frozenset(_EXPONENTS)


class MoneyError(ValueError):
    pass


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def validate_currency(currency: str | None) -> str:
    code = (currency or "").strip().upper()
    if code not in CURRENCIES:
        raise MoneyError("must be an ISO 4217 currency code such as USD or EUR")
    return code


def to_minor(amount: str | int | Decimal, currency: str) -> int:
    """Parse a decimal amount exactly; refuse more decimals than the currency has."""
    exp = exponent(currency)
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise MoneyError("must be a decimal amount such as 1500.00") from None
    if not value.is_finite():
        raise MoneyError("must be a decimal amount such as 1500.00")
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} has {exp} decimal places at most")
    minor = int(scaled)
    if abs(minor) >= 10**15:
        raise MoneyError("is too large")
    return minor


def to_decimal_string(minor: int, currency: str) -> str:
    exp = exponent(currency)
    value = Decimal(minor).scaleb(-exp)
    return str(value.quantize(Decimal(1).scaleb(-exp), rounding=ROUND_HALF_EVEN))


def format_money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return ""
    text = to_decimal_string(minor, currency)
    whole, _, frac = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{grouped}{'.' + frac if frac else ''} {currency}"
