"""Write the domain's money test vectors for the dashboard's Vitest (docs/frontend.md, Money figures)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from paper_trading.domain.vectors import render

DEFAULT = Path(settings.BASE_DIR) / "frontend" / "src" / "lib" / "money-vectors.json"


class Command(BaseCommand):
    help = "Write frontend/src/lib/money-vectors.json from the Python domain (pips, P&L, margin, lots)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT), help="where to write (default: %(default)s)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        path.write_text(render())
        self.stdout.write(f"Wrote {path}")
