"""Editing config/policy.yaml and config/flows/*.yaml while the hub runs (the web config editor).

An edit is checked exactly as the hub checks the files when it loads them — the policy model;
each flow's own validation; across the files, unique flow names and one flow per intent — and
against the runs in flight, whose flow and node must still be there after the edit. Only then is
it written: to a temporary file in the same directory, renamed over the old one (a process reading
it sees the old text or the new, never half of one), and audited with who, which file, both
SHA-256 digests and a unified diff. Running processes take the new version up themselves
(hub.agent.agent watches the files' content).
"""

import difflib
import fcntl
import hashlib
import io
import os
import re
import stat
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError as RoundTripYAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, PlainScalarString
from sqlalchemy import func
from sqlmodel import select

from ..db import session_scope
from ..errors import HubError
from ..models import Run
from .engine import FINISHED
from .flows import FlowError, check_flow_set, load_flow, parse_flow
from .policy import MODES, Policy

#: Flow files the web app may open: lower-case letters, digits and underscores, nothing that
#: could climb out of config/flows.
FLOW_NAME = re.compile(r"[a-z0-9_]{1,64}")


class EditRejected(HubError):
    """An edit that was not written; the message says why (file and node where there is one)."""


class EditConflict(EditRejected):
    """The file changed on disk after the editor was opened; writing would lose that change."""


@dataclass
class Saved:
    file: str  # relative to the config directory
    sha256_before: str | None
    sha256_after: str
    diff: str
    changed: bool
    warnings: list = field(default_factory=list)


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(text):
    """Browsers send a textarea with CRLF line ends; files keep LF and end with one newline."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text if not text or text.endswith("\n") else text + "\n"


def policy_path(hub):
    return hub.config_path / "policy.yaml"


def flows_dir(hub):
    return hub.config_path / "flows"


def flow_path(hub, name, must_exist=True):
    """config/flows/NAME.yaml for a safe NAME (and, by default, an existing file), else None."""
    if not isinstance(name, str) or not FLOW_NAME.fullmatch(name):
        return None
    path = flows_dir(hub) / f"{name}.yaml"
    if must_exist and not path.is_file():
        return None
    return path


def flow_files(hub):
    """``(name, path)`` of every flow file the hub loads, names the editor may open or not."""
    return [(path.stem, path) for path in sorted(flows_dir(hub).glob("*.yaml"))]


def read(path):
    """The file's text, or "" when it does not exist (no policy.yaml means the defaults)."""
    try:
        return path.read_bytes().decode("utf-8")  # bytes as they are: digests are of the file itself
    except FileNotFoundError:
        return ""


def relative(hub, path):
    return str(path.relative_to(hub.config_path))


def _rejected(hub, error):
    """The validator's message, with file names relative to the config directory."""
    return EditRejected(str(error).replace(f"{hub.config_path}{os.sep}", ""))


# -- checking -------------------------------------------------------------------------------------


def taxonomy_intents(hub):
    """The classifier's intent names, or None when the taxonomy cannot be read."""
    from ..understanding.taxonomy import load_taxonomy

    try:
        return load_taxonomy(hub.config_path).names
    except HubError:
        return None


def check_policy(hub, text):
    """The Policy ``text`` gives, as at load time; raises EditRejected. Returns ``(policy, warnings)``."""
    try:
        policy = Policy.from_text(text, policy_path(hub))
    except HubError as error:
        raise _rejected(hub, error) from None
    known = taxonomy_intents(hub)
    warnings = [f"intents.{name}: the taxonomy has no intent {name!r}, so this never applies"
                for name in policy.intents if known is not None and name not in known]
    return policy, warnings


def check_flow(hub, path, text):
    """The Flow ``text`` gives as the file at ``path``, checked as at load time and against the
    other flow files and the runs in flight; raises EditRejected. Returns ``(flow, warnings)``.

    Another flow file that does not validate is reported as a warning, not a refusal: refusing
    would make two broken files impossible to mend one at a time.
    """
    try:
        candidate = parse_flow(text, path, hub.registry)
        others, warnings = [], []
        for _, other in flow_files(hub):
            if other == path:
                continue
            try:
                others.append(load_flow(other, hub.registry))
            except FlowError as error:
                warnings.append(f"{_rejected(hub, error)} — the hub keeps its last good flows until that "
                                f"file is mended")
        check_flow_set([*others, candidate])  # the candidate last, so a clash names its file
    except FlowError as error:
        raise _rejected(hub, error) from None
    _check_runs_in_flight(hub, path, candidate)
    known = taxonomy_intents(hub)
    warnings += [f"{relative(hub, path)}: the taxonomy has no intent {intent!r}; no ticket will come to this "
                 f"flow for it" for intent in candidate.intents if known is not None and intent not in known]
    return candidate, warnings


def _name_on_disk(path):
    try:
        data = yaml.safe_load(read(path))
    except yaml.YAMLError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def _check_runs_in_flight(hub, path, flow):
    """A run that is waiting or running finds its flow and its node after the edit."""
    name = _name_on_disk(path)
    if name is None:
        return
    with session_scope(hub.engine) as session:
        standing = session.exec(select(Run.node, func.count()).where(
            Run.flow == name, Run.state.not_in(FINISHED)).group_by(Run.node)).all()
    where = relative(hub, path)
    if standing and flow.name != name:
        count = sum(number for _, number in standing)
        raise EditRejected(f"{where}: {count} unfinished run(s) use flow {name!r}; keep its name until they finish")
    for node, count in standing:
        if node is not None and node not in flow.nodes:
            raise EditRejected(f"{where}: node {node!r}: {count} unfinished run(s) stand on this node; "
                               f"keep it until they finish")


# -- the rollout-mode form ------------------------------------------------------------------------


def _round_trip():
    parser = YAML()  # round-trip mode: comments, key order and flow style survive
    parser.preserve_quotes = True
    parser.width = 4096  # never re-wrap a long line
    return parser


def set_intent_mode(text, intent, mode):
    """policy.yaml ``text`` with ``intents.<intent>.mode`` set, or removed when ``mode`` is None
    (the default mode then applies); everything else, comments included, stays as it was."""
    if mode is not None and mode not in MODES:
        raise EditRejected(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    parser = _round_trip()
    try:
        data = parser.load(text)
    except RoundTripYAMLError as error:
        raise EditRejected(f"policy.yaml does not parse, so the mode cannot be set: {error}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise EditRejected("policy.yaml must be a mapping to set a mode in it")
    if data.get("intents") is None:
        data["intents"] = CommentedMap()
    intents = data["intents"]
    if not isinstance(intents, dict):
        raise EditRejected("policy.yaml: intents must be a mapping to set a mode in it")
    entry = intents.get(intent)
    if mode is not None:
        if entry is None:
            entry = CommentedMap()
            entry.fa.set_flow_style()  # like the file's own `name: {mode: ...}` lines
            intents[intent] = entry
        elif not isinstance(entry, dict):
            raise EditRejected(f"policy.yaml: intents.{intent} must be a mapping to set a mode in it")
        # The hub reads YAML 1.1 (PyYAML), where a plain `off` is the boolean false: quote it.
        # (Both styles named: ruamel would keep a replaced value's quotes otherwise.)
        entry["mode"] = (DoubleQuotedScalarString if yaml.safe_load(mode) != mode else PlainScalarString)(mode)
    elif isinstance(entry, dict) and "mode" in entry:
        del entry["mode"]
        if not entry:
            del intents[intent]
    out = io.StringIO()
    parser.dump(data, out)
    return out.getvalue()


# -- writing --------------------------------------------------------------------------------------


@contextmanager
def _locked(directory):
    """One edit at a time per directory, across processes (an advisory lock on the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(path, text, mode):
    # The temporary name does not end in .yaml, so no loader ever picks it up.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def save(hub, path, text, actor, expected_sha256, check, create=False):
    """Write ``text`` to ``path`` when ``check(text)`` accepts it and the file is still the version
    the editor showed (``expected_sha256``; None with ``create``). Audited as ``config.edited``."""
    text = normalise(text)
    with _locked(path.parent):
        exists = path.exists()
        if create and exists:
            raise EditRejected(f"{relative(hub, path)} already exists; open it from the list of flows")
        before = read(path) if exists else None
        before_sha = sha256_text(before) if before is not None else None
        if not create and expected_sha256 != (before_sha or sha256_text("")):
            raise EditConflict(f"{relative(hub, path)} changed since you opened it (someone else saved it). "
                               f"Your text is below; reload the page to see theirs, then apply your change again.")
        _, warnings = check(text)
        after_sha = sha256_text(text)
        if before == text:
            return Saved(relative(hub, path), before_sha, after_sha, "", False, warnings)
        diff = "".join(difflib.unified_diff((before or "").splitlines(keepends=True), text.splitlines(keepends=True),
                                            fromfile=f"a/{relative(hub, path)}", tofile=f"b/{relative(hub, path)}"))
        mode = stat.S_IMODE(path.stat().st_mode) if exists else 0o644
        written = False
        try:
            # The audit entry commits after the file is in place, and the file is put back if
            # it cannot: no edit without its entry.
            with session_scope(hub.engine) as session:
                hub.audit("config.edited", {"file": relative(hub, path), "sha256_before": before_sha,
                                            "sha256_after": after_sha, "diff": diff}, actor=actor, session=session)
                _write_atomically(path, text, mode)
                written = True
        except BaseException:
            if written:
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    _write_atomically(path, before, mode)
            raise
    return Saved(relative(hub, path), before_sha, after_sha, diff, True, warnings)


def take_up(hub):
    """Make this process use the files just written (other processes see them on their next
    check). Returns why the running version is not the files' one, or None."""
    try:
        hub.agent.refresh()
    except HubError as error:  # the agent's first load in this process, and another file is bad
        return str(error)
    return hub.agent.reload_error
