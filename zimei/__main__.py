"""The `zimei` command: Django's manage.py under the project's own name."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

    argv = list(sys.argv)
    argv[0] = "zimei"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
