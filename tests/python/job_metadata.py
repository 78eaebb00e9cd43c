"""Prints a job's metadata (its JobConfig's) as JSON, asking the GCS directly.

    python job_metadata.py GCS_HOST:PORT JOB_ID_HEX
"""
import json
import sys

import grpc
import ray.core.generated.gcs_service_pb2 as pb
import ray.core.generated.gcs_service_pb2_grpc as pbg

gcs, job_hex = sys.argv[1], sys.argv[2]
stub = pbg.JobInfoGcsServiceStub(grpc.insecure_channel(gcs))
reply = stub.GetAllJobInfo(pb.GetAllJobInfoRequest())
for job in reply.job_info_list:
    if job.job_id.hex() == job_hex:
        print(json.dumps(dict(job.config.metadata), sort_keys=True))
        break
else:
    print("unknown")
