"""Money helpers: amounts are integer 元 everywhere; 万元/亿元 are display units."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.core.validators import MinValueValidator
from django.utils.translation import get_language

YUAN = 1
WAN = 10_000
YI = 100_000_000

UNIT_FACTORS = {"元": YUAN, "万元": WAN, "亿元": YI}


def format_amount(yuan: int | None, unit: str = "万元", places: int = 2) -> str:
    """Format an integer 元 amount in 元/万元/亿元 with thousands separators.

    >>> format_amount(23990000000, "亿元")
    '239.90亿元'
    """
    if yuan is None:
        return "—"
    factor = UNIT_FACTORS[unit]
    value = (Decimal(yuan) / factor).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}{unit}"


def show_amount(yuan: int | None, unit: str = "万元", places: int = 2) -> str:
    """An amount as a page shows it: ``format_amount`` in Chinese; on an English page in
    millions (万元 figures) or billions (亿元 figures) of yuan. Text that is stored (a
    history reason, a document) uses ``format_amount``."""
    if yuan is None or not (get_language() or "").startswith("en"):
        return format_amount(yuan, unit, places)
    if unit == "亿元":
        return f"{Decimal(yuan) / 10**9:,.{places}f} bn yuan"
    if unit == "万元":
        return f"{Decimal(yuan) / 10**6:,.{places}f} m yuan"
    return f"{yuan:,} yuan"


def to_yuan(value: Decimal | int | str, unit: str = "元") -> int:
    """Convert an amount given in ``unit`` to integer 元, refusing fractions of a 元 and
    what is not a finite number. Exact whatever the number of digits (no rounding to the
    default 28-digit Decimal context)."""
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"金额 {value} 不是数字")
    if amount.adjusted() > 40:
        raise ValueError(f"金额 {value}{unit} 过大")
    with localcontext() as context:
        context.prec = len(amount.as_tuple().digits) + 20
        amount = amount * UNIT_FACTORS[unit]
    if amount != amount.to_integral_value():
        raise ValueError(f"金额 {value}{unit} 换算为元后不是整数")
    return int(amount)


NEGATIVE_AMOUNT = "金额不能为负数"

# The one rule for every amount field: not below zero, with the same message whether the
# amount came from a page, the API or a sheet (the sheet's cell reader says the same).
non_negative_amount = MinValueValidator(0, message=NEGATIVE_AMOUNT)
