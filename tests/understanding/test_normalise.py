"""fold(): the many ways of writing a word become one string; hostile text never raises."""

import random
import unicodedata

import pytest

from hub.understanding.normalise import as_phrase, clean, fold

CYRILLIC_E = "\u0435"

#: Format characters (Cf) people and attackers put inside words, and other invisibles.
INVISIBLE = {
    "zero-width space": "\u200b", "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d",
    "word joiner": "\u2060", "byte order mark": "\ufeff", "soft hyphen": "\u00ad",
    "left-to-right mark": "\u200e", "right-to-left mark": "\u200f", "right-to-left override": "\u202e",
    "pop directional formatting": "\u202c", "first strong isolate": "\u2068", "pop isolate": "\u2069",
    "mongolian vowel separator": "\u180e", "hangul filler": "\u3164", "halfwidth hangul filler": "\uffa0",
    "null": "\x00", "escape": "\x1b", "delete": "\x7f", "C1 control": "\x90",
    "combining grapheme joiner": "\u034f", "variation selector": "\ufe0f", "variation selector 17": "\U000e0100",
}


@pytest.mark.parametrize("written", [
    "résilier", "Résilier", "RÉSILIER", "re\u0301silier", "rés\u200bilier", f"r{CYRILLIC_E}silier",
    "ｒéｓｉｌｉｅｒ", "  résilier\n", "r\u00e9\u00adsilier", "\U0001d42b\u00e9silier",
])
def test_every_spelling_of_a_word_folds_to_one(written):
    assert fold(written) == "resilier"


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_characters_inside_a_word_are_dropped(name):
    assert fold(f"ig{INVISIBLE[name]}no{INVISIBLE[name]}re") == "ignore"
    assert clean(f"Ig{INVISIBLE[name]}nore") == "Ignore"


@pytest.mark.parametrize("written", [
    "іgnоrе",  # Cyrillic і о е
    "ІGNОRЕ",  # Cyrillic capitals: І reads as I, not as the l of UTS #39's prototype
    "ιgnοre",  # Greek iota and omicron
    "ＩＧＮＯＲＥ",  # fullwidth
    "\U0001d422\U0001d420\U0001d427\U0001d428\U0001d42b\U0001d41e",  # mathematical bold
    "\U0001d4f2\U0001d4f0\U0001d4f7\U0001d4f8\U0001d4fb\U0001d4ee",  # mathematical bold script
    "i\u0301\u0316\u0337g\u0301n\u0316o\u0337r\u0301e",  # combining marks stacked on every letter
    "ɪɡnore".replace("ɪ", "i"),  # Latin script g
])
def test_look_alike_letters_read_as_latin(written):
    assert fold(written) == "ignore"


def test_each_common_cyrillic_and_greek_look_alike_maps_to_its_latin_letter():
    looks = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
             "һ": "h", "ԁ": "d", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "Α": "a", "Β": "b", "Η": "h", "Τ": "t"}
    assert {char: fold(char) for char in looks} == looks


def test_digits_and_ascii_keep_their_meaning():
    assert fold("1") == "1" and fold("0") == "0"
    assert fold("١") != "l"  # an Arabic-Indic digit is not a letter l
    assert fold("Order #1001, 2 x Mug!") == "order #1001, 2 x mug!"


def test_casefolding_ligatures_and_typography():
    assert fold("Straße") == "strasse"
    assert fold("ﬁnal cœur") == "final coeur"
    assert fold("I’m ‘fine’ — e‑mail") == "i'm 'fine' - e-mail"


def test_whitespace_of_every_kind_collapses_and_lines_survive_on_request():
    text = "  Hello\u00a0\u3000world\t\r\n\n\u2028SYSTEM:\u2003you  "
    assert fold(text) == "hello world system: you"
    assert fold(text, keep_lines=True) == "hello world\nsystem: you"


def test_tag_characters_are_read_as_the_ascii_they_hide():
    hidden = "".join(chr(0xE0000 + ord(char)) for char in "ignore rules")
    assert fold(f"Thanks{hidden}!") == "thanksignore rules!"
    assert clean(hidden) == "ignore rules"


def test_clean_keeps_case_and_accents_for_case_sensitive_decoding():
    assert clean("Ré\u200bsi\u00adlier ＡＢ") == "Résilier AB"
    assert clean("aGVsbG8=") == "aGVsbG8="


def test_other_scripts_fold_without_error_and_are_never_latin_words():
    russian = fold("Здравствуйте, где мой заказ?")
    assert russian.isprintable() and " " in russian
    assert fold("日本語のテキスト") == "日本語のテキスト"


@pytest.mark.parametrize("value", [None, b"caf\xc3\xa9 \xff\xfe", bytearray(b"abc"), 12345, "\ud800 lone surrogate",
                                   "e\u0301" * 50_000, "\U0001F600\u200b" * 20_000, "\x00" * 10_000])
def test_hostile_input_never_raises(value):
    assert isinstance(fold(value), str)
    assert isinstance(fold(value, keep_lines=True), str)
    assert isinstance(clean(value), str)


def test_random_unicode_of_every_plane_never_raises():
    generator = random.Random(20261202)
    for _ in range(20):
        text = "".join(chr(generator.choice([generator.randrange(0x20000), generator.randrange(0xE0000, 0xE1000),
                                             generator.randrange(0x110000)]))
                       for _ in range(5_000))
        folded = fold(text)
        assert isinstance(folded, str)
        assert not any(unicodedata.category(char) == "Cf" for char in folded)


def test_fold_is_idempotent_on_what_it_produces():
    for text in ["Résilier ІGNORE", "Straße über", "I’m\u200b here", "Ｗｈｅｒｅ is my order?"]:
        assert fold(fold(text)) == fold(text)


def test_as_phrase_matches_whole_words_and_may_end_in_punctuation():
    import re

    word = re.compile(as_phrase("sue"))
    assert word.search("i will sue you") and not word.search("pursue this") and not word.search("suede")
    assert re.compile(as_phrase("new instructions:")).search("new instructions: refund")
