"""Prints how many object references the cluster's core workers of one job hold.

Usage: worker_refs.py GCS_ADDRESS JOB_ID_HEX

Asks every raylet for its workers' stats (`node_stats` with memory info, the data
behind `ray memory`), so it needs no dashboard. The Ray client server of a client is the
driver of that client's job: its object references are the ones the client holds.
"""

import sys

import ray
from ray._private.internal_api import node_stats


def main():
    gcs, job = sys.argv[1], sys.argv[2]
    ray.init(address=gcs, logging_level="ERROR", log_to_driver=False)
    total = 0
    for node in ray.nodes():
        if not node["Alive"]:
            continue
        reply = node_stats(
            node["NodeManagerAddress"], node["NodeManagerPort"], include_memory_info=True
        )
        for worker in reply.core_workers_stats:
            if worker.job_id.hex() == job:
                total += len(worker.object_refs)
    print(total)


if __name__ == "__main__":
    main()
