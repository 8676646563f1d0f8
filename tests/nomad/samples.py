"""Samples from ../shared/reference/nomad-api.md (Nomad docs and Go structs), verbatim.

Kept here so the parser tests run in a clone without the reference folder.
"""

# ruff: noqa: E501

# nomad-api.md line 67
JOBS_LIST = r"""[{"ID": "example", "ParentID": "", "Name": "example", "Namespace": "default",
  "Datacenters": ["dc1"], "Type": "service", "Priority": 50, "Periodic": false,
  "ParameterizedJob": false, "Stop": false, "Status": "pending", "StatusDescription": "",
  "JobSummary": {"JobID": "example", "Namespace": "default",
    "Summary": {"cache": {"Queued": 1, "Complete": 1, "Failed": 0, "Running": 0,
                          "Starting": 0, "Lost": 0, "Unknown": 0}},
    "Children": {"Pending": 0, "Running": 0, "Dead": 0},
    "CreateIndex": 52, "ModifyIndex": 96},
  "CreateIndex": 52, "ModifyIndex": 93, "JobModifyIndex": 52, "SubmitTime": 1645230403921889000}]
"""

# nomad-api.md line 104
JOB_ALLOCATIONS = r"""[{"ID": "5457f16d-0f87-8e6b-5e91-0c7da3a41eb7", "Name": "example.cache[0]",
  "NodeID": "f476d2b4-02dc-c216-d031-273396727347", "NodeName": "linux",
  "JobID": "example", "JobVersion": 0, "TaskGroup": "cache",
  "DesiredStatus": "run", "ClientStatus": "running", "ClientDescription": "Tasks are running",
  "DeploymentStatus": {"Canary": false, "Healthy": true, "ModifyIndex": 15,
                       "Timestamp": "2021-11-04T10:14:22.054814+01:00"},
  "TaskStates": {"redis": {"State": "running", "Failed": false, "Restarts": 0,
      "StartedAt": "2021-11-04T09:14:12.04996Z", "FinishedAt": null, "LastRestart": null,
      "Events": [{"Type": "Received", "Time": 1636017249803624000,
                  "DisplayMessage": "Task received by client", "Details": {}, "Message": "",
                  "FailsTask": false, "ExitCode": 0, "Signal": 0, "DriverError": "", "...": "..."}]}},
  "CreateIndex": 10, "ModifyIndex": 15, "CreateTime": 1636017249798459000,
  "ModifyTime": 1636017262190928000}]
"""

# nomad-api.md line 155
ALLOCATED_RESOURCES_FRAGMENT = r""""AllocatedResources": {
  "Tasks": {"main": {"Cpu": {"CpuShares": 250, "ReservedCores": null},
                     "Memory": {"MemoryMB": 2048, "MemoryMaxMB": 4096},
                     "Networks": null, "Devices": null}},
  "Shared": {"DiskMB": 300,
    "Networks": [{"Mode": "host", "IP": "10.0.0.5",
                  "DynamicPorts": [{"Label": "knot_port", "Value": 25432, "To": 3000,
                                    "HostNetwork": "default"}]}],
    "Ports": [{"Label": "knot_port", "Value": 25432, "To": 3000, "HostIP": "10.0.0.5"}]}}
"""

# nomad-api.md line 184
ALLOC_CHECKS = r"""{"a1ed96606694742bf201a640a607e306": {
   "ID": "a1ed96606694742bf201a640a607e306", "Check": "redis_probe", "Service": "redis",
   "Group": "example.cache[0]", "Task": "redis", "Mode": "healthiness",
   "Status": "success", "StatusCode": 200, "Output": "nomad: http ok", "Timestamp": 1690442203}}
"""

# nomad-api.md line 212
SERVICE_REGISTRATIONS = r"""[{"ID": "_nomad-task-177160af-...-redis-example-cache-redis-db", "ServiceName": "example-cache-redis",
  "Namespace": "default", "NodeID": "7406e90b-...", "Datacenter": "dc1", "JobID": "example",
  "AllocID": "177160af-26f6-619f-9c9f-5e46d1104395", "Tags": ["db","cache"],
  "Address": "127.0.0.1", "Port": 29702, "CreateIndex": 14, "ModifyIndex": 24}]
"""

# nomad-api.md line 237
LOG_FRAMES = r"""{"File": "alloc/logs/redis.stdout.0", "Offset": 3604480, "Data": "NTMxOTMyCjUz..."}
{"File": "alloc/logs/redis.stdout.0", "FileEvent": "file deleted"}
{}
"""

# nomad-api.md line 278
EVENT_BATCH = r"""{"Index": 7, "Events": [{"Topic": "Allocation", "Type": "AllocationUpdated",
  "Key": "<alloc id>", "Namespace": "default", "FilterKeys": ["<job id>", "<deployment id>"],
  "Index": 7, "Payload": {"Allocation": {"ID": "...", "ClientStatus": "running",
  "TaskStates": {}, "DeploymentStatus": {}}}}]}
"""

# nomad-api.md line 309
CSI_VOLUMES = r"""[{"ID": "volume-id1", "Namespace": "default", "Name": "volume id1", "ExternalID": "vol-abcdef",
  "AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system",
  "CurrentReaders": 2, "CurrentWriters": 1, "Schedulable": true, "PluginID": "plugin-id1",
  "Provider": "ebs", "ControllerRequired": true, "ControllersHealthy": 3,
  "ControllersExpected": 3, "NodesHealthy": 15, "NodesExpected": 18,
  "ResourceExhausted": 0, "CreateIndex": 42, "ModifyIndex": 64}]
"""

# nomad-api.md line 458
DEPLOYMENT = r"""{"ID": "85ee4a9a-339f-a921-a9ef-0550d20b2c61", "Namespace": "default", "JobID": "my-job",
 "JobVersion": 1, "JobModifyIndex": 19, "JobSpecModifyIndex": 19, "JobCreateIndex": 7,
 "IsMultiregion": false, "Status": "running", "StatusDescription": "Deployment is running",
 "TaskGroups": {"cache": {"AutoRevert": true, "AutoPromote": false, "Promoted": false,
   "PlacedCanaries": null, "DesiredCanaries": 0, "DesiredTotal": 3, "PlacedAllocs": 2,
   "HealthyAllocs": 2, "UnhealthyAllocs": 0, "ProgressDeadline": 600000000000,
   "RequireProgressBy": "2022-02-18T19:36:54.421823-05:00"}},
 "CreateIndex": 21, "ModifyIndex": 25, "CreateTime": 0, "ModifyTime": 0}
"""
