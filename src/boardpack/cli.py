"""The command line: a thin layer that parses arguments, calls the library and sets the exit code.

Exit codes: 0 ok, 1 errors in the input, 2 usage, 3 environment or conversion failure (and, said in one line,
an internal error: a bug; ``BOARDPACK_DEBUG=1`` shows its traceback); stopped by a signal, 128 + its number
(130 Ctrl-C, 129 a closed terminal, 143 SIGTERM).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .convert.converter import MODES, Converter, interrupt, parse_remote
from .errors import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE, BoardpackError, display_path
from .pipeline.paths import default_out
from .pipeline.unchanged import input_digest, unchanged
from .plan.templates import TEMPLATES_DIR, TemplateFolders, template_folder_problem

if TYPE_CHECKING:
    from .pipeline.builder import BuildResult, Prepared


# The pipeline (and the libraries it reads and writes documents with) is imported by the commands that run
# it, not here: `boardpack --help`, a usage error or `boardpack serve` import none of it.
def build(*args, **kwargs) -> BuildResult:
    from .pipeline.builder import build

    return build(*args, **kwargs)


def check(*args, **kwargs) -> Prepared:
    from .pipeline.builder import check

    return check(*args, **kwargs)


def run() -> int:
    """The ``boardpack`` program: the command line, a build handed to the fork server when one runs."""
    return main(hand_over=True)


def main(argv: list[str] | None = None, hand_over: bool = False) -> int:
    """Run the boardpack command line and return its exit code.

    With *hand_over* (the program, not a caller in Python), a build or check with work to do runs in
    the fork server if one is running for this user and version (``pipeline/forkserver.py``).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error, 0 on --help
        return int(exc.code or 0)
    args.argv, args.hand_over = list(sys.argv[1:] if argv is None else argv), hand_over
    with Stops() as stops:
        try:
            return _run(args)
        except KeyboardInterrupt:
            print("boardpack: stopped; the previous output is kept as it was", file=sys.stderr)
            return 128 + stops.signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stops:
    """While a command runs, SIGTERM and SIGHUP (a closed terminal) stop it as Ctrl-C does.

    Each raises KeyboardInterrupt in the main thread, so staging and work folders are removed on the
    way out; the busy warm LibreOffices are killed first, so that this takes a moment, not the rest
    of a conversion. A signal ignored when boardpack started (``nohup``) stays ignored, a second one
    while stopping is ignored too, and the previous handlers are back when the command returns.

    Python runs a signal's handler wherever the main thread is, and where it cannot pass an exception on
    (a ``__del__``, a weak reference's callback, an at-fork handler) it prints it and carries on: such a
    stop is raised again, once that is over (``_unraisable``), rather than lost.
    """

    def __init__(self):
        self.signum = signal.SIGINT
        self.stopping = False
        self.dropped = False  # a stop Python dropped, to be raised again (``_unraisable``)
        self.previous: dict[int, object] = {}
        self.hook = None

    def __enter__(self) -> Stops:
        if threading.current_thread() is threading.main_thread():  # signals are handled there only
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self.previous[signum] = signal.signal(signum, self._stop)
            self.previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._again)
            self.hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def __exit__(self, *exc) -> None:
        if signal.SIGALRM in self.previous:
            signal.setitimer(signal.ITIMER_REAL, 0)  # a stop dropped as the command ended: the command's result
        self.dropped = False
        for signum, previous in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        if self.hook is not None and sys.unraisablehook == self._unraisable:
            sys.unraisablehook = self.hook

    def _unraisable(self, unraisable) -> None:  # noqa: ANN001 - sys.UnraisableHookArgs
        """Raise again a stop Python could not pass on (printed and dropped, it would leave the build
        running): in a moment (SIGALRM), once the code that dropped it is done; raised now, it would be
        raised in this hook, and dropped again. No thread is started here: a ``__del__`` may run while
        this thread holds the lock that starting one takes."""
        stop = isinstance(unraisable.exc_value, KeyboardInterrupt) and self.stopping
        if stop and threading.current_thread() is threading.main_thread() and signal.SIGALRM in self.previous:
            self.stopping, self.dropped = False, True
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            return
        if self.hook is not None:
            self.hook(unraisable)

    def _again(self, signum: int, frame) -> None:
        if self.dropped:
            self.dropped = False
            self._stop(self.signum, frame)

    def _stop(self, signum: int, frame) -> None:
        if self.stopping:
            return
        self.stopping, self.signum, self.dropped = True, signum, False
        interrupt()
        raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    """Run the command *args* names and return its exit code, saying what went wrong (never a traceback)."""
    try:
        return args.run(args)
    except BoardpackError as exc:
        report_error(exc)
        return exc.exit_code
    except OSError as exc:  # a fault of the system the library did not name: still no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{where}{exc.strerror or exc}", file=sys.stderr)
        print("boardpack: 1 problem; nothing was written", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception as exc:  # a bug in boardpack, not in the plan: one line, or the traceback when debugging
        if os.environ.get("BOARDPACK_DEBUG") == "1":
            raise
        message = " ".join(str(exc).split())
        print(f"boardpack: internal error: {type(exc).__name__}: {message} (please report this)", file=sys.stderr)
        return EXIT_ENVIRONMENT


def report_error(exc: BoardpackError) -> None:
    """Print every problem of *exc*, one a line, and a count."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = len(exc.problems)
    print(f"boardpack: {count} problem{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boardpack", description="Build board papers and meeting packs from a plan.")
    parser.add_argument("--version", action="version", version=f"boardpack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="build every paper (.docx and .pdf), the packs and manifest.json")
    _build_options(build_cmd)
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")
    build_cmd.set_defaults(run=_build)
    watch_cmd = commands.add_parser("watch", help="build, then rebuild on every save, one line a rebuild")
    _build_options(watch_cmd)
    _serve_options(watch_cmd)
    watch_cmd.set_defaults(run=_watch)
    check_cmd = commands.add_parser("check", help="check a plan and write nothing")
    check_cmd.add_argument("plan_dir", type=Path, metavar="PLAN_DIR")
    check_cmd.add_argument("--templates", type=Path, default=TEMPLATES_DIR, metavar="DIR", help="template folder")
    check_cmd.set_defaults(run=_check)
    serve_cmd = commands.add_parser(
        "serve",
        help="keep LibreOffice warm for builds run with --converter unoserver://HOST:PORT; with --status or "
        "--stop: this user's conversion service (the builds' default converter)",
    )
    serve_cmd.add_argument("--interface", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=2003, help="port to listen on (default: 2003; 0: any free)")
    service = serve_cmd.add_mutually_exclusive_group()
    service.add_argument(
        "--status", action="store_true", help="say whether this user's conversion service runs (exit 0) or not (3)"
    )
    service.add_argument(
        "--stop", action="store_true", help="stop this user's conversion service and wait until it is gone"
    )
    serve_cmd.set_defaults(run=_serve)
    _new_options(commands)
    return parser


def _build_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("plan_dir", type=Path, metavar="PLAN_DIR")
    cmd.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output/<plan folder name>)")
    cmd.add_argument(
        "--force",
        action="store_true",
        help="replace the output folder even if it holds files boardpack did not write or another meeting's output",
    )
    cmd.add_argument("--templates", type=Path, default=TEMPLATES_DIR, metavar="DIR", help="template folder")
    cmd.add_argument("--no-site", action="store_true", help="do not write site/, the HTML edition of the public papers")
    cmd.add_argument(
        "--convert-timeout",
        type=_seconds,
        metavar="SECONDS",
        default=os.environ.get("BOARDPACK_CONVERT_TIMEOUT") or None,  # a string: argparse checks it with _seconds
        help="give up on a document LibreOffice has not converted by then (env BOARDPACK_CONVERT_TIMEOUT)",
    )
    cmd.add_argument(
        "--converter",
        metavar="HOW",
        help="service (this user's LibreOffices kept warm across builds, started on demand, needs python3-uno), "
        "warm (kept for this process only), soffice (started per build), or unoserver://HOST:PORT (a running "
        "unoserver elsewhere; several, comma-separated, share the documents, and one that is down is left out); "
        "default: auto, the service when it can, else soffice (env BOARDPACK_CONVERTER)",
    )


def _seconds(text: str) -> float:
    """Return *text* as seconds above zero, or raise ArgumentTypeError (a usage error, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return value


def _converter(args: argparse.Namespace) -> Converter | None:
    """Return the converter the options ask for (or BOARDPACK_CONVERTER), or None after saying what is
    wrong with them: every bad entry of a list of unoservers, one a line."""
    how = args.converter or os.environ.get("BOARDPACK_CONVERTER") or None
    if how is None or how in MODES:
        return Converter(timeout=args.convert_timeout, mode=args.converter or "auto")
    try:
        parse_remote(how)
    except ValueError as exc:
        source = "--converter" if args.converter else "BOARDPACK_CONVERTER"
        for line in str(exc).splitlines():
            print(f"boardpack: {source}: {line}", file=sys.stderr)
        return None
    return Converter(timeout=args.convert_timeout, remote=how)


def _templates_fit(folder: Path) -> bool:
    """Return whether *folder* can be the template folder, after saying why not (before any build work)."""
    problem = template_folder_problem(folder)
    if problem:
        print(f"boardpack: --templates: {problem}", file=sys.stderr)
    return problem is None


def _build(args: argparse.Namespace) -> int:
    converter = _converter(args)
    if converter is None or not _templates_fit(args.templates):
        return EXIT_USAGE
    out = args.out or default_out(args.plan_dir)
    folders = TemplateFolders.for_plan(args.plan_dir, args.templates).folders
    found = unchanged(out, input_digest(args.plan_dir, folders, out, not args.no_site))
    if found is not None:  # nothing changed since the last build: say so, import no stage
        _warn(found.warnings)
        if not args.quiet:
            documents = [d for d in found.documents if d["kind"] != "site"]
            print(f"nothing changed since the last build: {len(documents)} documents up to date in {display_path(out)}")
        return EXIT_OK
    handed = _hand_over(args)
    if handed is not None:
        return handed
    with ProgressBar(enabled=not args.quiet) as bar:
        result = build(args.plan_dir, out, args.templates, bar, converter, force=args.force, site=not args.no_site)
    if _hands_over(args):  # built here (the first build starts the server): leave the server what was read
        from .pipeline.forkserver import teach

        teach()
    _warn(result.warnings)
    if not args.quiet:
        try:
            _wrote(result.out_dir, result.documents)
        except BrokenPipeError:  # the reader of the list went away (`| head`): the build is done all the same
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python exits
    return EXIT_OK


def _hand_over(args: argparse.Namespace) -> int | None:
    """Run the command in the fork server and return its exit code, or None to run it here: when not
    asked to, when the converter is not the service's (the default), or when no server runs."""
    if not _hands_over(args):
        return None
    from .pipeline.forkserver import hand_over

    return hand_over(args.argv)


def _hands_over(args: argparse.Namespace) -> bool:
    """Whether the command line may run this command in the fork server: asked to, with the service's converter."""
    how = getattr(args, "converter", None) or os.environ.get("BOARDPACK_CONVERTER") or "auto"
    return bool(args.hand_over) and how in ("auto", "service")


def _wrote(out_dir: Path, documents) -> None:
    """Say what the output folder holds, a line per document (the site's files in one)."""
    site = [doc for doc in documents if doc.kind == "site"]
    for doc in (d for d in documents if d.kind != "site"):
        pages = f" ({doc.pages} page{'s' if doc.pages != 1 else ''})" if doc.pages else ""
        print(f"wrote {display_path(out_dir / doc.path)}{pages}")
    if site:
        print(f"wrote {len(site)} files of the HTML edition into {display_path(out_dir / 'site')}")
    print(f"built {len(documents) - len(site)} documents into {display_path(out_dir)}")


def _watch(args: argparse.Namespace) -> int:
    from .pipeline.watch import watch  # imported here: only this command needs watchfiles

    converter = _converter(args)
    if converter is None or not _templates_fit(args.templates):
        return EXIT_USAGE
    out = args.out or default_out(args.plan_dir)
    if args.serve and (getattr(args, "no_site", False) or not 0 <= args.port <= 65535):
        print("boardpack: --serve needs the site (no --no-site) and a --port from 0 to 65535", file=sys.stderr)
        return EXIT_USAGE
    preview = _preview(out / "site", args.port) if args.serve else None
    print(f"watching {display_path(args.plan_dir)} and {display_path(args.templates)}; Ctrl-C to stop", flush=True)
    try:
        rebuilt = preview.notify if preview else lambda: None
        watch(
            args.plan_dir,
            out,
            args.templates,
            converter,
            _watch_line,
            force=args.force,
            site=not args.no_site,
            rebuilt=rebuilt,
        )
    finally:
        if preview:
            preview.stop()
    return EXIT_OK


def _serve_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--serve", action="store_true", help="preview the output's site/ on 127.0.0.1, reloaded after each rebuild"
    )
    cmd.add_argument(
        "--port", type=int, default=8000, metavar="N", help="the preview's port, or the next free (default: 8000)"
    )


def _preview(site: Path, port: int):  # noqa: ANN202 - a PreviewServer, imported only when serving
    """Start the preview server of ``watch --serve`` on *site* and print its address."""
    from .site.serve import PreviewServer  # imported here: only --serve serves

    preview = PreviewServer(site, port=port).start()
    print(f"previewing the site at {preview.url} (each page reloads after a rebuild)", flush=True)
    return preview


def _serve(args: argparse.Namespace) -> int:
    from .convert.serve import serve  # imported here: only this command serves

    if args.status or args.stop:
        return _service(args.stop)

    def ready(url: str) -> None:
        print(f"converting for builds run with --converter {url}; Ctrl-C to stop", flush=True)

    serve(args.interface, args.port, ready=ready)
    return EXIT_OK


def _service(stop: bool) -> int:
    """``serve --status`` and ``serve --stop``: this user's conversion service (see convert/service.py)."""
    from .convert import client
    from .convert.service import Unavailable

    try:
        found = client.stop() if stop else client.status()
    except Unavailable as exc:
        print(f"boardpack: the conversion service: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if found is None:
        print(
            f"no conversion service runs for boardpack {__version__} ({'nothing to stop' if stop else 'not running'})"
        )
        return EXIT_OK if stop else EXIT_ENVIRONMENT
    if stop:
        print(f"stopped the conversion service (pid {found['pid']}) after {found['converted']} documents")
        return EXIT_OK
    forks = found.get("fork_server")
    print(
        f"the conversion service runs: pid {found['pid']}, socket {found['socket']}, up {found['uptime']:.0f} s, "
        f"stops after {found['idle_timeout']:g} s idle; {found['converted']} documents converted, "
        f"{found['starts']} LibreOffice starts; "
        + (f"builds run in its fork server (pid {forks})" if forks else "no fork server: builds run on their own")
    )
    return EXIT_OK


def _watch_line(result: BuildResult | BoardpackError, seconds: float) -> None:
    stamp = time.strftime("%H:%M:%S")
    if isinstance(result, BoardpackError):
        problems = "; ".join(str(p) for p in result.problems)
        print(f"{stamp} failed in {seconds:.1f} s, previous output kept: {problems}", flush=True)
        return
    rebuilt = ", ".join(result.rebuilt) or "nothing (all from the cache)"
    changes = result.changes
    changed = ", ".join(c.paper for c in changes.changed) if changes and changes.changed else "none"
    print(f"{stamp} rebuilt {rebuilt} and the packs in {seconds:.1f} s; papers changed: {changed}", flush=True)


def _warn(warnings) -> None:
    for warning in warnings:
        print(f"{warning.where}: warning: {warning.message}", file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    if not _templates_fit(args.templates):
        return EXIT_USAGE
    handed = _hand_over(args)
    if handed is not None:
        return handed
    prepared = check(args.plan_dir, args.templates)
    _warn(prepared.warnings)
    count = len(prepared.papers)
    print(f"{display_path(args.plan_dir)}: ok ({count} paper{'s' if count != 1 else ''})")
    return EXIT_OK


def _new_options(commands) -> None:  # noqa: ANN001 - argparse's subparsers action
    """Add ``new meeting DIR`` and ``new paper DIR/SLUG`` (the library is boardpack.scaffold)."""
    from .scaffold import DEFAULT_COMMITTEE, DEFAULT_PAPER

    new_cmd = commands.add_parser("new", help="start a meeting folder, or add a paper to one (never overwrites)")
    kinds = new_cmd.add_subparsers(dest="kind", required=True, metavar="WHAT")
    meeting = kinds.add_parser("meeting", help="write a meeting folder with one paper, or a copy of an earlier one")
    meeting.add_argument("folder", type=Path, metavar="DIR")
    meeting.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="the date (default: DIR's name's)")
    meeting.add_argument("--committee", help=f"the committee (default: {DEFAULT_COMMITTEE}; with --from, the copy's)")
    meeting.add_argument("--paper", metavar="SLUG", help=f"the first paper's folder (default: {DEFAULT_PAPER})")
    meeting.add_argument(
        "--from", dest="source", type=Path, metavar="PLAN_DIR", help="copy an earlier meeting, its dates set to --date"
    )
    meeting.set_defaults(run=_new_meeting)
    paper = kinds.add_parser("paper", help="add a paper's folder to a meeting and its item to the agenda's end")
    paper.add_argument("paper_dir", type=Path, metavar="DIR/SLUG")
    paper.add_argument("--title", help="the paper's title (default: from SLUG, risk-update is 'Risk update')")
    paper.set_defaults(run=_new_paper)


def _iso_date(text: str):  # noqa: ANN202 - a datetime.date
    """Return *text* (YYYY-MM-DD) as a date, or raise ArgumentTypeError (a usage error, exit 2)."""
    import datetime as dt
    import re

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD")


def _new_meeting(args: argparse.Namespace) -> int:
    from .scaffold import DEFAULT_COMMITTEE, DEFAULT_PAPER, copy_meeting, dated_folder, new_meeting

    date = args.date or dated_folder(args.folder)
    if date is None or (args.source and args.paper):
        why = "--paper is for a new meeting, not a copy" if date else "give --date YYYY-MM-DD (DIR's name has no date)"
        print(f"boardpack: new meeting: {why}", file=sys.stderr)
        return EXIT_USAGE
    if args.source:
        changed = copy_meeting(args.source, args.folder, date, args.committee)
        print(f"copied {display_path(args.source)} into {display_path(args.folder)}")
        for path in changed:
            print(f"dated {date.isoformat()}: {display_path(path)}")
    else:
        written = new_meeting(args.folder, date, args.committee or DEFAULT_COMMITTEE, args.paper or DEFAULT_PAPER)
        for path in written:
            print(f"wrote {display_path(path)}")
    if not (Path(args.folder) / "templates").is_dir():  # a new body meets the shipped banner at its first build
        print(
            "its papers use boardpack's own Word templates, with MOPAC's banner: for your body's, put them in "
            f"{display_path(Path(args.folder) / 'templates')} (docs/templates.md)"
        )
    print(f"next: boardpack check {display_path(args.folder)}")
    return EXIT_OK


def _new_paper(args: argparse.Namespace) -> int:
    from .scaffold import new_paper

    for path in new_paper(args.paper_dir, args.title):
        print(f"wrote {display_path(path)}")
    return EXIT_OK


class ProgressBar:
    """A rich progress bar on stderr, shown only on a terminal and only once a build has run a moment."""

    DELAY = 0.5

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self.progress = None
        self.task = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, message: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.DELAY:
            return
        if self.progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
            self.progress = Progress(*columns, console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task(message, total=total)
        self.progress.update(self.task, description=message, completed=done, total=total)
