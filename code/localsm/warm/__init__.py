"""The warm runner: a job's process starts as a fork of a Python that has imported NumPy,
pandas and XGBoost already, instead of a new interpreter that imports them again (about a
second of CPU per job, most of a small job's cost).

Every job still gets its own process, session, folder, environment, arguments and output;
it exits, fails and is stopped as before. `server.py` is the pre-imported process (one per
kernel), `child.py` what a forked child does before it runs the job, `client.py` the
kernel's side (what `training/runner.py` calls), `launcher.py` the `python3` that SDK v3's
driver scripts find on PATH, `wire.py` what they say to each other.

Linux only; `LOCALSM_WARM=0` turns it off (every job then starts a new interpreter). A job
whose folders hold a module of the same name as one the server imported runs in a new
interpreter too. One thing a fork does differ in: `/proc/<pid>/environ` of a forked child
(and of a process it forks without `exec`) shows the server's environment, not the job's;
such processes carry the kernel's owner marker (the watchdog ends them with the kernel) and
the job's process group (the job's end kills the group), not the job's marker.
"""
