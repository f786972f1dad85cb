"""A secret never leaves the process: property tests over every output path."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aspirectl.render.health import probe_text
from aspirectl.render.nagios import nagios_text
from aspirectl.render.prometheus import prometheus_text
from aspirectl.render.route import route_text
from aspirectl.render.structured import to_json
from aspirectl.render.table import Style
from aspirectl.sandbox.catalogue import Behaviour
from aspirectl.secrets.redact import redact, register
from tests.sandboxing import probe_box, running, scenario

ALPHABET = string.ascii_letters + string.digits + "_-"
# Random like real keys (mixed case and digits), so that a hit is a leak, not a word of the output.
secrets_st = st.text(ALPHABET, min_size=12, max_size=48).filter(
    lambda s: len(set(s)) >= 6 and any(c.isdigit() for c in s) and any(c.isupper() for c in s)
    and any(c.islower() for c in s))


# no deadline: what is checked is that nothing leaks; the first example also compiles the
# pattern and took 280 ms under a loaded CI run (benchmarks/ measure speed, not tests)
@settings(deadline=None)
@given(secret=secrets_st, before=st.text(max_size=40), after=st.text(max_size=40))
def test_registered_values_are_masked_anywhere(secret, before, after):
    register(secret)
    assert secret not in redact(f"{before}{secret}{after}")
    assert secret not in redact(json.dumps({"error": {"message": f"bad key {secret}"}}))


@given(body=st.text(ALPHABET, min_size=40, max_size=60))
def test_credential_shapes_are_masked_without_registration(body):
    for shaped in (f"sk-ant-api03-{body}", f"sk-ant-oat01-{body}", f"AIza{body[:35]}", f"ya29.{body}",
                   f"eyJ{body[:10]}.{body[10:30]}.{body[30:]}"):
        assert shaped not in redact(f"token {shaped} here"), shaped
    assert body not in redact(f"Authorization: Bearer {body}")
    assert body not in redact(f"x-goog-api-key: {body}")
    assert body not in redact(f"https://generativelanguage.googleapis.com/v1beta/models?key={body}&x=1")
    assert body not in redact(f'{{"refresh_token": "{body}"}}')
    assert body not in redact(f"postgresql://aspire:{body}@db:5432/litellm")
    masked = redact(f"sk-{body}")
    assert body not in masked and masked == f"sk-...{body[-4:]}"


def test_an_upstream_that_echoes_the_key_never_leaks_it():
    """The worst upstream: its 401 body carries the whole key. Every output stays clean."""
    with running(scenario(openai_api=Behaviour(fault="echo_key"))) as box:

        @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(secret=secrets_st, shaped=st.booleans())
        def check(secret: str, shaped: bool) -> None:
            value = f"sk-proj-{secret}" if shaped else secret
            box.sims["openai-api"].credential = value
            creds = {**box.credentials, "openai-api-key": value}
            assessment = probe_box(box, ["gpt-5.5"], credentials=creds)
            result = assessment.report.result("gpt-5.5", "openai-api")
            assert result is not None and result.outcome.value == "auth_invalid"
            decision = assessment.decisions[0]
            outputs = [probe_text(assessment, Style()), probe_text(assessment, Style(rich=True, color=True)),
                       to_json(assessment.to_dict()), prometheus_text(assessment), nagios_text(assessment),
                       route_text(decision, Style()), result.detail, result.excerpt, repr(result)]
            for text in outputs:
                assert secret not in text

        check()


def test_a_password_in_a_url_without_a_scheme_is_masked_on_its_own():
    """'user:password@host' reads like 'scheme:rest': the password was shown unless an earlier
    test had registered it (found by a run in another order). A fresh value, registered by
    nothing else."""
    from aspirectl.secrets.redact import mask_url

    shown = mask_url("bob:Qz7noScheme0pw@127.0.0.1:1/x")
    assert "Qz7noScheme0pw" not in shown and shown.startswith("bob:") and shown.endswith("@127.0.0.1:1/x")
    assert "Qz7noScheme0pw" not in redact("the server said: password Qz7noScheme0pw refused")


def test_what_is_long_enough_to_be_remembered():
    """4 characters with short_ok (a typed DB password), 6 without; nothing shorter, no None."""
    register(None)
    register("")
    register("Zq8", short_ok=True)
    assert redact("pw Zq8 end") == "pw Zq8 end"
    register("kW4p", short_ok=True)
    assert redact("pw kW4p end") == "pw [redacted] end"
    register("Hj5tY")  # 5 characters, not short_ok: an ordinary word could be that
    assert redact("pw Hj5tY end") == "pw Hj5tY end"
    register("Hj5tYu")
    assert redact("pw Hj5tYu end") == "pw [redacted] end"


def test_a_long_secret_echoed_in_part():
    # 16 characters and more: the first half alone is masked (an answer quoting "the key abcd...")
    register("P0q9R8s7T6u5V4w3")  # 16
    assert redact("key P0q9R8s7 is invalid") == "key [redacted] is invalid"
    register("Lm3Nb6Vc9Xz2Qw5")  # 15: its half (7) is too short to mask
    assert redact("key Lm3Nb6V is invalid") == "key Lm3Nb6V is invalid"
    # any 12 characters from inside a secret, wherever they start; 11 are not enough
    register("aB3dE6gH9jK2mN5pQ8sT1vW4yZ7")
    assert redact("got ...6gH9jK2mN5pQ... back") == "got ...[redacted]... back"  # exactly 12
    assert redact("got ...6gH9jK2mN5p... back") == "got ...6gH9jK2mN5p... back"
