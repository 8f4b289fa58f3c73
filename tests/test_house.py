"""The house rules that hold the layout together: layers, the fence, plugins, one home per fact."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from lab1.config import PRESENTATION, presentation_overrides
from lab1.job.run import fingerprint
from tests.helpers import make_cfg, run_cli

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def _lint_imports() -> str:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe is not None, "import-linter is a test extra"
    return exe


def test_import_contracts_are_kept():
    """import-linter's own run: report > sweep > job > config > nn, and nn imports no lab1."""
    proc = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 kept, 0 broken" in proc.stdout


def test_hydra_discovers_the_launcher_and_the_sweeper():
    from hydra.core.plugins import Plugins
    from hydra.plugins.launcher import Launcher
    from hydra.plugins.sweeper import Sweeper

    launchers = {cls.__name__ for cls in Plugins.instance().discover(Launcher)}
    sweepers = {cls.__name__ for cls in Plugins.instance().discover(Sweeper)}
    assert "VectorizedLauncher" in launchers
    assert "Lab1Sweeper" in sweepers


PRIVATE = (
    "hydra._internal",
    "omegaconf._utils",
    "._value(",
    "_apply_overrides_to_config",
    "get_mode",
)


@pytest.mark.parametrize("path", sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")))
def test_private_apis_only_in_the_fence(path):
    text = (SRC / path).read_text()
    if path == "lab1/internals.py":
        assert all(name in text for name in PRIVATE)
        return
    assert not [name for name in PRIVATE if name in text], path


def test_fence_apply_overrides_and_dirname():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from lab1.internals import apply_overrides, override_dirname

    cfg = make_cfg()
    parsed = OverridesParser.create().parse_overrides(["lr=0.5", "hidden=[4,16]", "print_every=0"])
    apply_overrides(parsed, cfg)
    assert cfg.lr == 0.5 and list(cfg.hidden) == [4, 16]
    assert override_dirname(parsed, "=", ",", ["print_every"]) == "hidden=[4,16],lr=0.5"


WORDS = ["true", "yes", "null", "~", "1", "1.0", "1e-3", ".inf", "", " lead", "a: b", "- x", "x #y", "'q'"]
WORDS += ["multi\nline\n", "tab\tx", "ü ç 日本", "x" * 200, "word " * 40, "${lr}", "\x07", "é" * 100, "0x1F"]


def test_fence_save_config_writes_hydras_bytes(tmp_path):
    """Entry by entry, kept between files, the same bytes as Hydra's own snapshot writer: for the
    three files of jobs with other groups and values, and for awkward strings, numbers and keys,
    nested up to three levels down; 1, 1.0 and True in turn are each written as such."""
    from hydra import compose, initialize_config_module
    from hydra.core.utils import _save_config

    from lab1.config import CONFIG_PACKAGE, VERSION_BASE
    from lab1.internals import save_config

    cfgs: list[Any] = []
    for overrides in (["dataset=xor"], ["optim=adam", "lr=1"], ["model=cnn", "dataset=bars", "lr=1.0"]):
        with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
            cfg = compose("config", overrides, return_hydra_config=True)
        composed = cfg
        cfgs += [OmegaConf.masked_copy(cfg, ["hydra"]), cfg.hydra.overrides.task]
        cfgs.append(OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"]))
    odd = {"w": WORDS, "d": {w: w for w in WORDS if w}, "n": [None, 1.5, float("inf"), True, 10**30, 1e-300]}
    cfgs += [OmegaConf.create(odd), OmegaConf.create({"hydra": odd}), OmegaConf.create({"hydra": {"e": {}}})]
    cfgs += [OmegaConf.create({"a": value, "b": [value]}) for value in (1, 1.0, True, "1")]
    # one key over a mapping (as hydra: is), a key of any kind: 1 then True, falsy, long, quoted
    keys = (1, True, 0, False, "", "k" * 130, "true", "a: b", "- x", "ü")
    cfgs += [OmegaConf.create({key: {"a": "x", "b": 2}}) for key in keys]
    # and deeper, as hydra.job is: mappings in mappings in mappings, lists of mappings
    cfgs += [OmegaConf.create({"hydra": {"job": odd, "e": {}}}), OmegaConf.create({"x": {"y": odd}})]
    cfgs += [OmegaConf.create({"x": {"y": {key: {"a": "x", "b": [1, {"c": "d"}]}}}}) for key in keys]
    for i, cfg in enumerate(cfgs):
        save_config(cfg, "ours.yaml", tmp_path / str(i))
        _save_config(cfg, "hydras.yaml", tmp_path / str(i))
        ours, hydras = ((tmp_path / str(i) / name).read_bytes() for name in ("ours.yaml", "hydras.yaml"))
        assert ours == hydras, i
    for cfg in (composed, OmegaConf.create({"x": {"a": 1}, "hydra": "${x}"})):  # the hydra node alone
        save_config(cfg, "node.yaml", tmp_path, only="hydra")
        _save_config(OmegaConf.masked_copy(cfg, ["hydra"]), "copy.yaml", tmp_path)
        assert (tmp_path / "node.yaml").read_bytes() == (tmp_path / "copy.yaml").read_bytes()


def test_a_vectorized_job_return_copies_the_hydra_node_when_read():
    from hydra import compose, initialize_config_module

    from hydra_plugins.lab1_launcher.vectorized_launcher import _JobReturn
    from lab1.config import CONFIG_PACKAGE, VERSION_BASE

    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = compose("config", ["lr=0.5"], return_hydra_config=True)
    ret = _JobReturn()
    ret.job_config = cfg
    copy = OmegaConf.masked_copy(cfg, ["hydra"])
    assert OmegaConf.to_container(ret.hydra_cfg) == OmegaConf.to_container(copy)  # ${now:...} unresolved
    assert ret.hydra_cfg is ret.hydra_cfg
    ret.hydra_cfg = OmegaConf.create({"hydra": {}})
    assert ret.hydra_cfg == {"hydra": {}}


def test_fence_yaml_resolvers_and_to_bool():
    from omegaconf import ValidationError

    from lab1.internals import to_bool, yaml_implicit_resolvers

    resolvers = yaml_implicit_resolvers()
    assert "1" in resolvers and "." in resolvers  # the float pattern starts with digits and dots
    assert to_bool("yes") is True and to_bool("off") is False
    with pytest.raises(ValidationError):
        to_bool("abc")


def test_fence_basic_sweeper_is_hydras_current_class():
    import importlib

    from lab1.internals import basic_sweeper

    sweeper, conf = basic_sweeper()
    module = importlib.import_module("hydra._internal.core_plugins.basic_sweeper")
    assert sweeper is module.BasicSweeper and conf is module.BasicSweeperConf


def test_no_symlink_is_tracked():
    proc = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True)
    links = [line.split("\t")[1] for line in proc.stdout.splitlines() if line.startswith("120000")]
    assert links == []


def test_presentation_keys_have_one_home():
    """Job directory names, results.csv's axes and the config hash leave out the same keys."""
    from lab1.sweep.results import PRESENTATION as RESULT_KEYS

    composed = make_cfg("hydra.job.name=x", "+sweep=lr")  # the sweep group is registered
    assert "plots.per_job" in presentation_overrides() and "launcher" in presentation_overrides()
    assert set(RESULT_KEYS) == set(presentation_overrides())
    other = {"print_every": 7, "progress": True, "plots.per_job": False, "objective": "accuracy"}
    other |= {"resume": False, "reuse": ["/tmp"], "logger.experiment": "x"}
    assert {key.split(".")[0] for key in other} == set(PRESENTATION)
    hashes = {fingerprint(composed)}
    for key, value in other.items():
        changed = composed.copy()
        OmegaConf.update(changed, key, value, merge=False)
        hashes.add(fingerprint(changed))
    assert len(hashes) == 1
    changed = composed.copy()
    changed.lr = 0.5
    assert fingerprint(changed) not in hashes


def test_job_names_exclude_the_presentation_keys():
    from hydra import compose, initialize_config_module

    from lab1.config import CONFIG_PACKAGE, VERSION_BASE

    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = compose("config", return_hydra_config=True)
    assert list(cfg.hydra.job.config.override_dirname.exclude_keys) == presentation_overrides()


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    return [
        (node.name, node.end_lineno - node.lineno + 1)  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def test_modules_and_functions_read_in_one_sitting():
    """No module of src over 300 lines, no function over 60."""
    for path in SRC.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path
        long = [(name, n) for name, n in _functions(path) if n > 60]
        assert not long, (path, long)


def test_readme_is_short_and_its_quickstart_has_two_lines():
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) <= 15000
    block = text.split("## Quickstart", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) == 2
    assert block.strip().splitlines()[1].endswith(".venv/bin/python -m pytest")
    assert block.strip().splitlines()[1] in (ROOT / ".ci" / "run").read_text()


def test_command_mode_is_what_hydras_probe_finds():
    """lab1 answers Hydra's mode probe itself (``command_mode``): of conf/ and sweeps/ only files of
    ``MODE_GROUPS`` set ``hydra.mode``, and for such lines the answer is what Hydra composes."""
    from hydra import initialize_config_module
    from hydra._internal.hydra import Hydra
    from hydra.core.global_hydra import GlobalHydra

    from lab1.config import CONFIG_PACKAGE, VERSION_BASE, command_mode
    from lab1.config.schema import MODE_GROUPS

    files = {f"{p.parent.name}/{p.name}": p for p in (ROOT / "conf").rglob("*.yaml")}
    files |= {f"sweep/{p.name}": p for p in (ROOT / "sweeps").glob("*.yaml")}
    setting = {
        name.split("/")[0] for name, p in files.items() if OmegaConf.select(OmegaConf.load(p), "hydra.mode")
    }
    assert setting == set(MODE_GROUPS)
    probe = getattr(Hydra.get_mode, "probe", Hydra.get_mode)  # Hydra's own, if a cli() replaced it here
    with initialize_config_module(config_module=CONFIG_PACKAGE, version_base=VERSION_BASE):
        hydra = GlobalHydra.instance().hydra
        for line in (["optim=adam", "lr=0.1,0.2"], ["+sweep=lr", "seed=range(2)"], ["+sweep=bias"]):
            mode = probe(hydra, "config", line)
            assert command_mode(line) == (True, None if mode is None else mode.name), line
    for unknown in (
        ["hydra.mode=RUN"],
        ["hydra={mode:MULTIRUN}"],  # the whole hydra node
        ["+sweep=lr", "+search=optuna"],
        ["+sweep@_global_=lr"],  # a package: Hydra's probe finds MULTIRUN
        ["+sweep=[lr]"],
        ["-cd", "elsewhere", "+sweep=lr"],
        ["+sweep=nope"],
    ):
        assert command_mode(unknown) == (False, None), unknown


def test_fence_answer_mode_probe_writes_what_hydras_probe_does(tmp_path):
    """A run whose mode Hydra probed (``hydra.mode=RUN`` given) and one it did not (lab1 skips the
    probe) save the same ``.hydra`` files but for their directories."""
    common = ["epochs=1", "print_every=0", "plots.per_job=false"]
    for name, extra in (("probed", ["hydra.mode=RUN"]), ("skipped", [])):
        assert run_cli([*common, f"hydra.run.dir={name}", *extra], tmp_path).returncode == 0
    for file in ("config.yaml", "overrides.yaml", "hydra.yaml"):
        probed, skipped = ((tmp_path / d / ".hydra" / file).read_text() for d in ("probed", "skipped"))
        assert skipped.replace("skipped", "probed") == probed, file
