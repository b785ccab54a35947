import doctest

import pytest

from generators import errors
from generators.errors import ToonbeatError, check_choice


def test_an_unknown_choice_is_an_error_that_lists_the_choices():
    with pytest.raises(ToonbeatError, match=r"unknown music backend 'jukebox' \(choose from auto, audiocraft\)"):
        check_choice("jukebox", ("auto", "audiocraft"), "music backend")
    check_choice("auto", ("auto", "audiocraft"), "music backend")


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(errors).failed == 0
