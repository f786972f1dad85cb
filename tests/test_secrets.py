"""aspirectl secrets and the credential lookup: env first, then the keyring, never a crash."""

from __future__ import annotations

import json
import time

from aspirectl.secrets.store import KeyringSource, default_resolver
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error


def test_set_list_delete_with_a_real_keyring_backend(run_process, file_keyring, tmp_path):
    import os

    env = dict(os.environ)
    value = "sk-proj-" + "v3ry-s3cret-" * 3
    stored = run_process("secrets", "set", "openai-api-key", input=value + "\n", env=env)
    assert stored.code == 0, stored.err
    assert value not in stored.out + stored.err
    assert file_keyring.get_password("aspirectl", "openai-api-key") == value
    listed = run_process("--chains", SHIPPED_CHAINS, "secrets", "list", "-o", "json", env=env)
    doc = json.loads(listed.out)
    by_name = {c["name"]: c for c in doc["credentials"]}
    assert by_name["openai-api-key"]["source"] == "keyring"
    assert by_name["openai-api-key"]["used_by"] == ["openai-api"]
    assert by_name["anthropic-api-key"]["set"] is False
    assert {"gateway-key", "db-url"} <= set(by_name)
    assert value not in listed.out + listed.err
    env_wins = run_process("--chains", SHIPPED_CHAINS, "secrets", "list", env={
        **env, "ASPIRECTL_SECRET_OPENAI_API_KEY": "from-the-environment"})
    assert "openai-api-key" in env_wins.out and "env" in env_wins.out.split("openai-api-key", 1)[1].split("\n")[0]
    deleted = run_process("secrets", "delete", "openai-api-key", env=env)
    assert deleted.code == 0
    assert file_keyring.get_password("aspirectl", "openai-api-key") is None
    again = run_process("secrets", "delete", "openai-api-key", env=env)
    assert again.code == 1 and "is not in the OS keyring" in again.err


def test_a_credential_from_the_keyring_is_used_by_probe(file_keyring):
    file_keyring.set_password("aspirectl", "gateway-key", "sk-from-keyring-123456")
    found = default_resolver().lookup("gateway-key")
    assert found is not None and found.origin == "keyring" and found.value == "sk-from-keyring-123456"


def test_null_backend_gives_one_line_naming_the_env_alternative(run_process):
    result = run_process("secrets", "set", "openai-api-key", input="abc123456\n",
                         env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert result.code == 3
    assert_one_line_error(result)
    assert "no usable OS keyring" in result.err and "ASPIRECTL_SECRET_<NAME>" in result.err
    fail = run_process("secrets", "set", "openai-api-key", input="abc123456\n",
                       env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert fail.code == 3 and "ASPIRECTL_SECRET_<NAME>" in fail.err
    assert "abc123456" not in result.text + fail.text


def test_secret_values_never_come_from_argv(run_process):
    result = run_process("secrets", "set", "openai-api-key", "sk-on-the-command-line")
    assert result.code == 2
    assert "sk-on-the-command-line" not in result.err


def test_empty_value_and_bad_names(run_process, file_keyring):
    empty = run_process("secrets", "set", "openai-api-key", input="\n")
    assert empty.code == 2 and "empty value" in empty.err
    bad = run_process("secrets", "set", "Bad_Name", input="x\n")
    assert bad.code == 2 and "bad credential name" in bad.err


def test_a_hung_keyring_is_not_set_within_its_timeout(monkeypatch):
    import keyring.core
    from keyring.backend import KeyringBackend

    class Hung(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):
            time.sleep(30)

        def set_password(self, service, username, password):
            time.sleep(30)

        def delete_password(self, service, username):
            time.sleep(30)

    keyring.core.set_keyring(Hung())
    started = time.monotonic()
    assert KeyringSource(timeout=0.5).get("openai-api-key") is None
    assert time.monotonic() - started < 10  # the hung keyring would hold it 30 s


def test_keyring_errors_are_not_set(monkeypatch):
    import keyring.core
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringError

    class Locked(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):
            raise KeyringError("Failed to create the collection: Prompt dismissed")

        def set_password(self, service, username, password):
            raise RuntimeError("Unable to autolaunch a dbus-daemon without a $DISPLAY for X11")

        def delete_password(self, service, username):
            raise KeyringError("locked")

    keyring.core.set_keyring(Locked())
    source = KeyringSource(timeout=1)
    assert source.get("x-y") is None
    from aspirectl.secrets.store import KeyringUnavailable

    try:
        source.set("x-y", "value-123456")
    except KeyringUnavailable as exc:
        assert "dbus" in str(exc) and "ASPIRECTL_SECRET_<NAME>" in str(exc)
    else:
        raise AssertionError("set must fail")
