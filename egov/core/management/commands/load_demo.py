"""``egov load_demo``: the demo organisations and people, once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from egov.core import demo


class Command(BaseCommand):
    help = ("Load the demo data (Government Office, ministries, two provinces, one person "
            "per role). Does nothing if the demo is already loaded, keeping your changes.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.load()
        if result.loaded:
            self.stdout.write(self.style.SUCCESS(
                f"Demo loaded: {result.organisations} organisations and units, "
                f"{result.people} people ({result.seconds:.1f} s)."))
        else:
            self.stdout.write(
                f"The demo is already loaded (organisation {demo.MARKER_CODE} exists): "
                "nothing changed.")
        rows = demo.signins()
        if rows:
            self.stdout.write("\nDemo sign-ins:")
            self.stdout.write(demo.signins_table(rows))
