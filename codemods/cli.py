"""The ``dj-asyncify`` command: a thin click layer over ``codemods.runner``."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from codemods import __version__, config, registry, runner
from codemods.registry import all_codemods
from codemods.runner.results import display_path

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it
# The progress bar (stderr, terminals only) is drawn for a stage of at least this many files.
PROGRESS_MIN_FILES = 20


def _names(values: tuple[str, ...]) -> list[str]:
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _check_names(names: list[str], what: str) -> None:
    known = set(registry.names())
    for name in names:
        if name not in known:
            raise click.BadParameter(f"unknown codemod {name!r} (known: {', '.join(sorted(known))})", param_hint=what)


def _check_codes(codes: list[str], what: str) -> None:
    """Each of ``codes`` is a diagnostic code or a prefix of some (``DJA1`` silences requests-to-httpx)."""
    known = [c.code for _cm, c in registry.all_codes()]
    for code in codes:
        if not any(k.startswith(code.upper()) for k in known) or len(code) < 4:
            raise click.BadParameter(
                f"unknown diagnostic code {code!r} (see `dj-asyncify explain --codes`)", param_hint=what
            )


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        return text


def build_settings(paths: tuple[Path, ...], **flags: Any) -> config.Settings:
    """Defaults < [tool.dj-asyncify] in the nearest pyproject.toml < command-line flags."""
    pyproject = config.find_pyproject(paths[0] if paths else Path.cwd())
    table = config.load_table(pyproject) if pyproject else {}
    origin = str(pyproject) if pyproject else "config"
    root = pyproject.parent if pyproject else Path.cwd()
    # The registry imports only each codemod's __init__ (no libcst).
    known = {cm.name: dict(cm.options) for cm in all_codemods()}
    options = config.merge_options(table, known, origin)

    sources: dict[tuple[str, str], str] = {(c, o): origin for c, opts in options.items() for o in opts}
    for item in flags["option"]:
        key, sep, value = item.partition("=")
        codemod, dot, opt = key.partition(".")
        if not sep or not dot:
            raise click.BadParameter(f"{item!r}: expected CODEMOD.OPTION=VALUE", param_hint="--option")
        if codemod not in known or opt not in known[codemod]:
            raise click.BadParameter(f"{item!r}: no such codemod option", param_hint="--option")
        parsed = _parse_value(value)
        if isinstance(known[codemod][opt], list) and isinstance(parsed, str):
            parsed = [v.strip() for v in parsed.split(",") if v.strip()]  # a list option: a,b
        options.setdefault(codemod, {})[opt] = parsed
        sources[codemod, opt] = "--option"
    if flags["http_client"]:
        options.setdefault("requests-to-httpx", {})["http-client"] = flags["http_client"]
        sources["requests-to-httpx", "http-client"] = "--http-client"
    for codemod, opts in options.items():
        for opt, value in opts.items():
            default = known[codemod][opt]
            where = sources.get((codemod, opt), origin)
            choices = getattr(next(c for c in all_codemods() if c.name == codemod), "choices", {}).get(opt)
            if choices and value not in choices:
                raise click.BadParameter(
                    f"{codemod}.{opt} must be one of {', '.join(choices)}, not {value!r}", param_hint=where
                )
            if isinstance(default, list):
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    raise click.BadParameter(
                        f"{codemod}.{opt} must be a list of strings (or a comma-separated string "
                        f"with -o), not {value!r}", param_hint=where,
                    )
                continue
            if isinstance(default, bool) != isinstance(value, bool) or isinstance(default, int) != isinstance(value, int):
                raise click.BadParameter(f"{codemod}.{opt} must be like {default!r}, not {value!r}", param_hint=where)

    select = _names(flags["select"]) or table.get("select")
    skip = _names(flags["skip"]) or table.get("skip", [])
    _check_names(list(select or []), "--select" if flags["select"] else origin)
    _check_names(list(skip), "--skip" if flags["skip"] else origin)
    ignore = [*table.get("ignore", []), *_names(flags["ignore"])]
    _check_codes(table.get("ignore", []), origin)
    _check_codes(_names(flags["ignore"]), "--ignore")
    if select and set(select) <= set(skip):
        raise click.BadParameter(
            f"every selected codemod is also skipped ({', '.join(select)}): nothing would run",
            param_hint="--select/--skip",
        )
    target_text = flags["target_django"] or table.get("target-django")
    if target_text:
        target_origin = "--target-django" if flags["target_django"] else origin
        target, target_source = config.parse_version(target_text, target_origin), target_origin
    else:
        target, target_source = _declared_django(paths, pyproject)
    jobs = flags["jobs"] if flags["jobs"] is not None else table.get("jobs", 0)
    cache_dir = None if flags["no_cache"] or table.get("cache") is False else config.default_cache_dir(root)
    return config.Settings(
        select=tuple(select) if select else None,
        skip=tuple(skip),
        target_django=target,
        options=options,
        exclude=tuple(table.get("exclude", [])) + tuple(flags["exclude"]),
        jobs=max(0, jobs),
        cache_dir=cache_dir,
        root=root,
        ignore=tuple(code.upper() for code in ignore),
        max_file_size=flags["max_file_size"] if flags["max_file_size"] is not None
        else table.get("max-file-size", config.DEFAULT_MAX_FILE_SIZE),
        target_django_source=target_source,
    )


def _declared_django(paths: tuple[Path, ...], pyproject: Path | None) -> tuple[tuple[int, int], str]:
    """The Django version the project declares (``codemods.project.django_version``) and the file
    that says so; else the default, with the reason when a dependency file could not be read. The
    project: the folder of the configuration's pyproject.toml, else the first path's folder and
    its parents up to the project root."""
    from codemods.project.django_version import find
    from codemods.project.test_dependencies import project_folders

    if pyproject is not None:
        folders = [pyproject.parent]
    else:
        start = (paths[0] if paths else Path.cwd()).resolve()
        folders = project_folders(start if start.is_dir() else start.parent)
    problems = []
    for folder in folders:
        found = find(folder)
        problems += found.problems
        if found.version is not None:
            return found.version, str(found.source)
    if problems:
        return config.DEFAULT_TARGET_DJANGO, f"default; {problems[0].message}"
    return config.DEFAULT_TARGET_DJANGO, "default"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dj-asyncify")
def main() -> None:
    """Codemods that move Django code to correct, useful async."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--diff", is_flag=True, help="Print a unified diff of the changes; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--select", multiple=True, metavar="NAMES", help="Only these codemods (comma-separated or repeated).")
@click.option("--skip", multiple=True, metavar="NAMES", help="Not these codemods.")
@click.option("--target-django", metavar="X.Y", help="Emit only APIs that exist in this Django version (default: the lowest the project's "
              "dependency files allow, else 5.2).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), help="Worker processes (default: CPU count).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Also skip paths matching GLOB (repeatable).")
@click.option("--option", "-o", multiple=True, metavar="CODEMOD.KEY=VALUE", help="Set a codemod option.")
@click.option("--http-client", type=click.Choice(["httpx", "httpx2", "auto"]), help="Client requests-to-httpx emits.")
@click.option(
    "--output-format", "--report", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
    show_default=True, help="text: one line per diagnostic; json: everything; github: workflow annotations.",
)
@click.option(
    "--ignore", multiple=True, metavar="CODES",
    help="Do not print these diagnostic codes, or codes starting so (DJA2: all of gather-awaits).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--max-file-size", type=click.IntRange(min=0), metavar="BYTES",
    help="Skip (and report) files larger than this (default 2 MiB; 0: no limit).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list every rewrite made.")
@click.option("-q", "--quiet", is_flag=True, help="Print only diagnostics and errors, no summary.")
def apply(
    paths: tuple[Path, ...], diff: bool, check: bool, output_format: str, verbose: bool, quiet: bool, **flags: Any
) -> None:
    """Rewrite the Python files under PATHS in place (or preview with --diff / --check)."""
    try:
        settings = build_settings(paths, **flags)
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    mode = "diff" if diff else "check" if check else "apply"
    err = click.get_text_stream("stderr")
    show_progress = output_format == "text" and not quiet and err.isatty()

    def progress(done: int, total: int, stage: str) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        width = 30
        filled = width * done // total
        label = "scanning" if stage == "scan" else "rewriting"
        err.write(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done == total:
            err.write("\r" + " " * (width + 40) + "\r")
        err.flush()

    try:
        result = runner.run(list(paths), settings, mode, progress if show_progress else None)
    except (KeyboardInterrupt, runner.Interrupted) as exc:
        # Writes are atomic: every file is either rewritten completely or untouched.
        err.write("\ninterrupted: files already rewritten are complete; the others are unchanged\n")
        sys.exit(exc.code if isinstance(exc, runner.Interrupted) else EXIT_INTERRUPTED)

    if settings.ignore:  # only what is printed: what is rewritten (and cached) stays the same
        for res in result.files:
            res.diagnostics = [d for d in res.diagnostics if not d.code.startswith(settings.ignore)]
    if output_format == "json":
        data = result.to_json()
        data["summary"]["target_django"] = {
            "version": f"{settings.target_django[0]}.{settings.target_django[1]}",
            "source": _target_source(settings),
        }
        if diff:
            for entry, res in zip(data["files"], result.files):
                entry["diff"] = res.diff
        click.echo(json.dumps(data, indent=2))
    elif output_format == "github":
        _print_github(result, check=check or diff, verbose=verbose)
    else:
        _print_text(result, diff=diff, check=check, verbose=verbose, quiet=quiet, target=_target_text(settings))
    if result.failed:
        sys.exit(EXIT_ERROR)
    if check and result.changed:
        sys.exit(EXIT_CHANGES)
    sys.exit(EXIT_OK)


def _target_source(settings: config.Settings) -> str:
    """Where the target version came from; a dependency file named as the diagnostics name files."""
    source = settings.target_django_source
    return display_path(Path(source)) if os.path.isabs(source) else source


def _target_text(settings: config.Settings) -> str:
    """``target Django 4.2 (from requirements/base.txt)``: the version used and where it came from."""
    major, minor = settings.target_django
    source = _target_source(settings)
    return f"target Django {major}.{minor} ({source if source.startswith('default') else 'from ' + source})"


def _print_text(
    result: runner.RunResult, *, diff: bool, check: bool, verbose: bool, quiet: bool, target: str = ""
) -> None:
    out = click.get_text_stream("stdout")
    color = out.isatty() and "NO_COLOR" not in os.environ
    for res in result.files:
        if diff and res.diff:
            if not color:
                # The files' own bytes (encoding, BOM, line endings), so that patch/git apply accept it.
                out.flush()
                raw = click.get_binary_stream("stdout")
                raw.write(res.diff.encode("utf-8", "surrogateescape"))
                raw.flush()
                continue
            for line in res.diff.encode("utf-8", "surrogateescape").decode("utf-8", "replace").splitlines(keepends=True):
                style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1])
                if style and not line.startswith(("+++", "---")):
                    out.write(click.style(line, fg=style))
                else:
                    out.write(line)
    err = click.get_text_stream("stderr")
    for res in result.files:
        if res.error:
            click.echo(res.format_error(), err=True)
        if res.skipped is not None:
            click.echo(res.format_skipped(), err=True)
        for d in res.diagnostics:
            if d.kind == "refused" or verbose:
                click.echo(d.format(), err=True)
        if check and res.changed and not diff:
            click.echo(f"would rewrite {res.path}", err=True)
    if quiet:
        return
    changed, failed, skipped = len(result.changed), len(result.failed), len(result.skipped)
    verb = "would change" if (check or diff) else "changed"
    unchanged = len(result.files) - changed - failed - skipped
    parts = [f"{len(result.files)} files scanned", f"{changed} {verb}", f"{unchanged} unchanged", f"{failed} failed"]
    if skipped:
        parts.append(f"{skipped} skipped")
    err.write(", ".join(parts) + (f" ({result.cached} from cache)" if result.cached else "") + "\n")
    fixed, refused = result.counts_by_codemod("fixed"), result.counts_by_codemod("refused")
    notes = result.counts_by_codemod("note")
    for name in sorted(set(fixed) | set(refused) | set(notes)):
        noted = f", {notes[name]} notes{'' if verbose else ' (-v shows them)'}" if notes.get(name) else ""
        err.write(f"  {name}: {fixed.get(name, 0)} rewritten, {refused.get(name, 0)} refused{noted}\n")
    if target:
        err.write(f"  {target}\n")


def _gh(text: str, prop: bool = False) -> str:
    """Escaped for a workflow command: its message, or (``prop``) a property value."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _print_github(result: runner.RunResult, *, check: bool, verbose: bool) -> None:
    """GitHub Actions workflow annotations: a warning per diagnostic (notes as notices, with -v), an
    error per failed file and, with --check/--diff, per file that would change."""
    for res in result.files:
        f = _gh(res.path, prop=True)
        if res.error:
            where = f",line={res.line},col={res.col}" if res.line is not None else ""
            click.echo(f"::error file={f}{where},title=dj-asyncify::{_gh(res.error)}")
        if res.skipped is not None:
            click.echo(f"::warning file={f},title=dj-asyncify::skipped: {_gh(res.skipped)}")
        for d in res.diagnostics:
            level = {"refused": "warning", "note": "notice"}.get(d.kind)
            if level and (level == "warning" or verbose):
                title = _gh(f"{d.code} ({d.codemod})", prop=True)
                click.echo(f"::{level} file={f},line={d.line},col={d.col},title={title}::{_gh(d.message)}")
        if check and res.changed:
            click.echo(f"::error file={f},title=dj-asyncify::would be rewritten (run dj-asyncify apply)")


@main.command(name="list")
def list_codemods() -> None:
    """List the codemods, in the order they run."""
    for cm in all_codemods():
        click.echo(f"{cm.name:<22} {cm.summary} (Django {cm.min_django[0]}.{cm.min_django[1]}+)")


def _plain(text: str) -> str:
    """Docstring markup as plain text: ``code`` -> `code`, ``Example::`` -> ``Example:``."""
    return re.sub(r"``(.+?)``", r"`\1`", text, flags=re.DOTALL).replace("::\n", ":\n")


@main.command()
@click.argument("name", required=False)
@click.option("--full", is_flag=True, help="The codemod's full rules, not only its short page.")
@click.option("--codes", "list_codes", is_flag=True, help="List every diagnostic code.")
def explain(name: str | None, full: bool, list_codes: bool) -> None:
    """Describe a codemod (NAME) or a diagnostic code (DJA101)."""
    if list_codes:
        for cm, c in registry.all_codes():
            click.echo(f"{c.code}  {cm.name:<20} {c.level:<8} {c.title}")
        return
    if not name:
        raise click.UsageError("give a codemod name (see `dj-asyncify list`), a code (DJA101) or --codes")
    found = registry.find_code(name)
    if found is not None:
        cm, c = found
        click.echo(f"{c.code} ({cm.name}, {c.level}): {c.title}\n")
        if c.detail:
            click.echo(c.detail + "\n")
        shown = "always shown" if c.level == "warning" else "shown only with --verbose and in --report json"
        click.echo(f"Level: {c.level} ({shown}).")
        click.echo(f"Silence it: --ignore {c.code}, or ignore = [\"{c.code}\"] in [tool.dj-asyncify].")
        click.echo(f"The rules behind it: dj-asyncify explain {cm.name} --full")
        return
    for cm in all_codemods():
        if cm.name == name:
            click.echo(f"{cm.name}: {cm.summary}\n")
            click.echo(_plain(cm.description if full or not cm.page else cm.page.strip()))
            if full and cm.options:
                click.echo("\nOptions ([tool.dj-asyncify." + cm.name + "] or -o " + cm.name + ".KEY=VALUE):")
                for key, value in cm.options.items():
                    click.echo(f"  {key} = {value!r}")
            if cm.codes:
                click.echo(f"\nCodes: {cm.codes[0].code}-{cm.codes[-1].code} (dj-asyncify explain --codes)")
            if not full:
                click.echo(f"Full rules and options: dj-asyncify explain {cm.name} --full")
            return
    raise click.BadParameter(f"unknown codemod or code {name!r}; see `dj-asyncify list`", param_hint="NAME")
