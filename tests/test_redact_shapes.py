"""Every shape the redaction knows, and the URL helpers, output for output: what each shape
leaves (its prefix, the last four characters of an OpenAI-style key, the header's name) and
what it masks. Fast, so that scripts/mutation can run it for every mutant of
aspirectl/secrets/redact.py (written from the mutants that survived the property tests).
Values are invented shapes, never real credentials."""

from __future__ import annotations

import pytest

from aspirectl.secrets.redact import MASK, display_url, mask_url, redact, redact_obj

M = "[redacted]"


@pytest.fixture(autouse=True)
def _own_registry():
    """Exact outputs need a registry of this file's own: the registry is process-wide, and a
    secret another test remembered (its half is a form too) would mask part of a shape here
    (found by the suite in another order: 'sk-ant-oat01-' masked as half of another key)."""
    from aspirectl.secrets import redact as module

    saved = (set(module._known), set(module._grams))
    with module._known_lock:
        module._known.clear()
        module._grams.clear()
        module._dirty = True
    yield
    with module._known_lock:
        module._known.clear()
        module._known.update(saved[0])
        module._grams.clear()
        module._grams.update(saved[1])
        module._dirty = True


def test_the_mask_is_one_fixed_word():
    assert MASK == M


@pytest.mark.parametrize(("text", "shown"), [
    # a password in any URL's user info, whatever the scheme's case, up to the last '@'
    ("dsn postgresql://app:pw-x1@db:5432/gw ok", f"dsn postgresql://app:{M}@db:5432/gw ok"),
    ("HTTPS://u:p@ss@host/x", f"HTTPS://u:{M}@host/x"),
    ("redis+tls://:secretpw@cache", f"redis+tls://:{M}@cache"),
    # provider key shapes
    ("key sk-ant-api03-AbCdEf123456 bad", f"key sk-ant-{M} bad"),
    ("key sk-ant-oat01-AbCdEf bad", f"key sk-ant-{M} bad"),
    ("key sk-proj-AbCdEfGh1234WXYZ bad", "key sk-...WXYZ bad"),
    ("key sk-AbCdEfGh bad", "key sk-...EfGh bad"),
    ("key sk-AbCdEfG bad", "key sk-AbCdEfG bad"),  # 7 after sk-: no key shape (and no trigger word)
    ("key AIzaSyA1234567890abcdefghij bad", f"key AIza{M} bad"),
    ("key AIzaSyA123 short", "key AIzaSyA123 short"),
    ("tok ya29.a0AfH6SM-x_y.z end", f"tok ya29.{M} end"),
    ("jwt eyJhbGci.eyJzdWIi.c2ln end", f"jwt eyJ{M} end"),
    ("jwt eyJhbGci.eyJzdWIi. end", f"jwt eyJ{M} end"),
    # headers, as text and as JSON
    ("Authorization: Bearer abc.def-123", f"Authorization: Bearer {M}"),
    ("authorization=basic dXNlcjpwdw==", f"authorization=basic {M}"),
    ('"Proxy-Authorization": "xyz123"', f'"Proxy-Authorization": "{M}"'),
    ("Authorization: abc123", f"Authorization: {M}"),
    ("x-api-key: k-123456", f"x-api-key: {M}"),
    ('"x-goog-api-key":"g-123"', f'"x-goog-api-key":"{M}"'),
    ("Cookie: session=abc; other=def", f"Cookie: {M} other=def"),  # up to the next space
    ("chatgpt-account-id=acct_42", f"chatgpt-account-id={M}"),
    ("api-key = zz-99", f"api-key = {M}"),
    # query values and JSON fields
    ("GET /v1/models?key=abc123&x=1", f"GET /v1/models?key={M}&x=1"),
    ("?access_token=t0k#frag", f"?access_token={M}#frag"),
    ("url;sig=s1G&refresh_token=r1", f"url;sig={M}&refresh_token={M}"),
    ("&PASSWORD=hunter22 end", f"&PASSWORD={M} end"),
    ('{"api_key": "v-123", "model": "x"}', f'{{"api_key": "{M}", "model": "x"}}'),
    ('{"client_secret":"cs-1","refresh_token":"rt-2"}', f'{{"client_secret":"{M}","refresh_token":"{M}"}}'),
    ('{"token": "abc"}', f'{{"token": "{M}"}}'),
    # each shape alone, with no other trigger word in the text (the fast path must not skip it)
    ("AIzaSyA1234567890abcdefghij", f"AIza{M}"),
    ("/x?sig=s1Gxyz", f"/x?sig={M}"),
    ('{"client_secret":"cs-1"}', f'{{"client_secret":"{M}"}}'),
    ("&password=pw1", f"&password={M}"),
    ("chatgpt-account-id: acct_1", f"chatgpt-account-id: {M}"),
    ("Cookie: a=b", f"Cookie: {M}"),
    ("ya29.tok", f"ya29.{M}"),
    ("eyJa.eyJb.c", f"eyJ{M}"),
    ("sk-12345678", "sk-...5678"),
    # nothing to mask: left exactly as it was (and text without any trigger word is not scanned)
    ("model gpt-5.5 served in 200 ms", "model gpt-5.5 served in 200 ms"),
    ("the monkey keyboard", "the monkey keyboard"),
    ("", ""),
])
def test_each_shape(text, shown):
    assert redact(text) == shown


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://app:pw1234@db:5432/gw", f"postgresql://app:{M}@db:5432/gw"),
    ("postgresql://postgres@db/x", "postgresql://postgres@db/x"),  # a user name alone stays
    ("postgresql:/app:pw1234@db/x", f"postgresql:/app:{M}@db/x"),  # one slash: a typo, still masked
    ("postgresql://:pw5678@db/x", f"postgresql://{M}@db/x"),  # no user: only the mask
    ("postgresql://a/b:pw9999@db/x", f"postgresql://{M}@db/x"),  # a '/' in the 'user': not shown
    ("bob:pw4321@db/x", f"bob:{M}@db/x"),  # no scheme: 'bob:' is the user
    ("postgresql://db/x", "postgresql://db/x"),
    ("  postgresql://app:pw8765@db/x  ", f"postgresql://app:{M}@db/x"),
])
def test_mask_url(url, shown):
    assert mask_url(url) == shown
    password = url.split("@")[0].rsplit(":", 1)[-1]
    if "@" in url and M in shown:  # remembered: an error echoing it later is masked too
        assert password not in redact(f"server said: password {password} rejected")


@pytest.mark.parametrize(("url", "shown"), [
    ("https://tok3n@gw.example/v1", f"https://{M}@gw.example/v1"),
    ("https://usr:pw2468@gw.example:8443/v1", f"https://{M}@gw.example:8443/v1"),
    ("http://[::1]:4000/x", "http://[::1]:4000/x"),
    ("http://u:pw1357@[::1]:4000/x", f"http://{M}@[::1]:4000/x"),
    ("https://gw.example/v1", "https://gw.example/v1"),
])
def test_display_url_never_shows_user_info(url, shown):
    assert display_url(url) == shown


def test_redact_obj_walks_documents_and_drops_non_finite_numbers():
    doc = {"a": ["Authorization: Bearer zz9", {"b": float("nan")}], "c": (1, float("inf")), "d": 2.5, "e": None}
    assert redact_obj(doc) == {"a": [f"Authorization: Bearer {M}", {"b": None}], "c": [1, None], "d": 2.5,
                               "e": None}


def test_a_secret_that_begins_another_one_never_leaves_the_longer_ones_tail():
    from aspirectl.secrets.redact import register

    register("Pq7Wz3")
    register("Pq7Wz3Lm9X")
    assert redact("x Pq7Wz3Lm9X y") == f"x {M} y"
    assert redact("x Pq7Wz3 y") == f"x {M} y"


@pytest.mark.parametrize(("url", "password"), [("postgresql://app:Zx91@db/x", "Zx91"), ("bob:Qw83@db/x", "Qw83")])
def test_a_short_typed_password_is_remembered_too(url, password):
    """A DB password of 4 characters is still masked when an error echoes it later."""
    assert password not in mask_url(url)
    assert redact(f"FATAL: password {password} rejected") == f"FATAL: password {M} rejected"


def test_runs_from_inside_a_secret_at_every_place_a_text_can_hold_them():
    from aspirectl.secrets.redact import register

    secret = "Rt5Yu8Io1Pa4Sd7Fg0Hj3Kl6"  # 24 characters
    register(secret)
    tail, head = secret[-12:], secret[2:14]
    assert redact(f"ends with {tail}") == f"ends with {M}"  # the secret's last 12, at the text's end
    assert redact(tail) == M  # a text of exactly 12 characters
    assert redact(f"{head} and {tail} twice") == f"{M} and {M} twice"  # two runs, two masks
    assert redact(f"x {secret[1:19]} y") == f"x {M} y"  # 18 characters: overlapping windows, one mask
    assert redact(f"x {secret[1:12]} y") == f"x {secret[1:12]} y"  # 11: not enough


def test_display_url_remembers_a_short_password_and_user():
    assert display_url("https://uQ7z:Ab12@gw.example/x") == f"https://{M}@gw.example/x"
    assert redact("upstream said Ab12 and uQ7z") == f"upstream said {M} and {M}"
