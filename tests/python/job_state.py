"""Prints the state ("alive", "dead" or "unknown") of a job, asking the GCS directly.

    python job_state.py GCS_HOST:PORT JOB_ID_HEX
"""
import sys

import grpc
import ray.core.generated.gcs_service_pb2 as pb
import ray.core.generated.gcs_service_pb2_grpc as pbg

gcs, job_hex = sys.argv[1], sys.argv[2]
stub = pbg.JobInfoGcsServiceStub(grpc.insecure_channel(gcs))
# The skip flags spare the GCS work where the release has them (not Ray 2.9).
fields = pb.GetAllJobInfoRequest.DESCRIPTOR.fields_by_name
skips = {f: True for f in ("skip_submission_job_info_field", "skip_is_running_tasks_field")
         if f in fields}
reply = stub.GetAllJobInfo(pb.GetAllJobInfoRequest(**skips))
for job in reply.job_info_list:
    if job.job_id.hex() == job_hex:
        print("dead" if job.is_dead else "alive")
        break
else:
    print("unknown")
