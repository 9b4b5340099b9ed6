"""`benchsvc history` keeps every series apart: one line per full series identity."""

import json

from typer.testing import CliRunner

from benchsvc.cli.app import app

QUICK = ["--repeat", "2", "--iterations", "1", "--warmup", "0", "--threads", "1", "--backends", "eager"]


def test_two_image_sizes_in_one_database_are_two_series(isolated_data_dir):
    cli = CliRunner()
    for size in ("32", "48"):
        assert cli.invoke(app, ["run", "--image-size", size, *QUICK]).exit_code == 0

    listed = cli.invoke(app, ["history", "--model", "resnet18", "--json"])
    table = cli.invoke(app, ["history", "--model", "resnet18"])

    points = json.loads(listed.stdout)
    assert sorted(p["image_size"] for p in points) == [32, 48]
    assert len({p["history_key"] for p in points}) == 2
    assert "32x32" in table.stdout and "48x48" in table.stdout


def test_history_shows_each_nights_speed_over_the_fastest_reference_runtime(isolated_data_dir):
    from benchsvc.config import get_settings
    from benchsvc.domain import RatioToReference
    from benchsvc.ingest import store
    from benchsvc.storage import upgrade
    from tests.support.documents import a_document, a_result

    url = get_settings().effective_database_url
    upgrade(url)
    ratio = RatioToReference(reference="openvino", median=1.04, low=1.01, high=1.07)
    store(url, a_document(a_result("tvm", ratio_to_best_reference=ratio), a_result("openvino")))

    listed = CliRunner().invoke(app, ["history", "--model", "resnet18", "--backend", "tvm", "--json"])
    table = CliRunner().invoke(app, ["history", "--model", "resnet18", "--backend", "tvm"])

    [point] = json.loads(listed.stdout)
    assert (point["ratio_to_best_reference"], point["best_reference"]) == (1.04, "openvino")
    assert "vs best reference" in table.stdout and "1.04x openvino" in table.stdout


def test_history_shows_each_nights_scaling_from_the_fewest_threads(isolated_data_dir):
    from benchsvc.config import get_settings
    from benchsvc.domain import ThreadScaling
    from benchsvc.ingest import store
    from benchsvc.storage import upgrade
    from tests.support.documents import a_document, a_result

    url = get_settings().effective_database_url
    upgrade(url)
    scaling = ThreadScaling(threads=1, median=1.91, low=1.88, high=1.93)
    store(url, a_document(a_result("tvm", threads=1), a_result("tvm", threads=2, scaling=scaling)))

    arguments = ["history", "--model", "resnet18", "--backend", "tvm", "--threads", "2"]
    listed = CliRunner().invoke(app, [*arguments, "--json"])
    table = CliRunner().invoke(app, arguments)

    [point] = json.loads(listed.stdout)
    assert (point["scaling"], point["scaling_threads"]) == (1.91, 1)
    assert "vs fewest threads" in table.stdout and "1.91x from 1" in table.stdout
