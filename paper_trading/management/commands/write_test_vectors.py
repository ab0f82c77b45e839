"""Write the domain's money test vectors and the indicators' for the dashboard's Vitest
(docs/frontend.md, Money figures; docs/strategies.md, Indicators)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from paper_trading.domain.vectors import render
from paper_trading.strategies import vectors as indicator_vectors

DEFAULT = Path(settings.BASE_DIR) / "frontend" / "src" / "lib" / "money-vectors.json"
INDICATORS = Path(settings.BASE_DIR) / "frontend" / "src" / "lib" / "indicator-vectors.json"


class Command(BaseCommand):
    help = "Write frontend/src/lib/money-vectors.json (pips, P&L, margin, lots) and indicator-vectors.json."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT), help="where to write (default: %(default)s)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        path.write_text(render())
        self.stdout.write(f"Wrote {path}")
        INDICATORS.write_text(indicator_vectors.render())
        self.stdout.write(f"Wrote {INDICATORS}")
