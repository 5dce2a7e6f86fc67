import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongjian.review.exports import review_docx
from gongjian.review.selectors import compose_review
from gongjian.units.selectors import root_unit, unit_resolve


class Command(BaseCommand):
    help = "Draft the year review (十大高频词) from the corpus and the indicator engine."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", help="unit name, GB/T 2260 code or id (default: the city)")
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: the campaign's reporting date)")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--format", choices=["text", "json", "docx"], default="text")
        parser.add_argument("--output", "-o", help="file to write (docx default: review-YEAR.docx)")

    def handle(self, *args, year, unit=None, as_of=None, top=10, format="text", output=None, **o):
        target = unit_resolve(unit) if unit else root_unit()
        if target is None:
            raise CommandError(
                f"找不到单位“{unit}”" if unit else "还没有任何单位,请先运行 gongjian demo"
            )
        try:
            as_of_date = dt.date.fromisoformat(as_of) if as_of else None
            if as_of_date and as_of_date.year != year:
                raise ValueError(f"{as_of_date} 不在 {year} 年内")
        except ValueError as exc:
            raise CommandError(f"截止日期无效:{exc}") from exc
        review = compose_review(year, target, as_of=as_of_date, top=top)
        if not review.terms:
            self.stderr.write(f"{year} 年{target.name}的语料为空,没有可起草的词条")
        if format == "docx":
            data = review_docx(
                review.title,
                f"{review.as_of:%Y-%m-%d}",
                [
                    vars(t)
                    | {
                        "quotes": [vars(q) for q in t.quotes],
                        "figures": [vars(f) for f in t.figures],
                    }
                    for t in review.terms
                ],
            )
            path = Path(output or f"review-{year}.docx")
            if output == "-":
                sys.stdout.buffer.write(data)
                return
            path.write_bytes(data)
            self.stdout.write(f"已写入 {path}({len(review.terms)} 个词条)")
            return
        if format == "json":
            text = json.dumps(review.as_dict(), ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text, "utf-8")
            else:
                self.stdout.write(text)
            return
        lines = [
            review.title,
            f"数据截至 {review.as_of:%Y-%m-%d};语料 {review.n_passages:,} 段，去除重复后 {review.n_chars:,} 字",
            "",
        ]
        for index, term in enumerate(review.terms, start=1):
            lines.append(f"{index}. {term.term}")
            lines.append(term.paragraph)
            for quote in term.quotes:
                lines.append(f"   —— {quote.source}·{quote.label}({quote.unit} {quote.dated_on})")
            lines.append("")
        text = "\n".join(lines)
        if output:
            Path(output).write_text(text, "utf-8")
        else:
            self.stdout.write(text)
