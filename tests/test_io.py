import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from _helpers import failing_vrms, toy_vrms

from sklearn_jam import JamSimulator, load_dataset, simulate_to_store
from sklearn_jam.io import dataset_status


def test_round_trip_equals_make_dataset(tmp_path):
    sim = JamSimulator(vrms_func=toy_vrms)
    status = simulate_to_store(sim, 7, tmp_path / "ds", seed=3, chunk_size=3)
    assert status["complete"] and status["n_chunks"] == 3
    loaded = load_dataset(tmp_path / "ds")
    made = sim.make_dataset(7, random_state=3)
    for key in ("X", "y", "params", "images"):
        np.testing.assert_array_equal(loaded[key], made[key])
    assert loaded.grid == made.grid
    assert loaded.attrs["spec_version"] == "2" and "package_version" in loaded.attrs
    lazy = load_dataset(tmp_path / "ds", lazy=True)
    np.testing.assert_array_equal(np.asarray(lazy.X), made.X)
    np.testing.assert_array_equal(lazy.X[2:5], made.X[2:5])
    np.testing.assert_array_equal(lazy.y[:], made.y)


def test_failures_recorded_in_store(tmp_path):
    sim = JamSimulator(vrms_func=failing_vrms)
    with pytest.warns(UserWarning, match="failed"):
        status = simulate_to_store(sim, 10, tmp_path / "ds", seed=1, chunk_size=4)
    params = sim.sample_params(10, random_state=1)
    bad = np.flatnonzero(params[:, 4] < 0)
    assert sorted(status["failures"]) == bad.tolist()
    assert all("deliberate failure" in e for e in status["failures"].values())
    with pytest.warns(UserWarning, match="left out"):
        data = load_dataset(tmp_path / "ds")
    assert len(data.y) == 10 - len(bad) and len(data.failures) == len(bad)
    assert np.isfinite(data.y).all()


def test_refuses_other_settings_and_foreign_dirs(tmp_path):
    sim = JamSimulator(vrms_func=toy_vrms)
    simulate_to_store(sim, 4, tmp_path / "ds", seed=0, chunk_size=2)
    with pytest.raises(ValueError, match="other settings: seed=0 there, 1 requested"):
        simulate_to_store(sim, 4, tmp_path / "ds", seed=1, chunk_size=2)
    with pytest.raises(ValueError, match="other settings: n_samples"):
        simulate_to_store(sim, 5, tmp_path / "ds", seed=0, chunk_size=2)
    with pytest.raises(ValueError, match="settings"):
        simulate_to_store(
            JamSimulator(vrms_func=toy_vrms, n_rad=15), 4, tmp_path / "ds", seed=0, chunk_size=2
        )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds no sklearn_jam dataset"):
        simulate_to_store(sim, 4, tmp_path / "other", seed=0)
    with pytest.raises(ValueError, match="no sklearn_jam dataset"):
        load_dataset(tmp_path / "other")
    with pytest.raises(ValueError, match="seed must be an integer"):
        simulate_to_store(sim, 4, tmp_path / "x", seed=None)


def test_unfinished_dataset_is_refused_then_resumed(tmp_path):
    sim = JamSimulator(vrms_func=toy_vrms)
    path = tmp_path / "ds"
    simulate_to_store(sim, 6, path, seed=2, chunk_size=2)
    # Forget two chunks, as if the run had been killed before them.
    for i in (0, 2):
        (path / "_progress" / f"chunk_{i:06d}.json").unlink()
    assert dataset_status(path)["chunks_done"] == 1
    with pytest.raises(ValueError, match="unfinished: 1 of 3 chunks"):
        load_dataset(path)
    with pytest.warns(UserWarning, match="loading the 1 of 3 chunks"):
        partial = load_dataset(path, allow_partial=True)
    np.testing.assert_array_equal(partial.params, sim.sample_params(6, random_state=2)[2:4])
    simulate_to_store(sim, 6, path, seed=2, chunk_size=2)
    np.testing.assert_array_equal(load_dataset(path).y, sim.make_dataset(6, random_state=2).y)


def _simulate_cmd(n_samples, seed, chunk_size):
    """`sklearn-jam simulate` in a subprocess of this Python (add ``--out``)."""
    return [
        sys.executable,
        "-m",
        "sklearn_jam.cli",
        "simulate",
        "--n-samples",
        str(n_samples),
        "--seed",
        str(seed),
        "--chunk-size",
        str(chunk_size),
        "--n-jobs",
        "1",
    ]


@pytest.mark.slow
def test_resume_after_sigkill_equals_uninterrupted(tmp_path):
    cmd = _simulate_cmd(6, seed=11, chunk_size=2)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        cmd + ["--out", str(killed)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 300
    while time.time() < deadline and not list((killed / "_progress").glob("chunk_*.json")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = dataset_status(killed)["chunks_done"]
    assert 1 <= done_before < 3, "the kill should land mid-run"
    subprocess.run(cmd + ["--out", str(killed)], env=env, check=True, capture_output=True)
    full = tmp_path / "full"
    subprocess.run(cmd + ["--out", str(full)], env=env, check=True, capture_output=True)
    a, b = load_dataset(killed), load_dataset(full)
    for key in ("params", "images", "y"):
        np.testing.assert_array_equal(a[key], b[key])
    progress = json.loads((killed / "_progress" / "chunk_000000.json").read_text())
    assert progress["failures"] == {} and set(progress["crc32"]) == {"images", "vrms"}


def test_spec_v1_dataset_is_refused(tmp_path):
    """A dataset written under spec v1 is refused by load and by a resumed simulate, saying why."""
    import zarr

    sim = JamSimulator(vrms_func=toy_vrms)
    simulate_to_store(sim, 4, tmp_path / "d", seed=0, chunk_size=2)
    root = zarr.open_group(str(tmp_path / "d"), mode="r+")
    root.attrs["spec_version"] = "1"
    with pytest.raises(ValueError, match=r"follows spec v1.*interp=False"):
        load_dataset(tmp_path / "d")
    with pytest.raises(ValueError, match="follows spec v1"):
        simulate_to_store(sim, 4, tmp_path / "d", seed=0, chunk_size=2)


def test_foreign_directories_are_left_untouched(tmp_path):
    import zarr

    sim = JamSimulator(vrms_func=toy_vrms)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(
        ValueError, match=r"holds no sklearn_jam dataset \(it holds \['notes.txt'\]"
    ):
        simulate_to_store(sim, 4, mine, seed=0)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    # A zarr group of someone else's, without the dataset's attributes.
    foreign = tmp_path / "foreign"
    group = zarr.open_group(str(foreign), mode="w")
    group.create_array("data", data=np.arange(3.0))
    before = sorted(p.relative_to(foreign) for p in foreign.rglob("*"))
    with pytest.raises(ValueError, match="zarr store that is not an sklearn_jam dataset"):
        simulate_to_store(sim, 4, foreign, seed=0)
    after = sorted(
        p.relative_to(foreign) for p in foreign.rglob("*") if p.name != ".sklearn_jam.lock"
    )
    assert after == before
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a directory"):
        simulate_to_store(sim, 4, tmp_path / "file", seed=0)


def test_interrupted_creation_is_rebuilt_without_touching_other_files(tmp_path):
    sim = JamSimulator(vrms_func=toy_vrms)
    path = tmp_path / "ds"
    simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    (path / "notes.txt").write_text("mine")
    (path / ".sklearn_jam.creating").touch()  # as if killed while creating the store
    simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    assert (path / "notes.txt").read_text() == "mine"
    assert not (path / ".sklearn_jam.creating").exists()
    np.testing.assert_array_equal(load_dataset(path).y, sim.make_dataset(4, random_state=0).y)


def test_a_second_writer_is_refused(tmp_path):
    """One process writes a store at a time; a second is refused at once, with a reason."""
    import filelock

    sim = JamSimulator(vrms_func=toy_vrms)
    path = tmp_path / "ds"
    path.mkdir()
    with filelock.FileLock(str(path / ".sklearn_jam.lock"), timeout=0):
        with pytest.raises(ValueError, match="another process is writing to the dataset"):
            simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    assert sorted(p.name for p in path.iterdir()) == [".sklearn_jam.lock"]
    simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    assert dataset_status(path)["complete"]


@pytest.mark.slow
def test_two_processes_started_together(tmp_path):
    """Two real `simulate` processes on one new store: no crash, no damage, one result."""
    path = tmp_path / "ds"
    cmd = _simulate_cmd(300, seed=5, chunk_size=20) + ["--out", str(path)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes[0] == 0, results
    for code, err in results:
        if code:
            assert code == 1 and "another process is writing" in err, results
            assert "Traceback" not in err
    subprocess.run(cmd, check=True, capture_output=True)  # whichever lost resumes to the end
    reference = tmp_path / "ref"
    subprocess.run(cmd[:-1] + [str(reference)], check=True, capture_output=True)
    np.testing.assert_array_equal(load_dataset(path).y, load_dataset(reference).y)


@pytest.mark.parametrize("damage", ["delete", "truncate", "flip"])
def test_damaged_chunks_are_detected_then_recomputed(tmp_path, damage):
    sim = JamSimulator(vrms_func=toy_vrms)
    path = tmp_path / "ds"
    simulate_to_store(sim, 6, path, seed=4, chunk_size=2)
    target = {
        "delete": path / "vrms" / "c" / "1" / "0",
        "truncate": path / "images" / "c" / "2" / "0" / "0",
        "flip": path / "vrms" / "c" / "0" / "0",
    }[damage]
    chunk = {"delete": 1, "truncate": 2, "flip": 0}[damage]
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[:20])
    else:
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x10
        target.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=rf"damaged chunks: chunk {chunk} \(rows {2 * chunk}-"):
        load_dataset(path)
    with pytest.warns(UserWarning, match=rf"recomputing damaged chunks: chunk {chunk}"):
        simulate_to_store(sim, 6, path, seed=4, chunk_size=2)
    made = sim.make_dataset(6, random_state=4)
    loaded = load_dataset(path)
    np.testing.assert_array_equal(loaded.y, made.y)
    np.testing.assert_array_equal(loaded.images, made.images)


def test_environment_failures_stop_the_run_and_are_retried(tmp_path, monkeypatch):
    from _helpers import flaky_env_vrms

    sim = JamSimulator(vrms_func=flaky_env_vrms)
    path = tmp_path / "ds"
    monkeypatch.setenv("SKLEARN_JAM_TEST_BROKEN", "1")
    with pytest.raises(ImportError, match="deliberately broken"):
        simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    status = dataset_status(path)
    assert status["chunks_done"] == 0 and status["failures"] == {}
    monkeypatch.delenv("SKLEARN_JAM_TEST_BROKEN")
    status = simulate_to_store(sim, 4, path, seed=0, chunk_size=2)
    assert status["complete"] and status["failures"] == {}


def test_a_store_where_every_galaxy_failed_says_so(tmp_path):
    def always_fails(*args, **kwargs):
        raise ValueError("JAM refuses this galaxy")

    sim = JamSimulator(vrms_func=always_fails)
    with pytest.warns(UserWarning, match="4 of 4 galaxies failed"):
        simulate_to_store(sim, 4, tmp_path / "ds", seed=0, chunk_size=2)
    with (
        pytest.raises(ValueError, match="holds no simulated galaxy: 4 of the 4"),
        pytest.warns(UserWarning, match="left out"),
    ):
        load_dataset(tmp_path / "ds")


# -- damage that a rerun repairs (issue 22, items 2-4) -------------------------------------


def _small_store(path):
    sim = JamSimulator(vrms_func=toy_vrms)
    simulate_to_store(sim, 6, path, seed=3, chunk_size=2)
    return sim


def _rerun(sim, path):
    return simulate_to_store(sim, 6, path, seed=3, chunk_size=2)


def _same_as_undamaged(tmp_path, path):
    _small_store(tmp_path / "undamaged")
    a, b = load_dataset(path), load_dataset(tmp_path / "undamaged")
    for key in ("params", "images", "y", "X"):
        np.testing.assert_array_equal(a[key], b[key])


def _flip_a_bit(f):
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x10
    f.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["deleted", "flipped", "deleted_with_progress"])
def test_damaged_parameters_are_named_then_rebuilt_from_the_seed(tmp_path, damage):
    path = tmp_path / "d"
    sim = _small_store(path)
    chunk = path / "params" / "c" / "1" / "0"
    if damage == "flipped":
        _flip_a_bit(chunk)
    else:
        chunk.unlink()
    if damage == "deleted_with_progress":
        (path / "_progress" / "chunk_000001.json").unlink()
    with pytest.raises(ValueError, match=r"its parameters \(params/\) are .*rebuild them"):
        load_dataset(path)
    with pytest.warns(UserWarning, match="parameters are .*rebuilt from the seed"):
        _rerun(sim, path)
    _same_as_undamaged(tmp_path, path)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ("truncated_progress", r"unreadable progress file chunk_000001.json"),
        ("no_progress_folder", r"is unfinished: 0 of 3 chunks done"),
        ("no_vrms_metadata", r"lost the metadata of \['vrms'\]"),
        ("no_images", r"lost the metadata of \['images'\]"),
    ],
)
def test_other_damage_is_named_then_repaired(tmp_path, damage, match):
    path = tmp_path / "d"
    sim = _small_store(path)
    if damage == "truncated_progress":
        f = path / "_progress" / "chunk_000001.json"
        f.write_text(f.read_text()[:7])
    elif damage == "no_progress_folder":
        shutil.rmtree(path / "_progress")
    elif damage == "no_vrms_metadata":
        (path / "vrms" / "zarr.json").unlink()
    else:
        shutil.rmtree(path / "images")
    with pytest.raises(ValueError, match=match):
        load_dataset(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # each repair says what it did
        status = _rerun(sim, path)
    assert status["complete"] and status["chunks_done"] == 3
    _same_as_undamaged(tmp_path, path)


def test_lazy_loading_checks_chunks_when_they_are_read(tmp_path):
    path = tmp_path / "d"
    _small_store(path)
    lazy = load_dataset(path, lazy=True)
    np.testing.assert_array_equal(lazy.y[:2], load_dataset(path).y[:2])
    shutil.copy(path / "vrms" / "c" / "1" / "0", path / "vrms" / "c" / "2" / "0")
    fresh = load_dataset(path, lazy=True)  # only the presence of files is checked up front
    np.testing.assert_array_equal(fresh.y[:2], lazy.y[:2])  # chunk 0 is intact
    with pytest.raises(ValueError, match=r"chunk 2 \(rows 4-5\): checksum mismatch in vrms"):
        fresh.y[4:6]
    with pytest.raises(ValueError, match=r"chunk 2 \(rows 4-5\)"):
        np.asarray(fresh.X)


# -- workers and signals (issue 22, item 5) -------------------------------------------------


def _running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")
def test_sigterm_ends_the_run_and_its_workers(tmp_path):
    out = tmp_path / "d"
    cmd = _simulate_cmd(400, seed=1, chunk_size=20)
    cmd[cmd.index("--n-jobs") + 1] = "2"
    proc = subprocess.Popen(cmd + ["--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.time() + 300
    while time.time() < deadline and not list((out / "_progress").glob("chunk_*.json")):
        time.sleep(0.05)
    children = [
        int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _ppid(p) == proc.pid
    ]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert (
        "terminated (SIGTERM); run the same command again to resume" in proc.stderr.read().decode()
    )
    deadline = time.time() + 20
    while time.time() < deadline and any(map(_running, children)):
        time.sleep(0.1)
    assert children and not any(map(_running, children))
    assert dataset_status(out)["chunks_done"] >= 1  # and the next run resumes


def _ppid(stat):
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="parent and child processes as on POSIX")
def test_a_worker_exits_when_its_owner_is_killed(tmp_path):
    """What every simulate worker runs from its start: it ends itself once its owner is gone."""
    ready = tmp_path / "ready"
    worker = (
        "import os, time; from sklearn_jam._owner import exit_with; "
        f"exit_with(os.getppid()); open({str(ready)!r}, 'w').close(); time.sleep(120)"
    )
    owner = (
        f"import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', {worker!r}]); "
        "print(p.pid, flush=True); time.sleep(120)"
    )
    proc = subprocess.Popen([sys.executable, "-c", owner], stdout=subprocess.PIPE, text=True)
    pid = int(proc.stdout.readline())
    deadline = time.time() + 120
    while time.time() < deadline and not ready.exists():
        time.sleep(0.05)
    assert ready.exists() and _running(pid)
    proc.kill()  # SIGKILL: the owner cannot stop its children
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and _running(pid):
        time.sleep(0.1)
    assert not _running(pid)


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _children(pid):
    return [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _ppid(p) == pid]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("delay", [0.0, 1.0])
def test_sigkill_while_workers_start_leaves_no_process(tmp_path, delay):
    """Issue 22, item 5: SIGKILL of `simulate --n-jobs 2` as its workers are starting (before
    any task, before the pool's initializer) or soon after: the workers and the resource
    trackers all end by themselves."""
    cmd = _simulate_cmd(400, seed=1, chunk_size=20) + ["--out", str(tmp_path / "d")]
    cmd[cmd.index("--n-jobs") + 1] = "2"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not any(
        "popen_loky" in _cmdline(c) for c in _children(proc.pid)
    ):
        time.sleep(0.01)
    time.sleep(delay)
    children = _children(proc.pid)
    started = [_cmdline(c) for c in children]
    proc.kill()
    proc.wait()
    assert any("popen_loky" in cmd for cmd in started), "no worker was started"
    deadline = time.time() + 20
    while time.time() < deadline and any(map(_running, children)):
        time.sleep(0.1)
    left = [_cmdline(c) for c in children if _running(c)]
    for c in children:
        if _running(c):
            os.kill(c, signal.SIGKILL)
    assert not left


@pytest.mark.skipif(os.name != "posix", reason="parent and child processes as on POSIX")
def test_a_starting_worker_of_a_dead_owner_exits_on_import():
    """A process started from the owner's environment whose owner is gone ends when it imports
    sklearn_jam; with the owner alive (here: this test, not its parent) it goes on."""
    from sklearn_jam._owner import OWNER_ENV

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    code = "import sklearn_jam._owner; print('went on')"
    parent = f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', {code!r}]))"
    for owner, went_on in ((dead.pid, False), (os.getpid(), True)):
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                parent,
            ],
            env={**os.environ, OWNER_ENV: str(owner)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ("went on" in run.stdout) == went_on, (owner, run)
        assert run.returncode == (0 if went_on else 1)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_is_one_line_then_resumes(small_disk, tmp_path, capsys):
    """Issue 22, item 14: the one-line error only (no other traceback or warning), and a rerun
    with space again finishes the dataset as an uninterrupted run."""
    from sklearn_jam.cli import main

    out = small_disk / "d"
    argv = ["simulate", "--n-samples", "400", "--out", str(out), "--chunk-size", "100"]
    assert main(argv) == 1
    err = [
        line
        for line in capsys.readouterr().err.replace("\r", "\n").splitlines()
        if line.strip() and not line.startswith("JAM:")
    ]
    assert len(err) == 1 and "no space left on the device of" in err[0], err
    assert "run the same command again to resume" in err[0]
    subprocess.run(["mount", "-o", "remount,size=40M", str(small_disk)], check=True)
    assert main(argv) == 0
    assert main([*argv[:4], str(tmp_path / "whole"), *argv[5:]]) == 0
    a, b = load_dataset(out), load_dataset(tmp_path / "whole")
    for key in ("params", "images", "y"):
        np.testing.assert_array_equal(a[key], b[key])


def test_eq37_is_a_setting_of_the_store_and_reloads(tmp_path):
    """A store of eq. (37) maps records it, reloads its simulator with it and its beta_z
    column, and refuses to resume as constant-anisotropy maps."""
    sim = JamSimulator(n_rad=3, n_ang=2, align="sph", anisotropy="eq37", n_nodes=12)
    simulate_to_store(sim, 2, tmp_path / "eq37", seed=0, chunk_size=1)
    data = load_dataset(tmp_path / "eq37")
    assert data.attrs["settings"]["anisotropy"] == "eq37" and data.param_names[4] == "beta_z"
    np.testing.assert_allclose(data.y, sim.transform(data.params), rtol=1e-12)
    constant = JamSimulator(n_rad=3, n_ang=2, align="sph", n_nodes=12)
    with pytest.raises(ValueError, match="other settings: settings="):
        simulate_to_store(constant, 2, tmp_path / "eq37", seed=0, chunk_size=1)


def test_the_alignment_is_a_setting_and_older_stores_are_cylindrical(tmp_path):
    import zarr

    sph = JamSimulator(vrms_func=toy_vrms, align="sph")
    simulate_to_store(sph, 4, tmp_path / "sph", seed=0, chunk_size=2)
    data = load_dataset(tmp_path / "sph")
    assert data.attrs["settings"]["align"] == "sph" and data.param_names[4] == "beta_r"
    with pytest.raises(ValueError, match="other settings: settings="):
        simulate_to_store(
            JamSimulator(vrms_func=toy_vrms), 4, tmp_path / "sph", seed=0, chunk_size=2
        )
    # a store of 0.3 has no alignment in its settings: cylindrical, and it resumes as such
    cyl = JamSimulator(vrms_func=toy_vrms)
    simulate_to_store(cyl, 4, tmp_path / "old", seed=0, chunk_size=2)
    root = zarr.open_group(str(tmp_path / "old"), mode="r+")
    settings = dict(root.attrs["settings"])
    del settings["align"]
    root.attrs["settings"] = settings
    assert simulate_to_store(cyl, 4, tmp_path / "old", seed=0, chunk_size=2)["complete"]
    assert load_dataset(tmp_path / "old").attrs["settings"]["align"] == "cyl"
