"""The embedded default's database file (SQLite in WAL mode) under concurrent writers."""

from ..processes import manage, sqlite_env

SCENARIO = """
import threading, time
from django.contrib.auth import get_user_model
from django.db import connection, transaction
User = get_user_model()
trader = User.objects.create_user("trader")
errors = []

def engine_like_transaction():  # reads (the account lock is a read on SQLite), then writes
    try:
        with transaction.atomic():
            list(User.objects.filter(pk=trader.pk))
            time.sleep(0.5)
            User.objects.filter(pk=trader.pk).update(first_name="changed")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

def write_meanwhile():  # a login, a bar, a snapshot: writes outside the engine's lock
    time.sleep(0.1)
    try:
        User.objects.create_user("someone")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=engine_like_transaction), threading.Thread(target=write_meanwhile)]
for t in threads: t.start()
for t in threads: t.join()
print("ERRORS", errors, User.objects.get(pk=trader.pk).first_name, User.objects.count())
"""


def test_a_transaction_that_reads_first_waits_for_a_concurrent_writer_instead_of_failing(tmp_path):
    env = sqlite_env(tmp_path / "db.sqlite3")
    assert manage("migrate", "-v0", env=env).returncode == 0
    done = manage("shell", "-c", SCENARIO, env=env)
    assert done.returncode == 0, done.stderr
    # Without BEGIN IMMEDIATE the first transaction failed: OperationalError('database is locked').
    assert "ERRORS [] changed 2" in done.stdout, done.stdout + done.stderr
