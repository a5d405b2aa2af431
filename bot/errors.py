"""Errors a person can cause; each message is written for them."""


class UserError(Exception):
    """A problem with what someone typed or asked for, told back to them as it is."""
