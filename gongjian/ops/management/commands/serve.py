"""``gongjian serve``: the production server — gunicorn running ``gongjian.wsgi``.

A thin wrapper: runs ``collectstatic`` (WhiteNoise then serves ``STATIC_ROOT`` from the
application itself), then replaces this process with gunicorn, so that signals sent to
this process id reach the gunicorn master directly.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# said on every start under the development key (GONGJIAN_ENV=production refuses that key)
DEFAULT_KEY_WARNING = (
    "警告:正在使用开发用的默认密钥(SECRET_KEY)运行服务,任何人都能伪造会话和 CSRF 令牌;"
    "请设置环境变量 GONGJIAN_SECRET_KEY(至少 50 个随机字符)并设 GONGJIAN_ENV=production。"
    " WARNING: serving with the default development secret key; set GONGJIAN_SECRET_KEY."
)

JOBS_NOTE = (
    "后台任务(导入、通报、定时任务)由另一个进程运行:gongjian qcluster(见 docs/operations.md)。"
    " Background jobs and schedules run in a second process: gongjian qcluster."
)


def default_workers() -> int:
    """gunicorn's rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Serve gongjian with gunicorn (production): gongjian serve [--workers N] [--bind 127.0.0.1:8000]"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="worker processes (default: 2 × cores + 1)",
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker (> 1: gthread workers)"
        )
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="address:port (default 127.0.0.1:8000)"
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=120,
            help="seconds before a silent worker is restarted (an Excel import may take a while)",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            default=2000,
            help="restart a worker after this many requests (with jitter); 0: never",
        )
        parser.add_argument(
            "--access-log", action="store_true", help="write an access log to var/log/access.log"
        )
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collectstatic")
        parser.add_argument("--pid", help="write the gunicorn master's pid to this file")

    def gunicorn_argv(self, options: dict) -> list[str]:
        log_dir = settings.VAR_DIR / "log"
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "gongjian.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(max(1, options["workers"])),
            "--timeout",
            str(options["timeout"]),
            "--graceful-timeout",
            "30",
            "--keep-alive",
            "5",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        if options["threads"] > 1:
            argv += ["--worker-class", "gthread", "--threads", str(options["threads"])]
        if options["max_requests"] > 0:
            argv += [
                "--max-requests",
                str(options["max_requests"]),
                "--max-requests-jitter",
                str(max(1, options["max_requests"] // 10)),
            ]
        if options["access_log"]:
            log_dir.mkdir(parents=True, exist_ok=True)
            argv += ["--access-logfile", str(log_dir / "access.log")]
        if options["pid"]:
            argv += ["--pid", options["pid"]]
        return argv

    def handle(self, *args, **options) -> None:
        if settings.SECRET_KEY == getattr(settings, "DEFAULT_SECRET_KEY", None):
            print(DEFAULT_KEY_WARNING, file=sys.stderr, flush=True)
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        # the web workers only: imports, reports and the schedules run in the job process
        print(JOBS_NOTE, file=sys.stderr, flush=True)
        argv = self.gunicorn_argv(options)
        # production defaults unless the environment says otherwise; the workers read them
        os.environ.setdefault("GONGJIAN_DEBUG", "0")
        os.environ.setdefault("GONGJIAN_CONN_MAX_AGE", "60")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjian.settings")
        self.stderr.write(f"gunicorn: {options['workers']} workers on http://{options['bind']}/")
        sys.stderr.flush()
        sys.stdout.flush()
        os.execv(sys.executable, argv)
