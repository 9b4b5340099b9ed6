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
