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

NO_TASKS_YET = "No tasks yet. Start one with New task, or ask a model with /ask in Slack."
NO_TASKS_MATCH = "No tasks match these filters."
NO_MODELS_YET = "No models yet. Register one here or with /model add in Slack."
NO_PEOPLE_YET = "No people yet. Someone appears here the first time they use promptdesk."

NOT_ALLOWED_TITLE = "Not allowed"
NOT_ALLOWED = "You don't have the rights to do that."
TASK_NOT_YOURS = "Only the person who asked task #{task_id}, or an admin, can {verb} it."
MODEL_NOT_YOURS = (
    "Only the maintainer of {model} ({maintainer}) or an admin can change or delete it."
)
PEOPLE_ADMINS_ONLY = "Only an admin can add, change or remove people."
NOBODY = "nobody"

MODEL_NOT_FOUND = "There is no model #{model_id}."
PERSON_NOT_FOUND = "There is no person #{person_id}."

QUEUE_NOT_CONFIGURED = "The task queue is not configured here, so nothing can be started."
QUEUE_AWAY = (
    "The task queue is out of reach right now. Task #{task_id} is saved and will start "
    "by itself when the queue is back."
)
QUEUE_AWAY_FOR_TEST = "The task queue is out of reach right now, so the test could not start."

TASK_STARTED = "Task #{task_id} is queued; this page shows the answer when it is ready."
RETRY_STARTED = "Task #{task_id} asks the same again (a retry of #{original_id})."
RETRY_NO_MODEL = (
    "Task #{task_id}'s model {model} was removed, so it can't be retried; ask another model."
)
CAN_MANAGE_TASK_HINT = "Only the person who asked this task, or an admin, can retry or cancel it."

REQUIRED = "This field is required."
TOO_LONG = "This is too long: at most {limit:,} characters (you typed {length:,})."
PROMPT_LIMIT_HINT = "Up to {limit:,} characters; Markdown is fine."
CHOOSE_MODEL = "Choose a model from the list."
CHOOSE_MAINTAINER = "Choose a maintainer from the list."
NO_MODELS_TO_ASK = "No model is registered yet, so there is nothing to ask."
KEY_RETYPE = "For safety the API key you typed was not kept: type it again."
KEY_KEEP_HINT = "Leave blank to keep the current key ({hint}). The key is never shown."
KEY_NEW_HINT = "Stored encrypted; only its last four characters are ever shown."
TIMEOUT_HINT = "Seconds to wait for an answer; 120 when left blank."
FORM_HAS_ERRORS = "Please correct the fields marked below."

MODEL_CREATED = "Model {model} is registered."
MODEL_UPDATED = "Model {model} is saved."
MODEL_UNCHANGED = "Nothing changed."
MODEL_DELETED = "Model {model} is deleted. Its tasks are kept, under its name."
MODEL_DELETE_CONFIRM = (
    "Delete the model {model}? Its {count} task(s) are kept, under its name, "
    "but nobody can ask it any more."
)
MODEL_TESTING = "Testing {model} with a real call…"
MODEL_TEST_SLOW = "No result yet. The worker may be busy or stopped; reload this page later."
MODEL_NEVER_TESTED = "Never tested."

SLACK_USER_ID_FORMAT = "A Slack user id is a U or W followed by letters and digits, like U012AB3CD."
SLACK_TEAM_ID_FORMAT = "A Slack team id is letters, digits, - or _, like T012AB3CD."
PERSON_EXISTS = "{name} already has this Slack user id in this team."
PERSON_CREATED = "{name} is added."
PERSON_UPDATED = "{name} is saved."
PERSON_DELETED = "{name} is removed. Their tasks are kept, with no creator."
PERSON_DELETE_CONFIRM = (
    "Remove {name}? Their {count} task(s) are kept, with no creator; "
    "models they maintain keep going with no maintainer."
)
PERSON_DELETE_SELF = "You can't remove yourself while you are signed in."

NO_TASKS_OF_PERSON = "No tasks yet."
NO_CHART_DATA = "No tasks in the last {days} days."
NO_LATENCY_DATA = "No finished tasks in the last {days} days."

CANCELLED_RUNNING = "Task #{task_id} is cancelled; the worker stops it within a few seconds."
CANCELLED_PENDING = "Task #{task_id} is cancelled before it started."
CANCEL_ENDED = "Task #{task_id} already ended ({status}); there is nothing to cancel."

TASKS_PER_DAY_LABEL = "Tasks per day by status, last {days} days (UTC)"
LATENCY_LABEL = "Median time to a full answer per model, last {days} days"
LATENCY_VALUE = "{seconds} · {count:,} answer(s)"

NO_ANSWER_YET = "No answer yet."
NO_ANSWER = "No answer."
REFRESHES_ITSELF = "this page refreshes by itself"
ASKED_ON_THE_WEB = "asked on the web"
NOT_POSTED_YET = "(no message yet)"
MODEL_NAME_HINT = "Short and lower-case: what people type after /ask."
MODEL_URL_HINT = "The base URL of an OpenAI-compatible API (Chat Completions)."
TASK_NAME_HINT = "Optional; the first line of the prompt when left blank."
SLACK_USER_ID_HINT = "In Slack: the person's profile, ⋮, Copy member ID."
ADMIN_HINT = "Admins may change any model and manage people."
