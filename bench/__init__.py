"""`python -m bench`: the end-to-end benchmark of promptdesk against loopback stand-ins.

It starts FakeSlack and FakeLLM in this process, a real `gunicorn 'app:create_app()'` and
one real `celery -A tasks worker` as child processes, sends signed `/ask` commands all at
once and measures acks, time until every answer is in its Slack thread, Slack calls per
task and the worker's memory. Nothing is written into the repository.
"""
