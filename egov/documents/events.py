"""Signals sent when a document moves, so that other parts (the exchange connector sending
statuses back, signature checks) follow without documents knowing them.

``registered`` and ``issued`` are sent on commit. ``assigned`` and ``done`` are sent inside
the action's transaction, so what a receiver writes (the connector's owed status 04/06, an
outbox row) commits or rolls back with the move itself and a crash between the two cannot
lose it; a receiver puts anything outside the database (a task, a request) on commit
itself."""

from django.dispatch import Signal

registered = Signal()  # document=Document (incoming registered)
assigned = Signal()  # document=Document (a leader assigned it) — in the transaction
done = Signal()  # document=Document (incoming processing finished) — in the transaction
issued = Signal()  # document=Document (outgoing issued; external recipients wait)
