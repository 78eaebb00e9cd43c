"""Writes a seed corpus for the protobuf_replies fuzz target: replies as a Ray 2.60
server sends them, encoded with Ray's own generated protobuf classes and pickled the way
its server pickles (cloudpickle, refs as PickleStub persistent ids). Run with the test
virtualenv's python from fuzz/:

    ../.cache/venv/bin/python make_reply_corpus.py

Each file is one input of ray_client::__fuzz::reply: a kind byte (see ReplyKind in
src/fuzz_hooks.rs), then the message (for a GetObject stream: a piece-size byte, then
gRPC-framed GetResponse messages; for the pickle kinds: the pickle).
"""
import io
import json
import os

from ray import cloudpickle
import numpy as np
import ray.core.generated.ray_client_pb2 as pb
import ray.exceptions
from ray.util.client.client_pickler import PickleStub

DATA, GET_STREAM, WAIT, CLUSTER_INFO, KV, LOG, ERROR_PICKLE, VALUE_PICKLE = range(8)
OUT = "corpus/protobuf_replies"
CHUNK = 5 * 1024 * 1024  # Ray's OBJECT_TRANSFER_CHUNK_SIZE


class Ref:
    """Stands for an ObjectRef (or an actor handle) in a value the server pickles."""

    def __init__(self, kind, ref_id):
        self.kind, self.ref_id = kind, ref_id


class ServerPickler(cloudpickle.CloudPickler):
    # As ray.util.client.server.server_pickler.ServerPickler.persistent_id.
    def persistent_id(self, obj):
        if isinstance(obj, Ref):
            return PickleStub(type=obj.kind, client_id="0123456789abcdef0123456789abcdef",
                              ref_id=obj.ref_id, name=None, baseline_options=None)
        return None


def dumps(value):
    f = io.BytesIO()
    ServerPickler(f).dump(value)
    return f.getvalue()


def error_pickles():
    task_error = ray.exceptions.RayTaskError(
        "boom", "\x1b[36mray::boom()\x1b[39m\nTraceback (most recent call last):\n"
        "ValueError: bad value 3", ValueError("bad value 3"))
    errors = [
        ray.exceptions.GetTimeoutError("Get timed out: some object(s) not ready."),
        task_error,
        task_error.as_instanceof_cause(),
        ray.exceptions.TaskCancelledError(),
        ray.exceptions.ObjectLostError("00" * 28, "owner", "call site"),
        ValueError("Failed to look up actor with name 'nope'"),
        RuntimeError("put failed"),
    ]
    out = []
    for e in errors:
        try:
            out.append(cloudpickle.dumps(e))
        except Exception as why:  # Some exception classes do not pickle without a cluster.
            print("skipped", type(e).__name__, why)
    return out


ID = bytes(range(28))
values = [
    [21], [441], [None], [True, 1.5, "héllo", b"bytes"], [list(range(100))],
    [{"a": 1, "nested": {"b": (1, 2)}}], [Ref("Object", ID)], [[Ref("Object", ID), 3]],
    [Ref("Actor", ID[:16])], [np.arange(12.0).reshape(3, 4)], [np.zeros(3, dtype=np.int32)],
    [b"x" * 5000], [{"state": "CREATED", "bundles": {0: {"CPU": 1.0}}}], [False],
]
value_pickles = [dumps(v) for v in values]
errors = error_pickles()

seeds = {}


def add(name, kind, payload):
    seeds[name] = bytes([kind]) + payload


def data(name, **fields):
    add("data_" + name, DATA, pb.DataResponse(req_id=fields.pop("req_id", 1), **fields)
        .SerializeToString())


data("init_ok", init=pb.InitResponse(ok=True))
data("init_refused", init=pb.InitResponse(ok=False, msg="Starting Ray client server failed"))
data("connection_info", connection_info=pb.ConnectionInfoResponse(
    num_clients=1, python_version="3.12.3", ray_version="2.60.0", ray_commit="abc123"))
data("put_ok", put=pb.PutResponse(id=ID, valid=True))
for i, e in enumerate(errors):
    data(f"put_error{i}", put=pb.PutResponse(valid=False, error=e))
    data(f"ticket_error{i}", task_ticket=pb.ClientTaskTicket(valid=False, error=e))
data("ticket_one", task_ticket=pb.ClientTaskTicket(valid=True, return_ids=[ID]))
data("ticket_three", task_ticket=pb.ClientTaskTicket(valid=True, return_ids=[ID, ID[::-1], ID[:16]]))
data("ticket_none", task_ticket=pb.ClientTaskTicket(valid=True))
data("terminate_ok", terminate=pb.TerminateResponse(ok=True))
data("terminate_no", terminate=pb.TerminateResponse(ok=False))
data("named_bare", list_named_actors=pb.ClientListNamedActorsResponse(
    actors_json=json.dumps(["counter", "other"])))
data("named_all", list_named_actors=pb.ClientListNamedActorsResponse(
    actors_json=json.dumps([{"name": "c", "namespace": "ns"}, {"name": "d"}, 5])))
data("release", release=pb.ReleaseResponse(ok=[True, False]))
data("cleanup", connection_cleanup=pb.ConnectionCleanupResponse())
data("ack_zero", req_id=0)
data("negative_id", req_id=-7, put=pb.PutResponse(id=ID, valid=True))


def stream(name, frames, step=255):
    # A byte choosing the size of the pieces the body is fed in, then gRPC messages.
    add("get_" + name, GET_STREAM, bytes([step]) + b"".join(
        b"\0" + len(m).to_bytes(4, "big") + m for m in (f.SerializeToString() for f in frames)))


for i, p in enumerate(value_pickles):
    stream(f"single{i}", [pb.GetResponse(valid=True, data=p, chunk_id=0, total_chunks=1,
                                         total_size=len(p))])
# Chunked as the server chunks (small chunks so the seeds stay small).
big = dumps([list(range(3000))])
parts = [big[i:i + 4096] for i in range(0, len(big), 4096)]
chunked = [pb.GetResponse(valid=True, data=d, chunk_id=i, total_chunks=len(parts),
                          total_size=len(big)) for i, d in enumerate(parts)]
stream("chunked", chunked)
stream("chunked_bytewise", chunked, step=0)
stream("chunked_resent", chunked[:2] + chunked[1:])  # A chunk sent again after a retry.
stream("chunked_gap", [chunked[0], chunked[2]])
stream("huge_announced", [pb.GetResponse(valid=True, data=parts[0], chunk_id=0,
                                         total_chunks=2**31 - 1, total_size=2**62)])
for i, e in enumerate(errors):
    stream(f"error{i}", [pb.GetResponse(valid=False, error=e)])

add("wait_some", WAIT, pb.WaitResponse(valid=True, ready_object_ids=[ID],
                                       remaining_object_ids=[ID[::-1]]).SerializeToString())
add("wait_invalid", WAIT, pb.WaitResponse(valid=False).SerializeToString())

CI = pb.ClusterInfoResponse
add("ci_resources", CLUSTER_INFO, CI(resource_table=CI.ResourceTable(
    table={"CPU": 2.0, "memory": 1e9, "node:127.0.0.1": 1.0})).SerializeToString())
add("ci_context", CLUSTER_INFO, CI(runtime_context=CI.RuntimeContext(
    job_id=b"\x01\x00\x00\x00", node_id=ID, namespace="ns", runtime_env="{}",
    capture_client_tasks=True, gcs_address="127.0.0.1:6379", session_name="session_x"))
    .SerializeToString())
nodes = [{"NodeID": "ab" * 28, "Alive": True, "NodeManagerAddress": "127.0.0.1",
          "Resources": {"CPU": 2.0}, "Labels": {}, "MetricsExportPort": 1}]
for name, j in [("nodes", nodes), ("initialized", True),
                ("dashboard", {"dashboard_url": "127.0.0.1:8265"}), ("ping", {})]:
    add("ci_" + name, CLUSTER_INFO, CI(json=json.dumps(j)).SerializeToString())

add("kv_get", KV, pb.KVGetResponse(value=b"value").SerializeToString())
add("kv_del", KV, pb.KVDelResponse(deleted_num=3).SerializeToString())
add("kv_del_negative", KV, pb.KVDelResponse(deleted_num=-1).SerializeToString())
add("kv_list", KV, pb.KVListResponse(keys=[b"a", b"b"]).SerializeToString())
add("kv_exists", KV, pb.KVExistsResponse(exists=True).SerializeToString())
add("kv_put", KV, pb.KVPutResponse(already_exists=True).SerializeToString())

add("log_stdout", LOG, pb.LogData(msg="(f pid=12) hello\n", level=-1).SerializeToString())
add("log_record", LOG, pb.LogData(msg="warning\n", level=30, name="ray").SerializeToString())

for i, e in enumerate(errors):
    add(f"error_pickle{i}", ERROR_PICKLE, e)
for i, p in enumerate(value_pickles):
    add(f"value_pickle{i}", VALUE_PICKLE, p)

os.makedirs(OUT, exist_ok=True)
for name, seed in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(seed)
print(len(seeds), "seeds in", OUT)
