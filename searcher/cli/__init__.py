"""The command line: `search` and its commands (`app`), and how it renders results.

`app.py` holds the Typer app and what the commands share; each command lives in a module
by job and is registered here, in the order `search --help` lists them.
"""

from searcher.cli.app import DashedText, app
from searcher.cli.browsing import duplicates_command, show_command, stats_command
from searcher.cli.evaluation import eval_command, run_command
from searcher.cli.indexing import index_command, optimize_command
from searcher.cli.quoting import quotes_command, speakers_command
from searcher.cli.searching import query_command, similar_command
from searcher.cli.serving import serve_command

app.command("index")(index_command)
app.command("query", cls=DashedText)(query_command)
app.command("show")(show_command)
app.command("similar")(similar_command)
app.command("quotes", cls=DashedText)(quotes_command)
app.command("speakers", cls=DashedText)(speakers_command)
app.command("stats")(stats_command)
app.command("serve")(serve_command)
app.command("optimize")(optimize_command)
app.command("run")(run_command)
app.command("eval")(eval_command)
app.command("duplicates")(duplicates_command)

__all__ = ["app"]
