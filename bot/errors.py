"""Errors a person can cause; each message is written for them."""

from db.validation import Refused


class UserError(Refused):
    """A problem with what someone typed or asked for, told back to them as it is."""
