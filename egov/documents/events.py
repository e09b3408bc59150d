"""Signals sent on commit when a document moves, so that other parts (the exchange
connector sending statuses back, notifications) follow without documents knowing them."""

from django.dispatch import Signal

registered = Signal()  # document=Document (incoming registered)
assigned = Signal()  # document=Document (a leader assigned it)
done = Signal()  # document=Document (incoming processing finished)
issued = Signal()  # document=Document (outgoing issued; external recipients wait)
