"""A screenshot tour of the committed notebooks in JupyterLab, checking what a learner sees.

    .venv/bin/python aux/notebook_tour.py [--only PATH ...] [--out FOLDER] [--timeout SECONDS]

It starts JupyterLab from `.venv` on a free 127.0.0.1 port (random token, temporary settings,
runtime and data folders: your own Jupyter setup is neither read nor changed), opens each
notebook in headless Chromium (Debian's `/usr/bin/chromium`, driven by Playwright) without a
kernel, as a fresh clone shows it (untrusted: the committed outputs, HTML sanitized, so no
`<style>` element; `--trusted` shows them as after a run), and checks the rendered page:

- no stderr output (JupyterLab's pink boxes) and no error output;
- no output over 80 lines;
- every figure displayed (each `<img>` of an output, those inside HTML outputs included, loaded
  and with a size), and at least 6 in the built-in training notebooks (the training report);
- the training report's metric tiles styled (a box, label above value), not `AUC0.9203`;
- no text turned into a formula by JupyterLab's math typesetting (two `$` in one paragraph),
  unless the markdown cell writes a formula on purpose (`notebook_tour_checks.intends_math`);
- every link to a file of the repository resolves, and every `#anchor` finds its heading.

Screenshots, one per screen while scrolling down: `outputs/tour/<notebook path>/NN.png`.
Each notebook gets a summary line; the exit status is 1 when a problem was found, each listed
with its notebook and cell (counted from 0, as nbval and papermill count).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_tour_checks import TILE_SELECTOR, Visit, check_notebook, read_cells  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
JUPYTER = REPO / ".venv" / "bin" / "jupyter"
CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_OUT = REPO / "outputs" / "tour"
VIEWPORT = {"width": 1280, "height": 1000}
# JupyterLab settings for the tour: every cell in the DOM (no virtual scrolling), no blank
# screen after the last cell, no news.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # offline but for our server
]
ACTION_TIMEOUT_MS = 60_000
PR_SET_PDEATHSIG = 1
# The page-side checks (JavaScript): per cell, what JupyterLab rendered.
PROBE_JS = (Path(__file__).with_name("notebook_tour_probe.js")).read_text(encoding="utf-8")


# ---------------------------------------------------------------------- the notebooks


def committed_notebooks() -> list[str]:
    """Every notebook git tracks under notebooks/ (sdk_v3/ included), repository-relative."""
    listed = subprocess.run(
        ["git", "ls-files", "--", "notebooks/*.ipynb"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(name for name in listed if ".ipynb_checkpoints" not in name)


def repository_path(name: str) -> str:
    """`name` (a path relative to the repository or to the current folder) as a repository
    path; exits with a message when it is not a notebook inside the repository."""
    for candidate in (REPO / name, Path(name).resolve()):
        path = candidate.resolve()
        if path.is_file() and path.suffix == ".ipynb" and path.is_relative_to(REPO):
            return path.relative_to(REPO).as_posix()
    raise SystemExit(f"not a notebook inside {REPO}: {name}")


# ---------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def death_signal():
    """A function for the server's child process, run before exec: SIGTERM it when the tour
    dies, even by SIGKILL (Linux's prctl; elsewhere nothing). Looked up here, in the parent."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def write_settings(folder: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


class LabServer:
    """JupyterLab from .venv on 127.0.0.1, with its own temporary Jupyter folders."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="notebook-tour-"))
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen | None = None
        self.log_path = self.folder / "server.log"

    def command(self) -> list[str]:
        settings, workspaces = self.folder / "settings", self.folder / "workspaces"
        write_settings(settings)
        workspaces.mkdir()
        command = [
            str(JUPYTER),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={REPO}",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workspaces}",
            "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: open without a kernel
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI run as root
        return command

    def environment(self) -> dict[str, str]:
        """Ours: the user's Jupyter config, data (trusted notebooks) and runtime folders unused."""
        env = dict(os.environ)
        for variable, name in (
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
        ):
            env[variable] = str(self.folder / name)
        return env

    def trust(self, notebooks: list[str]) -> None:
        """Sign the notebooks in our data folder: their outputs render as after a run."""
        subprocess.run(
            [str(JUPYTER), "trust", *notebooks],
            cwd=REPO,
            env=self.environment(),
            capture_output=True,
            check=True,
            timeout=120,
        )

    def start(self, timeout: float = 90) -> None:
        if not JUPYTER.exists():
            raise SystemExit(f"{JUPYTER} is missing: run `make setup` first")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=death_signal(),
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log_tail()}")
            try:
                self.api("GET", "api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def shut_down_kernels(self) -> int:
        """Shut down every kernel the server runs (none should start); how many there were."""
        kernels = self.api("GET", "api/kernels") or []
        for kernel in kernels:
            self.api("DELETE", f"api/kernels/{kernel['id']}")
        return len(kernels)

    def stop(self) -> int:
        """Stop the server (kernels first); the number of kernels it had to shut down."""
        kernels = 0
        if self.process is not None and self.process.poll() is None:
            try:
                kernels = self.shut_down_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass
            stop_group(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)
        return kernels


def stop_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM to the process group, SIGKILL after `grace` seconds."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            pass
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------- the browser

# JupyterLab's Notebook factory prefers a kernel; shadowing its two read-only properties makes
# docmanager:open show a notebook with "No Kernel", without a session or a dialog.
NO_KERNEL_JS = """() => {
  const factory = window.jupyterapp.docRegistry.getWidgetFactory('Notebook');
  Object.defineProperty(factory, 'preferKernel', {value: false});
  Object.defineProperty(factory, 'canStartKernel', {value: false});
}"""

# The notebook wide: no file browser (OPEN_JS closes the launcher tab).
WIDE_JS = "() => { window.jupyterapp.shell.collapseLeft(); }"

OPEN_JS = """async (path) => {
  const app = window.jupyterapp;
  const widget = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await widget.context.ready;
  await widget.revealed;
  // JupyterLab loads MathJax on first use: wait for it, so that formulas are typeset in time.
  const typesetter = widget.content.rendermime.latexTypesetter;
  if (typesetter) await typesetter.typeset(document.createElement('div'));
  window.tourWidget = widget;
  app.shell.activateById(widget.id);
  for (const other of [...app.shell.widgets('main')]) if (other !== widget) other.close();
  return widget.content.model.cells.length;
}"""

# Settled: every cell in the DOM, every image decoded, and the page unchanged for a while.
SETTLED_JS = """(cells) => {
  const panel = window.tourWidget && window.tourWidget.node;
  if (!panel || panel.querySelectorAll('.jp-Notebook .jp-Cell').length < cells) return false;
  if ([...panel.querySelectorAll('img')].some(img => !img.complete)) return false;
  const size = panel.getElementsByTagName('*').length;
  const now = Date.now();
  if (window.tourSize !== size) { window.tourSize = size; window.tourSince = now; }
  return now - window.tourSince > 600;
}"""


def start_lab(browser, server: LabServer, errors: list[str]):
    """A page with JupyterLab loaded (a fresh workspace) and kernels switched off."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}lab?reset&token={server.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started")
    page.evaluate("() => window.jupyterapp.restored")
    page.evaluate(NO_KERNEL_JS)
    page.evaluate(WIDE_JS)
    return page


def open_notebook(page, notebook: str) -> int:
    """Open the notebook and wait until it has rendered; its number of cells."""
    cells = page.evaluate(OPEN_JS, notebook)
    page.evaluate("() => { window.tourSize = -1; }")
    page.wait_for_function(SETTLED_JS, arg=cells, polling=200)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return cells


def close_notebook(page) -> None:
    page.evaluate("() => { window.tourWidget.dispose(); window.tourWidget = null; }")


# Scroll the open notebook to `top` (none when negative), wait for two frames; the scrollable
# height and the visible height.
SCROLL_JS = """(top) => new Promise((done) => {
  const scroller = window.tourWidget.node.querySelector('.jp-WindowedPanel-outer');
  if (top >= 0) scroller.scrollTop = top;
  requestAnimationFrame(() => requestAnimationFrame(
    () => done([scroller.scrollHeight, scroller.clientHeight])));
})"""


def screenshots(page, folder: Path) -> int:
    """Scroll through the open notebook one screen at a time, a PNG per screen."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        if old.stem.isdigit():
            old.unlink()
    height, view = page.evaluate(SCROLL_JS, -1)
    step = max(view - 60, 200)  # a strip of the previous screen stays visible
    count = 1 + max(0, -(-(height - view) // step))
    digits = max(2, len(str(count)))
    for number in range(count):
        page.evaluate(SCROLL_JS, number * step)
        page.screenshot(path=str(folder / f"{number + 1:0{digits}d}.png"))
    return count


def launch_browser(playwright):
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=ACTION_TIMEOUT_MS
    )


# ---------------------------------------------------------------------- the tour


def visit_notebook(page, notebook: str, out: Path, server_url: str, errors: list[str]) -> Visit:
    visit = Visit(notebook)
    start = time.perf_counter()
    errors.clear()
    visit.cells = open_notebook(page, notebook)
    seen = page.evaluate(PROBE_JS, TILE_SELECTOR)
    check_notebook(visit, read_cells(notebook), seen, server_url)
    visit.screenshots = screenshots(page, out / notebook)
    close_notebook(page)
    for error in errors:
        visit.problem(None, f"JavaScript error while rendering: {error[:200]}")
    visit.seconds = time.perf_counter() - start
    return visit


def summary(visit: Visit) -> str:
    problems = len(visit.problems)
    verdict = "ok" if not problems else f"{problems} problem{'s' * (problems > 1)}"
    return (
        f"{visit.notebook:48} {visit.cells:3} cells {visit.figures:3} figures "
        f"{visit.tiles:2} tiles {visit.links:3} links {visit.screenshots:3} screenshots "
        f"{visit.seconds:5.1f} s  {verdict}"
    )


def tour(
    server: LabServer, notebooks: list[str], out: Path, trusted: bool = False
) -> tuple[list[Visit], int]:
    """Visit each notebook with one server and one browser; the visits, and how many kernels
    the server had to shut down at the end (0 expected)."""
    from playwright.sync_api import sync_playwright

    visits: list[Visit] = []
    kernels = 0
    try:
        if trusted:
            server.trust(notebooks)
        server.start()
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            try:
                errors: list[str] = []
                page = start_lab(browser, server, errors)
                for notebook in notebooks:
                    visits.append(visit_notebook(page, notebook, out, server.url, errors))
                    print(summary(visits[-1]), flush=True)
            finally:
                browser.close()
    finally:
        kernels = server.stop()
    return visits, kernels


def watchdog(seconds: float, server: LabServer) -> threading.Timer:
    """After `seconds`, stop the server and end the process; the browser goes with it
    (Playwright's driver closes it when its pipe to this process closes)."""

    def expire() -> None:
        print(f"\nThe tour timed out after {seconds:.0f} s.", file=sys.stderr, flush=True)
        if server.process is not None:
            stop_group(server.process, grace=10)
        shutil.rmtree(server.folder, ignore_errors=True)
        os._exit(124)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def stopped(*_) -> None:
    print("\nThe tour was stopped (SIGTERM).", file=sys.stderr, flush=True)
    sys.exit(143)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="PATH", help="these notebooks only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="screenshots folder")
    parser.add_argument("--timeout", type=float, default=300, help="seconds for the whole tour")
    parser.add_argument(
        "--trusted",
        action="store_true",
        help="render the outputs as trusted (as after running the notebook: HTML unsanitized)",
    )
    return parser.parse_args(argv)


def report(visits: list[Visit], kernels: int, seconds: float) -> int:
    """Print the problems (and notes); the exit status."""
    problems = [problem for visit in visits for problem in visit.problems]
    notes = [f"{visit.notebook} {note}" for visit in visits for note in visit.notes]
    if notes:
        print("\nNotes:\n" + "\n".join(f"  {note}" for note in notes))
    started = f"{kernels} kernel(s) started and shut down" if kernels else "no kernel started"
    print(f"\n{len(visits)} notebooks in {seconds:.1f} s, {started}, {len(problems)} problem(s).")
    if problems:
        print("\nProblems (cells counted from 0):\n" + "\n".join(f"  {p}" for p in problems))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    notebooks = [repository_path(name) for name in args.only] if args.only else None
    notebooks = notebooks or committed_notebooks()
    signal.signal(signal.SIGTERM, stopped)  # clean up on `kill` too
    server = LabServer()
    timer = watchdog(args.timeout, server)
    start = time.perf_counter()
    try:
        visits, kernels = tour(server, notebooks, args.out.resolve(), args.trusted)
    finally:
        timer.cancel()
    print(f"Screenshots: {args.out}/<notebook path>/NN.png")
    return report(visits, kernels, time.perf_counter() - start)


if __name__ == "__main__":
    sys.exit(main())
