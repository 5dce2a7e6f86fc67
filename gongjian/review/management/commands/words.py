from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjian.review import words
from gongjian.review.documents import read_document


def read_files(paths: list[str]) -> list[str]:
    texts = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"找不到文件“{name}”")
        data = path.read_bytes()
        if path.suffix.lower() in (".docx", ".pdf"):
            try:
                texts.append(read_document(path.name, data)[1])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            continue
        try:
            texts.append(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            try:
                texts.append(data.decode("gb18030"))
            except UnicodeDecodeError as exc:
                raise CommandError(f"文件“{name}”不是 UTF-8 或 GB18030 编码的文本") from exc
    return texts


class Command(BaseCommand):
    help = (
        "Rank the words of plain text files: frequency (高频词), themes (distinctive terms) "
        "or new (terms absent from --before). One term per line, best first."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--mode", choices=words.MODES, default="frequency")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument(
            "--before",
            nargs="+",
            default=[],
            metavar="OLDER_FILE",
            help="earlier years: the background for themes, the reference for new",
        )
        parser.add_argument("--term", action="append", default=[], help="keep this term whole")
        parser.add_argument("--scores", action="store_true", help="also print count and score")

    def handle(self, *args, files, mode, top, before, term, scores, **options):
        if top < 1:
            raise CommandError("--top 须为正整数")
        texts = read_files(files)
        background = read_files(before) if before else []
        try:
            ranked = words.extract(
                texts, mode, top, before=background, options=words.Options(user_terms=term)
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for item in ranked:
            if scores:
                self.stdout.write(f"{item.text}\t{item.count}\t{item.score:.2f}")
            else:
                self.stdout.write(item.text)
