"""The image's build context: .dockerignore lets in exactly what docker/Dockerfile copies."""

from __future__ import annotations

from pathlib import Path

from tests.test_wheel import SOURCES as WHEEL_SOURCES

REPOSITORY = Path(__file__).resolve().parents[2]


def copied_from_the_context() -> set[str]:
    sources = set()
    for line in (REPOSITORY / "docker" / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources |= {word.rstrip("/") for word in words[1:-1]}
    return sources


def let_in_by_dockerignore() -> set[str]:
    lines = (REPOSITORY / ".dockerignore").read_text().splitlines()
    return {line[1:].rstrip("/") for line in lines if line.startswith("!")}


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies():
    assert let_in_by_dockerignore() == copied_from_the_context()


def test_everything_else_stays_out_of_the_context():
    lines = [line for line in (REPOSITORY / ".dockerignore").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[0] == "*"


def test_the_image_builds_its_wheel_from_the_same_files_as_the_wheel_test():
    assert copied_from_the_context() == {*WHEEL_SOURCES, "docker"}
