"""The command line: a thin layer that parses arguments, calls the library and sets the exit code.

Exit codes: 0 ok, 1 errors in the input, 2 usage, 3 environment or conversion failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import EXIT_OK, BoardpackError, display_path
from .pipeline import build, check, default_out
from .render import TEMPLATES_DIR


def main(argv: list[str] | None = None) -> int:
    """Run the boardpack command line and return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error, 0 on --help
        return int(exc.code or 0)
    try:
        return args.run(args)
    except BoardpackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"boardpack: {count} problem{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
        return exc.exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boardpack", description="Build board papers and meeting packs from a plan.")
    parser.add_argument("--version", action="version", version=f"boardpack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="build every paper (.docx and .pdf) and manifest.json")
    build_cmd.add_argument("plan_dir", type=Path, metavar="PLAN_DIR")
    build_cmd.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: output/<plan folder name>)")
    build_cmd.add_argument("--templates", type=Path, default=TEMPLATES_DIR, metavar="DIR", help="template folder")
    build_cmd.set_defaults(run=_build)
    check_cmd = commands.add_parser("check", help="check a plan and write nothing")
    check_cmd.add_argument("plan_dir", type=Path, metavar="PLAN_DIR")
    check_cmd.set_defaults(run=_check)
    return parser


def _warn(warnings) -> None:
    for warning in warnings:
        print(f"{warning.where}: warning: {warning.message}", file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    result = build(args.plan_dir, args.out or default_out(args.plan_dir), args.templates)
    _warn(result.warnings)
    for doc in result.documents:
        pages = f" ({doc.pages} pages)" if doc.pages else ""
        print(f"wrote {display_path(result.out_dir / doc.path)}{pages}")
    print(f"built {len(result.documents)} documents into {display_path(result.out_dir)}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    prepared = check(args.plan_dir)
    _warn(prepared.warnings)
    print(f"{display_path(args.plan_dir)}: ok ({len(prepared.papers)} papers)")
    return EXIT_OK
