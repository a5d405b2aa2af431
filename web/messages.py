"""Every sentence the web pages say to a person, in one place."""

from __future__ import annotations

HOW_TO_SIGN_IN = "Type /task web in Slack to get a sign-in link."

NOT_SIGNED_IN_TITLE = "Sign in first"
NOT_SIGNED_IN = "These pages are for people who use promptdesk in Slack. " + HOW_TO_SIGN_IN

LINK_SPENT_TITLE = "This link no longer works"
LINK_SPENT = (
    "This sign-in link was already used or has expired; get a new one with /task web in Slack."
)

SIGNED_OUT_TITLE = "Signed out"
SIGNED_OUT = "You are signed out. " + HOW_TO_SIGN_IN

CSRF_FAILED_TITLE = "This form has expired"
CSRF_FAILED = "The form was sent without its security token. Reload the page and try again."

BAD_REQUEST_TITLE = "That request did not make sense"
BAD_REQUEST = "The page could not understand what was sent. Go back and try again."

NOT_FOUND_TITLE = "Not found"
NOT_FOUND = "There is nothing at this address. It may have been removed, or the link is wrong."

TASK_NOT_FOUND = "There is no task #{task_id}."

METHOD_NOT_ALLOWED_TITLE = "Not allowed"
METHOD_NOT_ALLOWED = "This address does not accept that kind of request."

SERVER_ERROR_TITLE = "Something went wrong"
SERVER_ERROR = (
    "The page could not be shown because of an error on our side. "
    "It has been logged; try again in a moment."
)

UNKNOWN_STATUS = "There is no status “{value}”; showing every status."
BAD_CREATOR = "“{value}” is not a person's number; showing everyone's tasks."
BAD_PAGE = "“{value}” is not a page number; showing the first page."
SEARCH_SHORTENED = "The search text was shortened to {limit} characters."

NO_TASKS_YET = "No tasks yet. Ask a model with /ask in Slack and it will show up here."
NO_TASKS_MATCH = "No tasks match these filters."
NO_MODELS_YET = "No models yet. Register one with /model add in Slack."
NO_PEOPLE_YET = "No people yet. Someone appears here the first time they use promptdesk."
