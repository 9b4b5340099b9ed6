"""The read cache: answers kept per database and data version, within a budget of bytes."""

from benchsvc.storage import make_engine, transaction
from benchsvc.storage.cache import ReadCache


def test_an_answer_is_computed_once_while_the_data_stays_the_same(database_url):
    cache, computed = ReadCache(), []
    with transaction(make_engine(database_url)) as session:
        answers = [cache.answer(session, "page", lambda: computed.append(1) or "<html>") for _ in range(3)]

    assert answers == ["<html>"] * 3 and computed == [1]


def test_the_oldest_answers_go_once_the_byte_budget_is_spent(database_url):
    cache, computed = ReadCache(max_bytes=10), []
    with transaction(make_engine(database_url)) as session:
        cache.answer(session, "first", lambda: "x" * 6)
        cache.answer(session, "second", lambda: "y" * 6)
        cache.answer(session, "first", lambda: computed.append(1) or "x" * 6)

    assert computed == [1] and cache.size <= 10
