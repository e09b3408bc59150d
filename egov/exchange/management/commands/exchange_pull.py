"""``egov exchange_pull``: read the hub's inbox now and send what is due (what the
schedule does every interval), printing what happened."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.exchange import connector_actions, connector_tasks
from egov.exchange.connector_client import HubError


class Command(BaseCommand):
    help = "Pull the hub's inbox now and send what waits."

    def handle(self, *args: Any, **options: Any) -> None:
        if connector_actions.connection() is None:
            raise CommandError("This deployment is not connected: run egov exchange_connect.")
        try:
            pulled = connector_actions.do_pull()
        except HubError as exc:
            raise CommandError(f"The hub did not answer: {exc}") from exc
        swept = connector_tasks.sweep()
        self.stdout.write(f"stored {pulled.stored} packages and {pulled.statuses} statuses, "
                          f"acknowledged {pulled.acked}, sent {swept} waiting items")
        for line in pulled.skipped:
            self.stdout.write(self.style.WARNING(f"left in the inbox: {line}"))
