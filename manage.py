#!/usr/bin/env python
"""Django's command-line utility; the installed ``gongjian`` command is the same."""

from gongjian.cli import main

if __name__ == "__main__":
    main()
