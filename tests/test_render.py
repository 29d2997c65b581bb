import io

from rich.console import Console

from searcher.models import Progress
from searcher.render import ProgressDisplay


def test_progress_on_a_terminal_is_a_bar_with_files_articles_and_rate() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with ProgressDisplay(console) as show:
        show(Progress(0, 4, 0))
        show(Progress(2, 4, 30))
    text = out.getvalue()
    assert "Indexing" in text and "2/4" in text and "30 articles" in text


def test_progress_off_a_terminal_is_periodic_plain_lines() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    with ProgressDisplay(console, interval=3600) as show:
        for done in range(5):
            show(Progress(done, 4, done * 10))
    # Within the interval only the last step is worth a line.
    [line] = out.getvalue().splitlines()
    assert line.startswith("indexed 4/4 files, 40 articles, ")


def test_no_progress_when_disabled() -> None:
    out = io.StringIO()
    with ProgressDisplay(Console(file=out, force_terminal=True), enabled=False) as show:
        show(Progress(1, 1, 1))
    assert out.getvalue() == ""
