"""``egov exchange_connect HUB_URL --token TOKEN``: connect this deployment to the national
hub (the token is the one ``egov hub_add_system`` printed on the hub). Then documents for
external agencies are sent, and the inbox is pulled every ``--pull-every`` seconds and
whenever the hub pushes (give the hub this deployment's ``/exchange/push`` address)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from egov.exchange import connector_actions

from .hub_add_system import _messages


class Command(BaseCommand):
    help = "Connect this deployment to the national document exchange hub."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("hub_url", help="the hub's API root, e.g. https://hub.example.vn/hub/v1")
        parser.add_argument("--token", required=True, help="this system's token on the hub")
        parser.add_argument("--pull-every", type=int, default=60, metavar="SECONDS",
                            help="pull the inbox this often (default 60; push makes it sooner)")
        parser.add_argument("--route-between-agencies", action="store_true",
                            help="send documents between this system's own agencies through "
                                 "the hub too (the demo does)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            conn = connector_actions.do_connect(
                acting_user=None, hub_url=options["hub_url"], token=options["token"],
                route_between_agencies=options["route_between_agencies"],
                pull_interval_seconds=options["pull_every"])
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Connected to {conn.hub_url}; the inbox is pulled every "
            f"{conn.pull_interval_seconds} s and on push."))
