"""Answers kept by a worker and shared by a server's workers (search_service/answer_cache.py)."""
from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from search_service.answer_cache import SHARED_FILE, SharedAnswers
from search_service.cleaning import document_id
from search_service.config import Config
from search_service.indexer import build_index
from search_service.models import Document, SearchRequest
from search_service.search import SearchIndex
from search_service.web.gunicorn_settings import METRICS_VAR, SHARED_ANSWERS_VAR, make_run_folders, remove_run_folders

from .test_security import serve_command, serving


def documents(*animals: str) -> list[Document]:
    return [Document(id=document_id(a), source=a, text=f"The fox and the {a}.", title=a) for a in animals]


@pytest.fixture
def shared_folder(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir(mode=0o700)
    return folder


def test_a_worker_finds_what_another_worked_out(tmp_path, shared_folder):
    build_index(documents("hen", "dog"), tmp_path / "index")
    # Two SearchIndex objects are what two gunicorn workers hold.
    first = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    second = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    worked_out = first.search(SearchRequest("fox"))
    found = second.search(SearchRequest("fox"))
    assert not worked_out.cached and found.cached
    assert found.as_dict() | {"took_ms": 0} == worked_out.as_dict() | {"took_ms": 0}
    assert not second.search(SearchRequest("fox", page=2)).cached  # another request, another answer


def test_answers_of_an_older_index_are_not_served_for_a_new_one(tmp_path, shared_folder):
    root = tmp_path / "index"
    build_index(documents("hen", "dog"), root)
    SearchIndex(root, shared_answers=SharedAnswers(shared_folder)).search(SearchRequest("fox"))
    build_index(documents("hen", "dog", "cat"), root)  # an ingest switches in a new generation
    answer = SearchIndex(root, shared_answers=SharedAnswers(shared_folder)).search(SearchRequest("fox"))
    assert not answer.cached and answer.total == 3


def test_the_shared_file_keeps_only_the_newest_answers(shared_folder):
    answers = SharedAnswers(shared_folder, entries=16)
    for n in range(100):
        answers.put(("generation", n), f"answer {n}".encode())
    assert answers.count() <= 16 + 16 // 8
    assert answers.get(("generation", 99)) == b"answer 99"
    assert answers.get(("generation", 0)) is None


def test_threads_of_one_worker_share_its_connection(shared_folder):
    answers = SharedAnswers(shared_folder)

    def work(thread: int) -> list:
        found = []
        for n in range(50):
            answers.put((thread, n), f"{thread}:{n}".encode())
            found.append(answers.get((thread, n)))
        return found

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    assert results == [[f"{t}:{n}".encode() for n in range(50)] for t in range(4)]
    assert answers.count() == 200


def test_an_answer_that_cannot_be_unpickled_is_a_miss(tmp_path, shared_folder):
    build_index(documents("hen", "dog"), tmp_path / "index")
    first = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    first.search(SearchRequest("fox"))
    db = sqlite3.connect(shared_folder / SHARED_FILE)
    with db:
        db.execute("UPDATE answers SET value = ?", (b"\x80\x05not a pickle",))
    db.close()
    second = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    answer = second.search(SearchRequest("fox"))
    assert not answer.cached and answer.total == 2


def test_a_folder_others_may_write_to_is_not_used(tmp_path, shared_folder, caplog):
    # Answers are unpickled: a file someone else could have written must not be read.
    build_index(documents("hen"), tmp_path / "index")
    shared_folder.chmod(0o777)
    with caplog.at_level(logging.WARNING):
        index = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
        assert index.search(SearchRequest("fox")).total == 1
    assert "no one else may write" in caplog.text
    assert not (shared_folder / SHARED_FILE).exists()
    assert index.search(SearchRequest("fox")).cached  # the worker's own cache still works


def test_a_damaged_shared_file_turns_sharing_off_without_failing_a_search(tmp_path, shared_folder, caplog):
    build_index(documents("hen", "dog"), tmp_path / "index")
    (shared_folder / SHARED_FILE).write_bytes(b"not a database " * 100)
    with caplog.at_level(logging.WARNING):
        index = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
        assert index.search(SearchRequest("fox")).total == 2
        assert index.search(SearchRequest("dog")).total == 1
    assert caplog.text.count("turned off") == 1  # said once, not on every search


def test_a_busy_file_is_a_miss_not_an_error(tmp_path, shared_folder):
    build_index(documents("hen"), tmp_path / "index")
    index = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    index.search(SearchRequest("hen"))  # the file exists now
    blocker = sqlite3.connect(shared_folder / SHARED_FILE, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another worker in the middle of a write
    try:
        assert index.search(SearchRequest("fox")).total == 1
    finally:
        blocker.rollback()
        blocker.close()
    other = SearchIndex(tmp_path / "index", shared_answers=SharedAnswers(shared_folder))
    assert other.search(SearchRequest("hen")).cached  # sharing went on after the busy moment


def test_the_setting_names_a_folder_or_turns_sharing_off():
    assert Config.from_env({}).shared_answers_dir is None
    assert str(Config.from_env({"SEARCH_SHARED_ANSWERS": "/srv/answers"}).shared_answers_dir) == "/srv/answers"
    assert Config.from_env({"SEARCH_SHARED_ANSWERS": "off"}).shared_answers_dir is None


def test_gunicorn_hooks_make_private_folders_and_remove_them(tmp_path, monkeypatch):
    monkeypatch.delenv(SHARED_ANSWERS_VAR, raising=False)
    monkeypatch.delenv(METRICS_VAR, raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    make_run_folders()
    folders = [os.environ[SHARED_ANSWERS_VAR], os.environ[METRICS_VAR]]
    for folder in folders:
        assert os.path.dirname(folder) == str(tmp_path) and os.stat(folder).st_mode & 0o777 == 0o700
    remove_run_folders()
    assert not any(map(os.path.exists, folders))
    assert SHARED_ANSWERS_VAR not in os.environ and METRICS_VAR not in os.environ


MASTER = """
import os, time
from search_service.web.gunicorn_settings import RUN_FOLDERS, make_run_folders
make_run_folders()
print(*(os.environ[variable] for variable in RUN_FOLDERS), flush=True)
time.sleep(60)
"""


def start_master(tmp_path) -> tuple[subprocess.Popen, list[str]]:
    """A process that runs the on_starting hook as a gunicorn master would, and stays; its folders."""
    env = {k: v for k, v in os.environ.items() if k not in (SHARED_ANSWERS_VAR, METRICS_VAR)}
    env["TMPDIR"] = str(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", MASTER], env=env, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().split()


def test_a_start_removes_the_folders_of_a_master_killed_outright_and_no_others(tmp_path, monkeypatch):
    killed, abandoned = start_master(tmp_path)
    running, alive = start_master(tmp_path)
    older = tmp_path / "search-service-answers-made-by-an-older-version"
    older.mkdir(mode=0o700)
    try:
        killed.kill()  # SIGKILL: its on_exit never runs
        killed.wait()
        assert len(abandoned) == 2 and all(map(os.path.isdir, abandoned))
        monkeypatch.delenv(SHARED_ANSWERS_VAR, raising=False)
        monkeypatch.delenv(METRICS_VAR, raising=False)
        monkeypatch.setenv("TMPDIR", str(tmp_path))
        monkeypatch.setattr("tempfile.tempdir", None)
        make_run_folders()  # this start
        mine = [os.environ[SHARED_ANSWERS_VAR], os.environ[METRICS_VAR]]
        assert not any(map(os.path.exists, abandoned))
        assert all(map(os.path.isdir, alive + mine)) and older.is_dir()
        remove_run_folders()
    finally:
        running.kill()
        running.wait()


def test_gunicorn_hooks_leave_folders_of_the_users_alone(tmp_path, monkeypatch):
    monkeypatch.setenv(SHARED_ANSWERS_VAR, str(tmp_path / "answers"))
    monkeypatch.setenv(METRICS_VAR, str(tmp_path / "metrics"))
    (tmp_path / "answers").mkdir()
    (tmp_path / "metrics").mkdir()
    make_run_folders()
    remove_run_folders()
    assert os.environ[SHARED_ANSWERS_VAR] == str(tmp_path / "answers") and (tmp_path / "answers").exists()
    assert os.environ[METRICS_VAR] == str(tmp_path / "metrics") and (tmp_path / "metrics").exists()


def test_workers_under_gunicorn_work_out_a_repeated_query_once(built_index, tmp_path):
    with serving(built_index, workers=2, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics")) as srv:
        session = requests.Session()
        for _ in range(12):  # one after another: whichever worker takes it, one worked it out
            assert session.get(srv.url + "/api/search", params={"q": "workers"}, timeout=10).status_code == 200
        text = session.get(srv.url + "/metrics", timeout=10).text
    assert 'search_answer_cache_lookups_total{result="miss"} 1.0' in text
    assert 'search_answer_cache_lookups_total{result="hit"} 11.0' in text


def test_serve_makes_the_shared_folder_and_removes_it_on_exit(built_index, tmp_path):
    with serve_command(built_index, tmp_path, workers=2) as url:
        for _ in range(3):
            requests.get(url + "/api/search", params={"q": "strike"}, timeout=10)
        folders = list(tmp_path.glob("search-service-answers-*"))
        assert len(folders) == 1
        assert SharedAnswers(folders[0]).count() == 1
    assert list(tmp_path.glob("search-service-answers-*")) == []
