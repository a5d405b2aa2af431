"""`python -m db upgrade` brings the schema up to date; `rotate-keys` re-encrypts API keys."""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy import select

from db.keys import KeyBox, KeyUnreadable
from db.migrate import current_revision, upgrade
from db.models import LlmModel
from db.session import make_engine, make_session_factory
from settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    """Run one database command."""
    parser = argparse.ArgumentParser(prog="python -m db", description=__doc__)
    parser.add_argument("command", choices=["upgrade", "current", "rotate-keys"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url, pool_size=2)
    if args.command == "upgrade":
        upgrade(engine)
        print(f"schema is at revision {current_revision(engine)}")
    elif args.command == "current":
        print(current_revision(engine) or "empty database")
    else:
        return rotate_keys(engine, settings)
    return 0


def rotate_keys(engine: object, settings: Settings) -> int:
    """Re-encrypt every stored API key with the current SECRET_KEY."""
    box = KeyBox(settings.secret_key, settings.secret_key_fallbacks)
    sessions = make_session_factory(engine)  # type: ignore[arg-type]
    failed = []
    with sessions.begin() as session:
        models = session.scalars(select(LlmModel)).all()
        for model in models:
            try:
                model.api_key_encrypted = box.rotate(model.api_key_encrypted)
            except KeyUnreadable:
                failed.append(model.name)
    print(f"re-encrypted {len(models) - len(failed)} API key(s) with the current SECRET_KEY")
    if failed:
        names = ", ".join(failed)
        print(
            f"could not decrypt: {names} (add the old key to SECRET_KEY_FALLBACKS, or set "
            "these keys again with /model edit)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
