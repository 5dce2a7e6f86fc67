"""The ``gongjian`` console command: ``manage.py`` for an installed package."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
