"""End-to-end tests: start server.py on a free port and drive it with pymongo.

pymongo is a real wire client (OP_QUERY handshake, OP_MSG with kind-1
document sequences, sessions, cursors), so these tests exercise the same
paths the Rust driver uses.  A few raw-socket tests cover framing details
pymongo does not produce on its own (checksum flag, moreToCome, OP_QUERY).

Run:  PY=$(MONGO_TEST_DEV=1 ./setup.sh) && $PY -m pytest -q test_server.py
"""
import datetime
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import bson
import pymongo
import pytest
from bson.int64 import Int64
from bson.raw_bson import RawBSONDocument
from pymongo import ReturnDocument, monitoring
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

HERE = os.path.dirname(os.path.abspath(__file__))


class CommandLog(monitoring.CommandListener):
    """Records command names so tests can assert getMore/killCursors happened."""

    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--host", "127.0.0.1",
             "--port", "0", "--port-file", port_file],
            stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            assert proc.poll() is None, "server exited early"
            assert time.time() < deadline, "server did not start"
            time.sleep(0.05)
        port = int(open(port_file).read())
        assert proc.stdout.readline().strip() == f"listening on 127.0.0.1:{port}"
        yield port
        proc.terminate()
        assert proc.wait(timeout=10) == 0, "server did not exit cleanly on SIGTERM"


@pytest.fixture(scope="module")
def commands():
    return CommandLog()


@pytest.fixture(scope="module")
def client(server, commands):
    c = pymongo.MongoClient(f"mongodb://127.0.0.1:{server}/", serverSelectionTimeoutMS=5000,
                            event_listeners=[commands])
    yield c
    c.close()


@pytest.fixture
def coll(client, request):
    db = client["t_" + request.node.name[:50]]
    yield db["c"]
    client.drop_database(db.name)


# -- raw wire helpers ---------------------------------------------------------

def _roundtrip(port, message):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(message)
        header = _recv(s, 16)
        length, _, response_to, opcode = struct.unpack("<iiii", header)
        return response_to, opcode, _recv(s, length - 16)


def _recv(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        assert chunk, "connection closed"
        buf += chunk
    return buf


def _op_msg(request_id, body, flags=0, sequences=(), checksum=False):
    payload = struct.pack("<I", flags | (1 if checksum else 0)) + b"\x00" + bson.encode(body)
    for ident, docs in sequences:
        data = ident.encode() + b"\x00" + b"".join(bson.encode(d) for d in docs)
        payload += b"\x01" + struct.pack("<i", 4 + len(data)) + data
    if checksum:
        payload += b"\x00\x00\x00\x00"    # the server does not verify CRC-32C
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, 2013) + payload


def _msg_body(payload):
    assert payload[4] == 0
    return bson.decode(payload[5:])


# -- handshake and protocol -----------------------------------------------------

def test_hello_is_standalone(client):
    hello = client.admin.command("hello")
    assert hello["isWritablePrimary"] is True
    assert "setName" not in hello and "hosts" not in hello
    assert hello["maxWireVersion"] == 17 and hello["minWireVersion"] == 0
    assert hello["maxBsonObjectSize"] == 16777216
    assert hello["maxMessageSizeBytes"] == 48000000
    assert hello["maxWriteBatchSize"] == 100000
    assert hello["logicalSessionTimeoutMinutes"] == 30
    assert hello["readOnly"] is False and "compression" not in hello
    assert client.admin.command("isMaster")["ismaster"] is True
    assert client.admin.command("buildInfo")["version"].startswith("6.")
    assert client.admin.command("ping")["ok"] == 1.0
    assert client.admin.command("serverStatus")["connections"]["current"] >= 1
    assert client.admin.command("getParameter", 1, featureCompatibilityVersion=1)["ok"] == 1.0


def test_legacy_op_query_handshake(server):
    query = bson.encode({"isMaster": 1, "helloOk": True, "client": {"driver": {"name": "x"}}})
    body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + query
    response_to, opcode, payload = _roundtrip(
        server, struct.pack("<iiii", 16 + len(body), 77, 0, 2004) + body)
    assert (response_to, opcode) == (77, 1)
    flags, cursor_id, start, count = struct.unpack_from("<iqii", payload)
    assert (cursor_id, count) == (0, 1)
    reply = bson.decode(payload[20:])
    assert reply["ismaster"] is True and reply["helloOk"] is True and reply["ok"] == 1.0


def test_op_msg_sequences_checksum_and_more_to_come(server, client):
    # kind-1 sequence merged into the body; checksum flag stripped
    _, opcode, payload = _roundtrip(server, _op_msg(
        5, {"insert": "seq", "$db": "t_raw"}, checksum=True,
        sequences=[("documents", [{"_id": 1}, {"_id": 2}])]))
    assert opcode == 2013 and _msg_body(payload) == {"n": 2, "ok": 1.0}
    # moreToCome: the server executes but must not answer
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        s.sendall(_op_msg(6, {"insert": "seq", "$db": "t_raw"}, flags=2,
                          sequences=[("documents", [{"_id": 3}])]))
        s.sendall(_op_msg(7, {"ping": 1, "$db": "admin"}))
        length, _, response_to, _ = struct.unpack("<iiii", _recv(s, 16))
        assert response_to == 7
        _recv(s, length - 16)
    assert client.t_raw.seq.count_documents({}) == 3
    client.drop_database("t_raw")


def test_unknown_command(client):
    with pytest.raises(OperationFailure) as err:
        client.admin.command("frobnicate")
    assert err.value.code == 59
    assert err.value.details["codeName"] == "CommandNotFound"
    assert err.value.details["errmsg"] == "no such command: 'frobnicate'"


def test_transactions_are_refused(client, coll):
    with client.start_session() as session:
        session.start_transaction()
        with pytest.raises(OperationFailure) as err:
            coll.insert_one({"x": 1}, session=session)
        assert err.value.code == 20
        assert "only allowed on a replica set member or mongos" in str(err.value)
    with pytest.raises(OperationFailure) as err:
        client.admin.command("commitTransaction")
    assert err.value.code == 20
    assert coll.count_documents({}) == 0


def test_many_concurrent_connections(server):
    clients = [pymongo.MongoClient(f"mongodb://127.0.0.1:{server}/", maxPoolSize=2)
               for _ in range(25)]
    try:
        def work(i, c):
            for j in range(10):
                c.t_conc.c.insert_one({"i": i, "j": j})
        threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert clients[0].t_conc.c.count_documents({}) == 250
    finally:
        clients[0].drop_database("t_conc")
        for c in clients:
            c.close()


# -- CRUD -----------------------------------------------------------------------

def test_insert_find_sort_skip_limit_projection(coll):
    coll.insert_many([{"_id": i, "n": i, "s": f"v{i}", "x": {"y": i}} for i in range(10)])
    docs = list(coll.find({"n": {"$gte": 2}}, {"s": 1, "_id": 0}).sort("n", -1).skip(1).limit(3))
    assert docs == [{"s": "v8"}, {"s": "v7"}, {"s": "v6"}]
    assert coll.find_one({"x.y": 4}, {"x": 1}) == {"_id": 4, "x": {"y": 4}}
    assert coll.find_one({"n": 99}) is None
    # _id is stored first even when the client put it last
    coll.insert_one({"a": 1, "_id": "last"})
    raw = coll.with_options(codec_options=bson.CodecOptions(document_class=RawBSONDocument))
    assert list(raw.find_one({"_id": "last"}).keys())[0] == "_id"


def test_get_more_with_small_batches(coll, commands):
    coll.insert_many([{"i": i} for i in range(25)])
    commands.names.clear()
    seen = [d["i"] for d in coll.find().sort("i", 1).batch_size(4)]
    assert seen == list(range(25))
    assert commands.names.count("getMore") == 6          # 4 + 6*4 = 28 >= 25
    cursor = coll.find().batch_size(3)
    next(cursor)
    cursor.close()
    assert "killCursors" in commands.names
    # default first batch is 101 like mongod
    coll.insert_many([{"i": i} for i in range(200)])
    commands.names.clear()
    assert len(list(coll.find())) == 225
    assert commands.names.count("getMore") == 1


def test_get_more_unknown_cursor(coll):
    with pytest.raises(OperationFailure) as err:
        coll.database.command("getMore", Int64(12345), collection="c")
    assert err.value.code == 43


def test_update_set_inc_upsert(coll):
    coll.insert_many([{"_id": 1, "n": 1, "tag": "a"}, {"_id": 2, "n": 2, "tag": "a"}])
    res = coll.update_one({"_id": 1}, {"$set": {"name": "one"}, "$inc": {"n": 10}})
    assert (res.matched_count, res.modified_count) == (1, 1)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 11, "tag": "a", "name": "one"}
    res = coll.update_many({"tag": "a"}, {"$inc": {"n": 1}})
    assert (res.matched_count, res.modified_count) == (2, 2)
    res = coll.update_one({"_id": 3}, {"$set": {"n": 30}}, upsert=True)
    assert res.upserted_id == 3 and coll.find_one({"_id": 3}) == {"_id": 3, "n": 30}
    res = coll.replace_one({"_id": 2}, {"whole": True})
    assert res.modified_count == 1 and coll.find_one({"_id": 2}) == {"_id": 2, "whole": True}
    res = coll.update_one({"_id": 99}, {"$set": {"n": 1}})
    assert (res.matched_count, res.upserted_id) == (0, None)


def test_unsupported_features_say_so(coll):
    coll.insert_one({"_id": 1, "a": [{"x": 1}]})
    for update, kwargs in (({"$set": {"a.$[].x": 2}}, {}),
                           ({"$set": {"a.$[e].x": 2}}, {"array_filters": [{"e.x": 1}]})):
        with pytest.raises(OperationFailure) as err:
            coll.update_one({"_id": 1}, update, **kwargs)
        assert err.value.code == 238
    with pytest.raises(OperationFailure) as err:
        coll.update_one({"_id": 1}, {"$bit": {"n": {"and": 1}}})
    assert err.value.code == 238
    with pytest.raises(OperationFailure) as err:
        coll.update_one({"_id": 1}, {"$frob": {"n": 1}})
    assert err.value.code == 9 and "Unknown modifier: $frob" in str(err.value)
    with pytest.raises(OperationFailure) as err:
        list(coll.aggregate([{"$merge": {"into": "other"}}]))
    assert err.value.code == 238 and "$merge" in str(err.value)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": [{"x": 1}]}


def test_failed_update_leaves_document_untouched(coll):
    coll.insert_one({"_id": 1, "a": 1, "s": "text"})
    with pytest.raises(OperationFailure) as err:
        coll.update_one({"_id": 1}, {"$set": {"a": 2}, "$inc": {"s": 1}})
    assert err.value.code == 14
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": 1, "s": "text"}


def test_find_and_modify(coll):
    coll.insert_many([{"_id": 1, "q": 5, "v": "a"}, {"_id": 2, "q": 5, "v": "b"}])
    doc = coll.find_one_and_update({"q": 5}, {"$set": {"v": "z"}}, sort=[("v", -1)],
                                   projection={"v": 1}, return_document=ReturnDocument.AFTER)
    assert doc == {"_id": 2, "v": "z"}
    before = coll.find_one_and_update({"_id": 1}, {"$inc": {"q": 1}})
    assert before == {"_id": 1, "q": 5, "v": "a"}
    assert coll.find_one_and_update({"_id": 9}, {"$set": {"q": 0}}) is None
    up = coll.find_one_and_update({"_id": 9}, {"$set": {"q": 0}}, upsert=True,
                                  return_document=ReturnDocument.AFTER)
    assert up == {"_id": 9, "q": 0}
    gone = coll.find_one_and_delete({"_id": 9})
    assert gone == {"_id": 9, "q": 0} and coll.find_one({"_id": 9}) is None
    rep = coll.find_one_and_replace({"_id": 1}, {"new": 1}, return_document=ReturnDocument.AFTER)
    assert rep == {"_id": 1, "new": 1}
    raw = coll.database.command("findAndModify", "c", query={"_id": 2},
                                update={"$set": {"w": 1}}, new=True)
    assert raw["lastErrorObject"] == {"n": 1, "updatedExisting": True}
    assert raw["value"]["w"] == 1


def test_guarded_update_race_has_one_winner(client, coll):
    coll.insert_one({"_id": "doc", "revision": 0, "owner": None})
    barrier = threading.Barrier(20)
    wins = []

    def contender(i):
        barrier.wait()
        res = coll.update_one({"_id": "doc", "revision": 0},
                              {"$set": {"owner": i}, "$inc": {"revision": 1}})
        if res.modified_count == 1:
            wins.append(i)

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert coll.find_one({"_id": "doc"}) == {"_id": "doc", "revision": 1, "owner": wins[0]}


def test_delete(coll):
    coll.insert_many([{"k": 1}, {"k": 1}, {"k": 1}, {"k": 2}])
    assert coll.delete_one({"k": 1}).deleted_count == 1
    assert coll.delete_many({"k": 1}).deleted_count == 2
    assert coll.delete_many({"k": 7}).deleted_count == 0
    assert [d["k"] for d in coll.find()] == [2]


def test_counting(coll):
    coll.insert_many([{"g": i % 3} for i in range(10)])
    assert coll.count_documents({}) == 10
    assert coll.count_documents({"g": 0}) == 4
    assert coll.count_documents({"g": 0}, skip=1, limit=2) == 2
    assert coll.count_documents({"g": 9}) == 0
    assert coll.estimated_document_count() == 10
    # the exact pipeline the Rust driver sends for count_documents
    out = list(coll.aggregate([{"$match": {"g": 1}}, {"$skip": 0}, {"$limit": 100},
                               {"$group": {"_id": 1, "n": {"$sum": 1}}}]))
    assert out == [{"_id": 1, "n": 3}]
    grouped = list(coll.aggregate([{"$group": {"_id": "$g", "n": {"$sum": 1}}},
                                   {"$sort": {"_id": 1}}], batchSize=1))
    assert grouped == [{"_id": 0, "n": 4}, {"_id": 1, "n": 3}, {"_id": 2, "n": 3}]


def test_distinct(coll):
    coll.insert_many([{"c": "x", "n": 1}, {"c": "y", "n": 2}, {"c": "x", "n": 3}, {"n": 4}])
    assert coll.distinct("c") == ["x", "y"]                   # sorted, like mongod
    assert coll.distinct("c", {"n": {"$gt": 2}}) == ["x"]
    coll.insert_many([{"c": 3}, {"c": ["z", "a"]}])
    assert coll.distinct("c") == [3, "a", "x", "y", "z"]       # BSON order, arrays unwound


# -- indexes and namespaces ------------------------------------------------------

def test_unique_index_enforced(coll):
    name = coll.create_index([("email", 1)], unique=True)
    assert name == "email_1"
    coll.insert_one({"_id": 1, "email": "a@x"})
    with pytest.raises(DuplicateKeyError) as err:
        coll.insert_one({"_id": 2, "email": "a@x"})
    assert err.value.code == 11000
    assert err.value.details["errmsg"] == ("E11000 duplicate key error collection: "
                                           f"{coll.full_name} index: email_1 dup key: "
                                           '{ email: "a@x" }')
    assert err.value.details["keyPattern"] == {"email": 1}
    assert err.value.details["keyValue"] == {"email": "a@x"}
    coll.insert_one({"_id": 3, "email": "b@x"})
    with pytest.raises(DuplicateKeyError):
        coll.update_one({"_id": 3}, {"$set": {"email": "a@x"}})
    assert coll.find_one({"_id": 3})["email"] == "b@x"
    with pytest.raises(DuplicateKeyError) as err:    # findAndModify: command error
        coll.find_one_and_update({"_id": 3}, {"$set": {"email": "a@x"}})
    assert err.value.details["ok"] == 0 and err.value.details["codeName"] == "DuplicateKey"
    assert err.value.details["errmsg"].endswith('index: email_1 dup key: { email: "a@x" }')
    with pytest.raises(DuplicateKeyError) as err:
        coll.insert_one({"_id": 1, "email": "c@x"})
    assert err.value.details["errmsg"].endswith("index: _id_ dup key: { _id: 1 }")
    # ordered stops at the first error, unordered carries on
    with pytest.raises(BulkWriteError) as err:
        coll.insert_many([{"email": "d@x"}, {"email": "a@x"}, {"email": "e@x"}])
    assert err.value.details["nInserted"] == 1
    assert err.value.details["writeErrors"][0]["index"] == 1
    assert err.value.details["writeErrors"][0]["code"] == 11000
    with pytest.raises(BulkWriteError) as err:
        coll.insert_many([{"email": "f@x"}, {"email": "a@x"}, {"email": "g@x"}], ordered=False)
    assert err.value.details["nInserted"] == 2
    assert sorted(d["email"] for d in coll.find()) == ["a@x", "b@x", "d@x", "f@x", "g@x"]


def test_unique_index_on_existing_duplicates_fails(coll):
    coll.insert_many([{"k": 1}, {"k": 1}])
    with pytest.raises(OperationFailure) as err:
        coll.create_index("k", unique=True)
    assert err.value.code == 11000


def test_sparse_and_partial_unique_indexes(coll):
    coll.create_index("s", unique=True, sparse=True)
    coll.create_index("p", unique=True, name="p_partial",
                      partialFilterExpression={"live": True})
    coll.insert_many([{"x": 1}, {"x": 2}])                  # both missing s: allowed
    coll.insert_many([{"p": 1, "live": False}, {"p": 1, "live": False}, {"p": 1, "live": True}])
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"p": 1, "live": True})


def test_list_and_drop_indexes(coll):
    coll.create_index([("a", 1), ("b", -1)], name="ab")
    coll.create_index("c", unique=True)
    info = {i["name"]: i for i in coll.list_indexes()}
    assert set(info) == {"_id_", "ab", "c_1"}
    assert info["ab"]["key"] == {"a": 1, "b": -1}
    assert info["c_1"]["unique"] is True
    coll.drop_index("ab")
    assert set(coll.index_information()) == {"_id_", "c_1"}
    with pytest.raises(OperationFailure) as err:
        coll.drop_index("nope")
    assert err.value.code == 27
    coll.drop_indexes()
    assert set(coll.index_information()) == {"_id_"}


def test_create_drop_list_namespaces(client):
    db = client.t_ns
    db.create_collection("a")
    with pytest.raises(OperationFailure) as err:
        db.command("create", "a")                 # pymongo's helper checks client-side
    assert err.value.code == 48
    db.b.insert_one({})
    assert sorted(db.list_collection_names()) == ["a", "b"]
    assert [c["name"] for c in db.list_collections(filter={"name": "b"})] == ["b"]
    assert "t_ns" in client.list_database_names()
    db.a.drop()
    db.missing.drop()                                        # dropping nothing is fine
    assert db.list_collection_names() == ["b"]
    with pytest.raises(OperationFailure) as err:       # pymongo's helper hides code 26
        db.command("listIndexes", "missing")
    assert err.value.code == 26
    assert list(db.missing.list_indexes()) == []
    client.drop_database("t_ns")
    assert "t_ns" not in client.list_database_names()


# -- query semantics ---------------------------------------------------------------

def test_query_operators(coll):
    coll.insert_many([
        {"_id": 1, "name": "Alice", "n": 1, "tags": ["a", "b"], "items": [{"k": 1, "v": 5}]},
        {"_id": 2, "name": "bob", "n": 2.5, "tags": ["b"], "flag": True},
        {"_id": 3, "name": "Carol", "n": None, "tags": [], "items": [{"k": 1, "v": 1}]},
        {"_id": 4, "s": "str", "flag": False},
    ])

    def ids(q):
        return sorted(d["_id"] for d in coll.find(q))

    assert ids({"name": {"$regex": "^a", "$options": "i"}}) == [1]
    assert ids({"name": {"$regex": "O", "$options": "i"}}) == [2, 3]
    assert ids({"flag": {"$exists": True}}) == [2, 4]
    assert ids({"flag": {"$exists": False}}) == [1, 3]
    assert ids({"n": {"$type": "number"}}) == [1, 2]
    assert ids({"name": {"$type": "string"}}) == [1, 2, 3]
    assert ids({"tags": {"$type": "array"}}) == [1, 2, 3]
    assert ids({"flag": {"$type": "bool"}}) == [2, 4]
    assert ids({"n": {"$type": "null"}}) == [3]
    assert ids({"n": {"$type": 10}}) == [3]
    assert ids({"n": {"$type": ["double", "null"]}}) == [2, 3]
    assert ids({"_id": {"$type": "int"}}) == [1, 2, 3, 4]
    assert ids({"_id": {"$in": [1, 3, 7]}}) == [1, 3]
    assert ids({"_id": {"$nin": [1, 3]}}) == [2, 4]
    assert ids({"tags": {"$all": ["a", "b"]}}) == [1]
    assert ids({"$nor": [{"_id": 1}, {"flag": True}]}) == [3, 4]
    assert ids({"items": {"$elemMatch": {"k": 1, "v": {"$gt": 2}}}}) == [1]
    assert ids({"n": {"$not": {"$gt": 1}}}) == [1, 3, 4]
    assert ids({"$or": [{"n": 1}, {"s": "str"}]}) == [1, 4]


def test_sort_missing_fields_first(coll):
    coll.insert_many([{"_id": 1, "k": 2}, {"_id": 2}, {"_id": 3, "k": 1}, {"_id": 4, "k": None}])
    asc = [d["_id"] for d in coll.find().sort([("k", 1), ("_id", 1)])]
    assert asc[:2] == [2, 4] and asc[2:] == [3, 1]
    desc = [d["_id"] for d in coll.find().sort([("k", -1), ("_id", 1)])]
    assert desc[:2] == [1, 3]


def test_operator_like_data_round_trips(coll):
    doc = {"_id": 1, "arr": [{"$gt": ""}], "sub": {"q": {"$gt": ""}}}
    coll.insert_one(doc)
    assert coll.find_one({"_id": 1}) == doc
    coll.update_one({"_id": 1}, {"$set": {"more": [{"$in": [1]}]}})
    assert coll.find_one({"_id": 1})["more"] == [{"$in": [1]}]


# -- types ------------------------------------------------------------------------

def test_bson_types_round_trip(coll):
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc)
    doc = {"_id": 1, "i32": 7, "i64": Int64(7), "big": Int64(2**40), "dbl": 7.0,
           "s": "x", "b": True, "nil": None, "when": when, "sub": {"i64": Int64(1)},
           "arr": [1, Int64(2), 3.0, "4"], "bin": bson.Binary(b"\x00" * 16, 4)}
    coll.insert_one(doc)
    raw = coll.with_options(codec_options=bson.CodecOptions(
        document_class=RawBSONDocument)).find_one({"_id": 1})
    # check the BSON type bytes themselves, not Python equality
    types = {}
    data, pos = raw.raw, 4
    while data[pos] != 0:
        end = data.index(b"\x00", pos + 1)
        types[data[pos + 1:end].decode()] = data[pos]
        pos = end + 1 + _value_len(data, data[pos], end + 1)
    assert types == {"_id": 0x10, "i32": 0x10, "i64": 0x12, "big": 0x12, "dbl": 0x01,
                     "s": 0x02, "b": 0x08, "nil": 0x0A, "when": 0x09, "sub": 0x03,
                     "arr": 0x04, "bin": 0x05}
    got = coll.with_options(codec_options=bson.CodecOptions(tz_aware=True)).find_one({"_id": 1})
    assert got["when"] == when
    assert type(got["sub"]["i64"]) is Int64 and type(got["arr"][1]) is Int64
    assert type(got["arr"][0]) is int and type(got["arr"][2]) is float
    assert got["bin"] == bson.Binary(b"\x00" * 16, 4)


def _value_len(data, t, pos):
    if t in (0x01, 0x09, 0x12):
        return 8
    if t == 0x10:
        return 4
    if t == 0x08:
        return 1
    if t == 0x0A:
        return 0
    if t == 0x02:
        return 4 + struct.unpack_from("<i", data, pos)[0]
    if t in (0x03, 0x04):
        return struct.unpack_from("<i", data, pos)[0]
    if t == 0x05:
        return 5 + struct.unpack_from("<i", data, pos)[0]
    raise AssertionError(f"unexpected type {t}")


def test_int64_survives_updates(coll):
    coll.insert_one({"_id": 1, "rev": Int64(1), "n": 1})
    coll.update_one({"_id": 1}, {"$inc": {"rev": 1, "n": Int64(1), "fresh": Int64(5)}})
    doc = coll.find_one({"_id": 1})
    assert doc == {"_id": 1, "rev": 2, "n": 2, "fresh": 5}
    assert type(doc["rev"]) is Int64 and type(doc["n"]) is Int64 and type(doc["fresh"]) is Int64
    coll.update_one({"_id": 1}, {"$mul": {"rev": 3}, "$set": {"s": Int64(9)}})
    doc = coll.find_one({"_id": 1})
    assert doc["rev"] == 6 and type(doc["rev"]) is Int64 and type(doc["s"]) is Int64
    assert coll.find_one({"rev": Int64(6)})["_id"] == 1
    assert coll.find_one({"rev": 6})["_id"] == 1


def test_datetime_round_trip_and_queries(coll):
    base = datetime.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    coll.insert_many([{"_id": i, "at": base + datetime.timedelta(milliseconds=i)}
                      for i in range(3)])
    tz = coll.with_options(codec_options=bson.CodecOptions(tz_aware=True))
    assert tz.find_one({"_id": 1})["at"] == base + datetime.timedelta(milliseconds=1)
    assert [d["_id"] for d in tz.find({"at": {"$gt": base}}).sort("at", -1)] == [2, 1]


# -- command shapes the Rust driver sends -----------------------------------------

def test_rust_driver_command_shapes(coll):
    db = coll.database
    coll.insert_many([{"_id": i} for i in range(5)])
    # find_one: limit 1 + singleBatch -> closed cursor
    cur = db.command({"find": "c", "filter": {}, "limit": Int64(1), "singleBatch": True})["cursor"]
    assert cur["id"] == 0 and type(cur["id"]) is Int64 and len(cur["firstBatch"]) == 1
    assert cur["ns"] == f"{db.name}.c"
    # negative limit: single batch of |limit|
    cur = db.command({"find": "c", "filter": {}, "limit": Int64(-2)})["cursor"]
    assert cur["id"] == 0 and [d["_id"] for d in cur["firstBatch"]] == [0, 1]
    # batchSize 0: empty first batch, open cursor, then getMore with batchSize
    cur = db.command({"find": "c", "filter": {}, "batchSize": 0})["cursor"]
    assert cur["firstBatch"] == [] and cur["id"] != 0
    more = db.command({"getMore": cur["id"], "collection": "c", "batchSize": 2})["cursor"]
    assert [d["_id"] for d in more["nextBatch"]] == [0, 1] and more["id"] == cur["id"]
    killed = db.command({"killCursors": "c", "cursors": [cur["id"]]})
    assert killed["cursorsKilled"] == [cur["id"]]
    # count_documents pipeline with Int64 $skip/$limit
    res = db.command({"aggregate": "c", "pipeline": [
        {"$match": {}}, {"$skip": Int64(1)}, {"$limit": Int64(3)},
        {"$group": {"_id": 1, "n": {"$sum": 1}}}], "cursor": {}})
    assert res["cursor"]["firstBatch"] == [{"_id": 1, "n": 3}]
    assert db.command({"count": "c"})["n"] == 5
    # pipeline-style update and a replacement with multi (refused like mongod)
    res = db.command({"update": "c", "updates": [
        {"q": {"_id": 1}, "u": [{"$set": {"p": True}}]},
        {"q": {}, "u": {"plain": 1}, "multi": True}], "ordered": False})
    assert res["n"] == 1 and res["writeErrors"][0]["index"] == 1
    assert res["writeErrors"][0]["code"] == 9
    assert coll.find_one({"_id": 1}) == {"_id": 1, "p": True}
    # upsert reports the index and _id
    res = db.command({"update": "c", "updates": [
        {"q": {"_id": 1}, "u": {"$set": {"q": 1}}},
        {"q": {"_id": 42}, "u": {"$set": {"q": 1}}, "upsert": True}]})
    assert res["n"] == 2 and res["nModified"] == 1
    assert res["upserted"] == [{"index": 1, "_id": 42}]
    # findAndModify upsert reports lastErrorObject.upserted
    res = db.command({"findAndModify": "c", "query": {"_id": 43}, "update": {"$set": {"a": 1}},
                      "upsert": True, "new": False, "fields": {"a": 1}})
    assert res["value"] is None
    assert res["lastErrorObject"] == {"n": 1, "updatedExisting": False, "upserted": 43}
    res = db.command({"findAndModify": "c", "query": {"_id": 43}, "remove": True})
    assert res["value"] == {"_id": 43, "a": 1} and res["lastErrorObject"] == {"n": 1}
    # deletes with limit 0 and 1
    res = db.command({"delete": "c", "deletes": [{"q": {"_id": {"$lt": 3}}, "limit": 1},
                                                 {"q": {"_id": {"$gte": 40}}, "limit": 0}]})
    assert res["n"] == 2


def test_large_documents_split_batches(coll, commands):
    blob = "x" * (1024 * 1024)
    coll.insert_many([{"_id": i, "blob": blob} for i in range(20)])   # ~20 MiB in total
    commands.names.clear()
    assert [d["_id"] for d in coll.find()] == list(range(20))
    assert commands.names.count("getMore") >= 1        # first batch capped near 16 MiB


def test_sum_beyond_int64_is_a_double(coll):
    big = bson.int64.Int64(2 ** 62)
    coll.insert_many([{"_id": i, "n": big} for i in range(3)])
    [row] = coll.aggregate([{"$group": {"_id": None, "total": {"$sum": "$n"}}}])
    assert row["total"] == float(3 * 2 ** 62) and isinstance(row["total"], float)
