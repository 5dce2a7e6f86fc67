from django.core.management.base import BaseCommand

from gongjian.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the Jinzhou 2024 demo (does nothing when it is already loaded)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="remove the demo's rows and load them again"
        )

    def handle(self, *args, reset=False, **options):
        load_demo(reset=reset, log=lambda m: self.stdout.write(m))
