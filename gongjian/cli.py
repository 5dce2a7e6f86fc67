"""The ``gongjian`` console command: ``manage.py`` for an installed package."""

import os
import sys

# hyphenated names of Django commands (``gongjian gen-scale`` → ``gen_scale``)
ALIASES = {"gen-scale": "gen_scale", "setup-city": "setup_city", "setup-province": "setup_province"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
    from django.core.management import execute_from_command_line

    args = list(argv if argv is not None else sys.argv[1:])
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    execute_from_command_line([sys.argv[0], *args])


if __name__ == "__main__":
    main()
