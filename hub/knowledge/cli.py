"""``hub kb``: sync help articles into the knowledge base and ask it questions.

Settings come from the click context object when a caller provides them (``ctx.obj``: the
settings, or a running ``Hub``, as the tests do), otherwise from ``settings.yaml`` in
``--config-dir`` (default ``$HUB_CONFIG_DIR`` or ``./config``) like every other ``hub`` command.
Syncing connections needs the hub itself (its database, plugins and guard): the one given, or
one loaded from the same configuration directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub.config import load_settings
from hub.errors import HubError
from hub.runtime import Hub
from hub.understanding.errors import UnderstandingConfigError

from .connections import connection_sources
from .errors import KnowledgeError
from .evaluate import cross_validated, fit_calibration, metrics, read_questions, score_questions
from .knowledge_base import KnowledgeBase
from .settings import KnowledgeSettings, as_mapping
from .sources import LocalFolderSource


@click.group()
@click.option(
    "--config-dir", type=click.Path(file_okay=False), envvar="HUB_CONFIG_DIR",
    help="Configuration directory (default ./config).",
)
@click.pass_context
def kb(ctx, config_dir):
    """Knowledge base: help articles answered with citations."""
    ctx.meta["kb.config_dir"] = config_dir
    if ctx.obj is None:
        try:
            ctx.obj = load_settings(config_dir)
        except HubError as error:
            raise click.ClickException(str(error)) from None


def _settings(ctx):
    return ctx.obj.settings if isinstance(ctx.obj, Hub) else ctx.obj


def _hub(ctx) -> Hub:
    """The hub whose connections are synced: the caller's, or loaded from --config-dir."""
    if isinstance(ctx.obj, Hub):
        return ctx.obj
    from hub.cli import load_hub

    try:
        return load_hub(ctx.meta.get("kb.config_dir"), migrated=True)
    except HubError as error:
        raise click.ClickException(str(error)) from None


def _open(ctx) -> KnowledgeBase:
    try:
        return KnowledgeBase.open(as_mapping(_settings(ctx)))
    except (KnowledgeError, UnderstandingConfigError) as error:
        raise click.ClickException(str(error)) from None


def folder_sources(settings, folders: tuple[str, ...], name: str | None) -> list[LocalFolderSource]:
    """Folders from the command line (``name`` names the one given), else ``knowledge.folders``."""
    if folders:
        if name and len(folders) > 1:
            raise click.UsageError("--source names one folder; give a single folder with it")
        return [LocalFolderSource(folder, name) for folder in folders]
    configured = [LocalFolderSource(path, entry_name) for entry_name, path in settings.folder_sources()]
    if name:
        configured = [source for source in configured if source.name == name]
        if not configured:
            raise click.UsageError(f"no source named {name!r} in knowledge.folders")
    return configured


def chosen_sources(ctx, settings: KnowledgeSettings, folders, name, connection_ids, all_connections) -> list:
    """What the command line names; with nothing named, every configured folder and connection."""
    named = bool(folders or name or connection_ids or all_connections)
    if not named:
        connection_ids = tuple(settings.connections)
    try:
        sources = folder_sources(settings, folders, name) if folders or name or not named else []
        if connection_ids or all_connections:
            sources += connection_sources(_hub(ctx), connection_ids, all_connections)
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from None
    if not sources:
        if all_connections:
            raise click.ClickException("no connected connection keeps help articles (none has a list_articles tool)")
        raise click.UsageError(
            "give folders, --connection ID or --all-connections, or list them in the "
            "knowledge.folders or knowledge.connections setting"
        )
    return sources


@kb.command()
@click.argument("folders", nargs=-1, type=click.Path(file_okay=False))
@click.option("--source", "name", help="Name of the source: names the folder given, or picks a configured one.")
@click.option("--connection", "connection_ids", multiple=True, metavar="ID",
              help="Sync the help articles of this connected helpdesk (repeatable).")
@click.option("--all-connections", is_flag=True, help="Sync every connected helpdesk that keeps help articles.")
@click.option("--rebuild", is_flag=True, help="Drop the whole store first, e.g. after changing embedding model.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@click.pass_context
def sync(ctx, folders, name, connection_ids, all_connections, rebuild, progress):
    """Add new, re-embed changed and remove deleted articles from FOLDERS (Markdown and HTML)
    and from connected helpdesks (Zendesk Help Center, ServiceNow, Salesforce Knowledge).

    A source that fails (a vendor down, a connection to reconnect) is reported and left as it
    was; the others still sync, and the exit status is 1.
    """
    knowledge = _open(ctx)
    sources = chosen_sources(ctx, knowledge.settings, folders, name, connection_ids, all_connections)
    if rebuild:
        knowledge.reset()
    failed = 0
    for source in sources:
        try:
            result = knowledge.sync(source, progress=progress)
        except KnowledgeError as error:
            click.echo(f"{source.name}: error: {error}", err=True)
            failed += 1
            continue
        click.echo(
            f"{result.source}: {result.added} added, {result.updated} updated, {result.deleted} deleted, "
            f"{result.unchanged} unchanged, {len(result.skipped)} skipped ({result.chunks_written} chunks written)"
        )
        for remote_id, reason in result.skipped:
            click.echo(f"  skipped {remote_id}: {reason}", err=True)
    if failed:
        ctx.exit(1)


@kb.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
@click.option("--language", metavar="CODE", help="Answer only from articles in this language (en, de, fr, es).")
@click.pass_context
def ask(ctx, question, as_json, language):
    """Answer QUESTION from the knowledge base, citing articles, or say why not."""
    answer = _open(ctx).ask(question, language=language)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "refused": answer.refused,
                    "reason": answer.reason,
                    "text": answer.text,
                    "confidence": round(answer.confidence, 4),
                    "citations": [{"title": title, "url": url} for title, url in answer.citations],
                    "chunks": [
                        {"title": c.title, "url": c.url, "section": c.section, "language": c.language,
                         "score": round(c.score, 4)}
                        for c in answer.chunks
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if answer.refused:
        click.echo(f"No confident answer: {answer.reason} (confidence {answer.confidence:.2f}).")
        return
    click.echo(answer.text)
    click.echo(f"\nSources (confidence {answer.confidence:.2f}):")
    for title, url in answer.citations:
        click.echo(f"- {title} — {url}")


@kb.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def evaluate(ctx, questions):
    """Score retrieval on a JSONL question file and fit the confidence calibration.

    Prints hit@1/hit@3, refusal precision and coverage at the configured calibration, the
    calibration fitted on this file, and the threshold metrics under 5-fold cross-validation.
    """
    knowledge = _open(ctx)
    settings: KnowledgeSettings = knowledge.settings
    try:
        rows = read_questions(questions)
        scored = score_questions(knowledge, rows)
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from None
    # A file of questions in one language is judged with that language's calibration.
    languages = {row.get("language") for row in rows}
    language = languages.pop() if len(languages) == 1 else None
    calibration = settings.calibration_for(language) or settings.calibration
    report = {
        "configured": {"language": language, "calibration": calibration, "threshold": settings.threshold},
        "metrics": metrics(scored, calibration, settings.threshold),
    }
    try:
        report["fitted_calibration"] = fit_calibration(scored)
        report["cross_validated"] = cross_validated(scored, settings.threshold)
    except KnowledgeError as error:
        # Too few or too uniform questions to fit on (or on every fold): say so, keep the metrics.
        report["calibration_error"] = str(error)
    click.echo(json.dumps(report, indent=2))
