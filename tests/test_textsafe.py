"""The one sanitiser of foreign text (aspirectl/textsafe.py), at every edge of what it removes,
keeps and caps: the fuzz properties show nothing escapes; these show exactly what comes out."""

from __future__ import annotations

import pytest

from aspirectl.textsafe import DEFAULT_LIMIT, nagios_text, one_line, optional_line, printable_lines

BREAKING = ["\x00", "\x01", "\x09", "\x0a", "\x0d", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f",
            "\u2028", "\u2029"]
INVISIBLE = ["\u200b", "\u200d", "\u200f", "\u202a", "\u202c", "\u202e", "\u2060", "\u2062", "\u2064", "\u2066",
             "\u2068", "\u2069", "\ufeff"]
KEPT = [" ", "~", "\xa1", "\u00e9", "\u2027", "\u202f", "\u2030", "\u2070", "\ufefe", "\uff10", "…"]


@pytest.mark.parametrize("char", BREAKING, ids=[f"U+{ord(c):04X}" for c in BREAKING])
def test_a_control_or_a_line_break_becomes_one_space(char):
    assert one_line(f"a{char}b") == "a b"
    assert one_line(f"a{char}{char}b") == "a b"  # a run is one space
    assert printable_lines(f"a{char}b") == ("a\nb" if char == "\n" else "a b")


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_an_invisible_or_reordering_character_goes(char):
    assert one_line(f"a{char}b") == "ab"
    assert printable_lines(f"a{char}b") == "ab"


@pytest.mark.parametrize("char", KEPT, ids=[f"U+{ord(c):04X}" for c in KEPT])
def test_a_printable_character_stays(char):
    assert one_line(f"a{char}b").replace(" ", "") == f"a{char}b".replace(" ", "")
    assert printable_lines(f"a{char}b") == f"a{char}b"


def test_spaces_collapse_and_the_ends_are_trimmed():
    assert one_line("a  b") == "a b" and one_line("a   b") == "a b"
    assert one_line("  a b  ") == "a b" and one_line(" a ") == "a"
    assert one_line("a\t \tb") == "a b"
    assert printable_lines("  a  b\n    c") == "  a  b\n    c"  # indentation and spacing kept


def test_the_cap_ends_with_an_ellipsis_and_never_exceeds_the_limit():
    assert one_line("abcdef", 4) == "abc…" and len(one_line("abcdef", 4)) == 4
    assert one_line("abcd", 4) == "abcd" and one_line("abcde", 5) == "abcde"
    assert one_line("abcdef", 1) == "…" and one_line("abcdef", 0) == "…"
    assert one_line("x" * 5000, None) == "x" * 5000
    assert DEFAULT_LIMIT == 2000
    assert one_line("x" * DEFAULT_LIMIT) == "x" * DEFAULT_LIMIT
    capped = one_line("x" * (DEFAULT_LIMIT + 1))
    assert len(capped) == DEFAULT_LIMIT and capped.endswith("x…")


def test_anything_becomes_text_and_nothing_is_empty():
    assert one_line(None) == "" and one_line(42) == "42" and one_line(["a"]) == "['a']"
    assert optional_line(None) is None and optional_line("") is None and optional_line("\x00 \x1b") is None
    assert optional_line(" a\nb ") == "a b" and optional_line("abcdef", 3) == "ab…"


def test_a_nagios_line_has_no_bar_and_no_cap():
    assert nagios_text("a|b\nc") == "a/b c"
    assert nagios_text("OK | perf=1") == "OK / perf=1"
    assert nagios_text("y" * 3000) == "y" * 3000
