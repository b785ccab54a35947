"""What the generating commands share: their options and a progress line that does not flood the terminal."""

import argparse
from types import SimpleNamespace

from generators.command_options import ProgressLine, add_generator_options
from generators.music.params import MusicParams


def test_a_progress_line_is_rewritten_only_after_a_pause_but_always_when_done(capsys):
    show = ProgressLine(lambda progress: f"music: {progress.fraction:.0%}", seconds_between=3600.0)
    for fraction in (0.1, 0.2, 0.3):
        show(SimpleNamespace(fraction=fraction))
    show(SimpleNamespace(fraction=1.0))
    assert capsys.readouterr().err.split("\r")[1:] == ["music: 10%   ", "music: 100%   "]


def test_a_generating_command_takes_its_output_its_parameters_overwrite_and_library():
    parser = argparse.ArgumentParser()
    add_generator_options(parser, MusicParams, output="out/track.wav", output_help="WAV to write",
                          overwrites="a WAV", kept="the track")
    args = parser.parse_args(["--prompt", "dub techno", "--overwrite", "--library"])
    assert (args.output, args.prompt, args.overwrite, args.library) == ("out/track.wav", "dub techno", True, "")
