"""Compares our compiled proto/ray_client.proto with Ray's own ray_client.proto.

    compare_descriptors.py OURS.bin

OURS.bin is a serialized google.protobuf.FileDescriptorSet (ray_client::__private::
DESCRIPTOR_SET). Ray's side is ray.core.generated.ray_client_pb2.DESCRIPTOR from the
installed ray. Every message (nested ones too), enum and service of either side is
compared with the one of the same full name on the other: fields (name, number, type,
label, type name, oneof, proto3 optional, packed, default, extendee), oneofs, map
entries, enum values and rpc methods (input, output, client/server streaming). Prints
every difference and exits 1 if there is any.
"""

import sys

from google.protobuf import descriptor_pb2
from ray.core.generated import ray_client_pb2

PACKAGE = "ray.rpc"


def ray_files():
    fdp = descriptor_pb2.FileDescriptorProto()
    ray_client_pb2.DESCRIPTOR.CopyToProto(fdp)
    return [fdp]


def our_files(path):
    with open(path, "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    return list(fds.file)


def index(files):
    """Full name -> descriptor proto, for messages, enums and services of PACKAGE."""
    messages, enums, services = {}, {}, {}

    def walk_message(prefix, m):
        name = f"{prefix}.{m.name}"
        messages[name] = m
        for e in m.enum_type:
            enums[f"{name}.{e.name}"] = e
        for n in m.nested_type:
            walk_message(name, n)

    for f in files:
        if f.package != PACKAGE:
            continue
        prefix = f".{f.package}"
        for m in f.message_type:
            walk_message(prefix, m)
        for e in f.enum_type:
            enums[f"{prefix}.{e.name}"] = e
        for s in f.service:
            services[f"{prefix}.{s.name}"] = s
    return messages, enums, services


LABELS = {v: k for k, v in descriptor_pb2.FieldDescriptorProto.Label.items()}
TYPES = {v: k for k, v in descriptor_pb2.FieldDescriptorProto.Type.items()}


def field_facts(m, f):
    oneof = m.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None
    return {
        "number": f.number,
        "label": LABELS.get(f.label, f.label),
        "type": TYPES.get(f.type, f.type),
        "type_name": f.type_name or None,
        "oneof": oneof,
        "proto3_optional": f.proto3_optional,
        "packed": f.options.packed if f.options.HasField("packed") else None,
        "default_value": f.default_value if f.HasField("default_value") else None,
        "extendee": f.extendee or None,
    }


def compare(ours, theirs):
    diffs = []
    counts = {"messages": 0, "fields": 0, "enums": 0, "values": 0, "services": 0, "methods": 0}
    our_msgs, our_enums, our_svcs = index(ours)
    ray_msgs, ray_enums, ray_svcs = index(theirs)

    def both(kind, a, b):
        for name in sorted(set(a) | set(b)):
            if name not in a:
                diffs.append(f"{kind} {name}: in Ray's proto, missing from ours")
            elif name not in b:
                diffs.append(f"{kind} {name}: in ours, not in Ray's proto")
            else:
                yield name, a[name], b[name]

    for name, m, r in both("message", our_msgs, ray_msgs):
        counts["messages"] += 1
        if m.options.map_entry != r.options.map_entry:
            diffs.append(f"message {name}: map_entry {m.options.map_entry} != Ray's {r.options.map_entry}")
        ours_o = sorted(o.name for o in m.oneof_decl)
        ray_o = sorted(o.name for o in r.oneof_decl)
        if ours_o != ray_o:
            diffs.append(f"message {name}: oneofs {ours_o} != Ray's {ray_o}")
        mf = {f.name: f for f in m.field}
        rf = {f.name: f for f in r.field}
        for fname, f, g in both(f"field {name}", mf, rf):
            counts["fields"] += 1
            a, b = field_facts(m, f), field_facts(r, g)
            for key in a:
                if a[key] != b[key]:
                    diffs.append(f"field {name}.{fname}: {key} {a[key]!r} != Ray's {b[key]!r}")
        numbers = [f.number for f in m.field]
        if len(numbers) != len(set(numbers)):
            diffs.append(f"message {name}: duplicate field numbers {sorted(numbers)}")

    for name, e, r in both("enum", our_enums, ray_enums):
        counts["enums"] += 1
        if e.options.allow_alias != r.options.allow_alias:
            diffs.append(f"enum {name}: allow_alias {e.options.allow_alias} != Ray's {r.options.allow_alias}")
        ev = {v.name: v.number for v in e.value}
        rv = {v.name: v.number for v in r.value}
        for vname, a, b in both(f"enum value {name}", ev, rv):
            counts["values"] += 1
            if a != b:
                diffs.append(f"enum value {name}.{vname}: {a} != Ray's {b}")

    for name, s, r in both("service", our_svcs, ray_svcs):
        counts["services"] += 1
        sm = {x.name: x for x in s.method}
        rm = {x.name: x for x in r.method}
        for mname, a, b in both(f"rpc {name}", sm, rm):
            counts["methods"] += 1
            for key in ("input_type", "output_type", "client_streaming", "server_streaming"):
                x, y = getattr(a, key), getattr(b, key)
                if x != y:
                    diffs.append(f"rpc {name}.{mname}: {key} {x!r} != Ray's {y!r}")
    return diffs, counts


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ours = our_files(sys.argv[1])
    theirs = ray_files()
    if not any(f.package == PACKAGE for f in ours):
        sys.exit(f"our descriptor set has no file of package {PACKAGE}: {[f.name for f in ours]}")
    diffs, counts = compare(ours, theirs)
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"compared {summary} (ours: {[f.name for f in ours]}, Ray's: {[f.name for f in theirs]})")
    for d in diffs:
        print(d)
    if diffs:
        print(f"{len(diffs)} differences")
        return 1
    print("no differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
